"""A real Fiscus server (gunicorn, its own SQLite database with a small demo city) and Debian's
Chromium driven by Playwright. The server runs in a subprocess, exactly as `make run` serves it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail("Debian's chromium is missing: .ci/run installs it.")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium).")
    var = tmp_path_factory.mktemp("fiscus-var")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FISCUS_", "DJANGO_"))}
    env.update(FISCUS_DEV="1", FISCUS_VAR_DIR=str(var), FISCUS_TESTING="0")
    fiscus = [sys.executable, "-m", "fiscus.cli"]
    subprocess.run([*fiscus, "migrate", "--noinput", "-v", "0"], env=env, check=True)
    subprocess.run(
        [*fiscus, "demo", "--customers", "40"], env=env, check=True, stdout=subprocess.DEVNULL
    )
    port = _free_port()
    env.update(FISCUS_BIND=f"127.0.0.1:{port}", FISCUS_WEB_WORKERS="2")
    proc = subprocess.Popen(
        [*fiscus, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("fiscus serve did not start: " + (proc.stderr.read() or b"").decode()[-2000:])
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: object, server: str, tmp_path: Path) -> Iterator[object]:
    context = browser.new_context(
        base_url=server,
        accept_downloads=True,  # type: ignore[attr-defined]
        viewport={"width": 1360, "height": 900},
    )
    pg = context.new_page()
    yield pg
    context.close()


def shoot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


__all__ = ["shoot", "shutil"]

"""The real sample files from outside the project (../shared/fixtures/external)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def external_dir() -> Path:
    """../shared/fixtures/external beside the checkout, or FISCUS_FIXTURES, or /work/shared."""
    candidates = [
        Path(os.environ["FISCUS_FIXTURES"]) if os.environ.get("FISCUS_FIXTURES") else None,
        Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "external",
        Path("/work/shared/fixtures/external"),
    ]
    for path in candidates:
        if path is not None and (path / "SOURCES.md").exists():
            return path
    raise FileNotFoundError("The shared fixtures (shared/fixtures/external) are not found.")


EXTERNAL = external_dir()


@pytest.fixture
def external() -> Path:
    return EXTERNAL

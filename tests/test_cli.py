"""The `fiscus` command hands its sub-commands to the right management commands."""

from __future__ import annotations

import pytest

from fiscus import cli


def test_fiscus_without_arguments_prints_what_it_can_do(capsys):
    cli.main([])
    out = capsys.readouterr().out
    for command in ("fiscus demo", "fiscus serve", "fiscus worker", "opening-balances", "verify"):
        assert command in out


def test_fiscus_audit_verify_checks_both_chains(city, capsys):
    from tests.factories import customer, invoice

    invoice(city, customer(city.clerk), "12.34")
    cli.main(["audit", "verify"])
    assert "OK: 1 journal entries and 1 receivable rows verify; " in capsys.readouterr().out


def test_fiscus_worker_runs_the_task_database_worker(monkeypatch):
    seen = []
    monkeypatch.setattr(
        "django.core.management.execute_from_command_line", lambda argv: seen.append(argv)
    )
    cli.main(["worker", "--batch"])
    assert seen == [["fiscus", "db_worker", "--batch"]]


def test_fiscus_import_opening_balances_maps_to_its_command(monkeypatch):
    seen = []
    monkeypatch.setattr(
        "django.core.management.execute_from_command_line", lambda argv: seen.append(argv)
    )
    cli.main(["import", "opening-balances", "file.csv", "--dry-run"])
    assert seen == [["fiscus", "import_opening_balances", "file.csv", "--dry-run"]]


@pytest.mark.parametrize("variable", ["FISCUS_SESSION_MINUTES", "FISCUS_DEBUG"])
def test_a_bad_setting_stops_start_up_naming_the_variable(variable, monkeypatch):
    import subprocess
    import sys

    env = {"FISCUS_DEV": "1", variable: "lots", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ.setdefault("
            "'DJANGO_SETTINGS_MODULE','fiscus.settings'); django.setup()",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert variable in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ.setdefault("
            "'DJANGO_SETTINGS_MODULE','fiscus.settings'); django.setup()",
        ],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "FISCUS_SECRET_KEY is required" in result.stderr

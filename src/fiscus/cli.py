"""The `fiscus` command: set-up and batch work, plus every Django management command.

fiscus demo                          load the demo city (a year of activity)
fiscus serve [--bind 127.0.0.1:8000] serve the web app with gunicorn
fiscus worker                        run background tasks (the django-tasks database worker)
fiscus import opening-balances FILE  import customers' open items from .csv or .xlsx
fiscus audit verify                  check the hash chains of both ledgers
fiscus cash import-bank FILE         import a bank statement (BAI2, camt, OFX, CSV mapping)
fiscus cash import-lockbox FILE      import a lockbox file and apply its checks
fiscus cash import-ach-returns FILE  import a NACHA return file: the payments it names returned
fiscus <django command> ...          migrate, createsuperuser, shell, ...
"""

from __future__ import annotations

import os
import sys

SUBCOMMANDS = {
    ("import", "opening-balances"): "import_opening_balances",
    ("audit", "verify"): "audit_verify",
    ("billing", "recurring-run"): "billing_recurring_run",
    ("billing", "finance-charges"): "billing_finance_charges",
    ("cash", "import-bank"): "cash_import_bank",
    ("cash", "import-lockbox"): "cash_import_lockbox",
    ("cash", "import-ach-returns"): "cash_import_ach_returns",
}


def _serve(args: list[str]) -> None:
    from gunicorn.app.wsgiapp import run

    bind = os.environ.get("FISCUS_BIND", "127.0.0.1:8000")
    workers = os.environ.get("FISCUS_WEB_WORKERS", "3")
    sys.argv = [
        "gunicorn",
        "--bind",
        bind,
        "--workers",
        workers,
        "--access-logfile",
        "-",
        "fiscus.wsgi:application",
        *args,
    ]
    run()


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fiscus.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(__doc__)  # noqa: T201
        if not args:
            return
    if args and args[0] == "serve":
        _serve(args[1:])
        return
    if args and args[0] == "worker":
        args = ["db_worker", *args[1:]]
    elif len(args) >= 2 and (args[0], args[1]) in SUBCOMMANDS:
        args = [SUBCOMMANDS[(args[0], args[1])], *args[2:]]
    from django.core.management import execute_from_command_line

    execute_from_command_line(["fiscus", *args])


if __name__ == "__main__":
    main()

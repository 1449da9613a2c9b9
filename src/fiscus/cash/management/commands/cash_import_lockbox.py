"""fiscus cash import-lockbox FILE --department CODE [--user USERNAME]

Import the bank's lockbox file (BAI lockbox or the CSV layout): a closed deposit of checks,
matched to invoices by their remittance and applied automatically. The same file twice changes
nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fiscus.billing.management import acting_user
from fiscus.cash import imports
from fiscus.errors import FiscusError
from fiscus.organization.models import Department


class Command(BaseCommand):
    help = "Import a lockbox file and apply its checks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--department", required=True, help="the department's code")
        parser.add_argument("--user", default=None, help="who imports (needs cash.bank_import)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["user"], "cash.bank_import")
        department = Department.objects.filter(code=options["department"]).first()
        if department is None:
            raise CommandError(f"No department has the code {options['department']!r}.")
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        try:
            result = imports.import_lockbox(data, path.name, by=user, department=department)
        except FiscusError as refused:
            raise CommandError(refused.message) from refused
        if result.already_imported:
            self.stdout.write(f"{path.name} was already imported: nothing changed.")
        elif result.deposit is None or result.received is None:
            self.stdout.write(f"{path.name} holds no checks.")
        else:
            r = result.received
            self.stdout.write(
                f"{path.name}: deposit {result.deposit.number}, {r.count} check(s): "
                f"{r.applied} applied automatically, {r.suggested} suggested, "
                f"{r.unmatched} without a match."
            )

"""fiscus cash import-bank FILE [--mapping NAME] [--receive] [--dry-run] [--user USERNAME]

Import a bank statement file (BAI2, camt.053/054, OFX, or CSV through a saved column mapping).
The same file twice changes nothing. With --receive, the customers' ACH and wire credits become
payments, matched and applied automatically.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fiscus import money
from fiscus.billing.management import acting_user
from fiscus.cash import imports
from fiscus.cash.models import CsvMapping
from fiscus.errors import FiscusError


class Command(BaseCommand):
    help = "Import a bank statement file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--mapping", default=None, help="the saved CSV column mapping's name")
        parser.add_argument("--receive", action="store_true", help="receive ACH/wire credits")
        parser.add_argument("--dry-run", action="store_true", help="read and show, import nothing")
        parser.add_argument("--user", default=None, help="who imports (needs cash.bank_import)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["user"], "cash.bank_import")
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        mapping = None
        if options["mapping"]:
            mapping = CsvMapping.objects.filter(name=options["mapping"]).first()
            if mapping is None:
                raise CommandError(f"No saved column mapping is named {options['mapping']!r}.")
        try:
            if options["dry_run"]:
                for s in imports.preview_bank_file(data, path.name, mapping=mapping):
                    self.stdout.write(
                        f"{s.account} {s.currency} {s.start or ''}..{s.end or ''}: "
                        f"{len(s.transactions)} lines, credits {money.fmt(s.credits)}, "
                        f"debits {money.fmt(s.debits)}"
                    )
                    for p in s.problems:
                        self.stdout.write(f"  problem: {p}")
                return
            result = imports.import_bank_file(
                data, path.name, by=user, mapping=mapping, receive=options["receive"]
            )
        except FiscusError as refused:
            raise CommandError(refused.message) from refused
        if result.already_imported:
            self.stdout.write(f"{path.name} was already imported: nothing changed.")
            return
        self.stdout.write(
            f"{path.name}: {len(result.statements)} statement(s), {result.lines_new} new line(s), "
            f"{result.lines_known} already known."
        )
        for p in result.problems:
            self.stdout.write(f"  problem: {p}")
        if result.received is not None:
            r = result.received
            self.stdout.write(
                f"{r.count} payment(s) received: {r.applied} applied, {r.suggested} suggested, "
                f"{r.unmatched} unmatched."
            )

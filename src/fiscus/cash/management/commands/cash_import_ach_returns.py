"""fiscus cash_import_ach_returns FILE --user USERNAME [--date YYYY-MM-DD]

Import the bank's NACHA return file: each ACH debit that came back returns its payment (the
invoices open again, the fee, cash only). Lines without a payment to return, returns set aside
for a person and notifications of change are listed. The same file twice changes nothing; a
malformed file is refused whole, naming the line.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fiscus import money
from fiscus.billing.management import acting_user
from fiscus.cash.ach_returns import import_ach_returns
from fiscus.errors import FiscusError


class Command(BaseCommand):
    help = "Import a NACHA ACH return file: return the payments that came back."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", default=None, help="who imports (needs cash.return)")
        parser.add_argument(
            "--date",
            type=date.fromisoformat,
            default=None,
            help="the return date when the file has none (YYYY-MM-DD; default today)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["user"], "cash.return")
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        try:
            result = import_ach_returns(data, path.name, by=user, on=options["date"])
        except FiscusError as refused:
            raise CommandError(refused.message) from refused
        self.stdout.write(result.summary())
        for r in result.returned:
            self.stdout.write(
                f"  returned: {r.payment.number} {money.fmt(r.amount)} {r.ach_code} as "
                f"{r.number} on {r.returned_on:%m/%d/%Y}"
            )
        for u in result.not_found:
            self.stdout.write(
                f"  line {u.line}: {u.code} {money.fmt(u.amount)} {u.receiver}, {u.why}"
            )
        for u in result.set_aside:
            self.stdout.write(
                f"  line {u.line}: {u.code} {money.fmt(u.amount)} {u.receiver}, set aside: {u.why}"
            )
        for n in result.notifications:
            who = f" (customer {n.customer.number})" if n.customer else ""
            self.stdout.write(
                f"  line {n.line}: {n.change_code} {n.change or 'non-standard change code'} for "
                f"{n.receiver}{who}, trace {n.original_trace}: corrected data "
                f"{n.corrected_data!r}"
            )

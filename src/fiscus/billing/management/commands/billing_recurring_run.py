"""fiscus billing_recurring_run [--through YYYY-MM-DD] [--user USERNAME]

Make the draft invoices of every recurring schedule due through a date (today if not given),
catching up missed periods, with a progress bar on stderr.
"""

from __future__ import annotations

import sys
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from fiscus import money
from fiscus.billing.management import acting_user
from fiscus.billing.recurring import run_recurring
from fiscus.errors import FiscusError


class Command(BaseCommand):
    help = "Make the draft invoices of the recurring schedules due through a date."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--through",
            type=date.fromisoformat,
            default=None,
            help="bill the periods due on or before this date, YYYY-MM-DD; today if not given",
        )
        parser.add_argument(
            "--user",
            default=None,
            help="who runs it (needs billing.recurring); the only superuser if not given",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["user"], "billing.recurring")
        through = options["through"] or timezone.localdate()
        bar: tqdm[Any] | None = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                bar = tqdm(
                    total=total,
                    unit=" schedule",
                    desc="Recurring billing",
                    file=sys.stderr,
                    disable=None,
                )
            bar.update(done - bar.n)

        try:
            result = run_recurring(by=user, through=through, progress=progress)
        except FiscusError as refused:
            raise CommandError(refused.message, returncode=1) from None
        finally:
            if bar is not None:
                bar.close()
        for invoice in result.invoices:
            self.stdout.write(
                f"  {invoice.invoice_date:%m/%d/%Y}  {invoice.customer.number:<10} "
                f"{invoice.description[:40]:<40} {money.fmt(invoice.total):>14}"
            )
        for schedule, why in result.failures:
            self.stderr.write(f"Schedule {schedule.pk} ({schedule}): {why}")
        self.stdout.write(result.message)
        if result.failures:
            raise CommandError(
                f"{len(result.failures)} schedule(s) could not be billed.", returncode=1
            )

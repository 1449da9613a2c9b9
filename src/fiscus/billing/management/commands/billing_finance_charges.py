"""fiscus billing_finance_charges --as-of YYYY-MM-DD [--post] [--user USERNAME]

Preview the finance charges as of a date (who is charged, who is skipped and why) and, with
--post, post them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fiscus import money
from fiscus.billing.finance_charges import post_finance_charges, preview_finance_charges
from fiscus.billing.management import acting_user
from fiscus.errors import FiscusError


class Command(BaseCommand):
    help = "Preview (and with --post, post) the finance charges on past-due balances."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-of",
            dest="as_of",
            type=date.fromisoformat,
            required=True,
            help="charge balances past due as of this date, YYYY-MM-DD",
        )
        parser.add_argument("--post", action="store_true", help="post the charges")
        parser.add_argument(
            "--user",
            default=None,
            help="who runs it (needs billing.finance_charges); the only superuser if not given",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["user"], "billing.finance_charges")
        try:
            run = preview_finance_charges(by=user, as_of=options["as_of"])
            lines = list(
                run.lines.select_related("customer").order_by("skipped", "customer__number")
            )
            for ln in lines:
                if ln.skipped:
                    self.stdout.write(
                        f"  skip    {ln.customer.number:<10} {ln.customer.name[:30]:<30} "
                        f"{money.fmt(ln.base_amount):>14}  {ln.reason}"
                    )
                else:
                    self.stdout.write(
                        f"  charge  {ln.customer.number:<10} {ln.customer.name[:30]:<30} "
                        f"{money.fmt(ln.base_amount):>14} {money.fmt(ln.charge):>10}"
                        + (f"  {ln.reason}" if ln.reason else "")
                    )
            charged = sum(1 for ln in lines if not ln.skipped)
            skipped = len(lines) - charged
            summary = (
                f"Finance charges as of {run.as_of:%m/%d/%Y} (run {run.pk}): {charged} to charge, "
                f"{money.fmt(run.total)}; {skipped} skipped."
            )
            if options["post"] and charged:
                run = post_finance_charges(run, by=user)
                summary += f" Posted {charged} finance charge{'' if charged == 1 else 's'}."
            elif options["post"]:
                summary += " Nothing to post."
            else:
                summary += " Not posted (add --post)."
        except FiscusError as refused:
            raise CommandError(refused.message, returncode=1) from None
        self.stdout.write(summary)

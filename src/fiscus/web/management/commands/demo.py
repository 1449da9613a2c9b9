"""`fiscus demo`: load the City of Riverbend, a fictional agency with 18 months of receivables."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from fiscus.customers.models import Customer
from fiscus.demo.city import AGENCY_NAME, load_city, logins_table, plan_city


class Command(BaseCommand):
    help = (
        "Load the demo city (customers, opening balances, invoices, memos, recurring leases, "
        "payments) and print logins."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (but print the logins) when the database already has customers.",
        )
        parser.add_argument("--customers", type=int, default=500, help="How many (default 500).")
        parser.add_argument(
            "--seed", type=int, default=2026, help="Random seed: the same seed, the same city."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if Customer.objects.exists():
            if options["if_empty"]:
                self.stdout.write("The database already has customers; the demo is not loaded.")
                self.stdout.write(f"\nSign in with:\n{logins_table()}")
                return
            raise CommandError(
                "The database already has customers; the demo loads into an empty database "
                "(use --if-empty to skip it)."
            )
        if options["customers"] < 12:
            raise CommandError("--customers must be at least 12.")
        started = time.monotonic()
        plan = plan_city(customers=options["customers"], seed=options["seed"])
        quiet = options["verbosity"] == 0
        out = getattr(self.stderr, "_out", None)
        with tqdm(total=plan.units, unit="step", disable=quiet, file=out) as bar:

            def progress(stage: str, advanced: int) -> None:
                bar.set_description(stage, refresh=False)
                bar.update(advanced)

            city = load_city(plan, progress=progress)
        self.stdout.write(
            f"{AGENCY_NAME}: {city.customers} customers, {city.items} items posted, "
            f"{city.applications} applications, converted on {city.conversion:%m/%d/%Y} "
            f"({time.monotonic() - started:.1f} s)."
        )
        if city.billing is not None:
            self.stdout.write(city.billing.text)
        if city.cash is not None:
            self.stdout.write(city.cash.text)
        if city.adjustments is not None:
            self.stdout.write(city.adjustments.text)
        self.stdout.write(f"\nSign in with:\n{logins_table()}")

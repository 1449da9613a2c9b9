"""Posting throughput of the bulk path, one journal entry per invoice (DESIGN §8: >= 5,000/s).

    FISCUS_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/fiscus_bench \
        python -m benchmarks.posting [--invoices 20000] [--batch 5000] [--customers 2000]

It drops and re-creates the bench database (its name must contain "bench"), migrates it, adds
the bench city's reference data and customers, then posts `--invoices` invoices through
`post_items(..., summarize=False)` in batches of `--batch`, each batch one transaction, and
prints invoices/s per batch and overall. Both hash chains are verified at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import timedelta
from decimal import Decimal


def say(text: str) -> None:
    print(text, flush=True)  # noqa: T201  the benchmark reports on the terminal


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--keep", action="store_true", help="Reuse the database as it is.")
    args = parser.parse_args(argv)

    from benchmarks.run import database_url, recreate_database

    url = database_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fiscus.settings")
    os.environ.setdefault("FISCUS_DEV", "1")
    if not args.keep:
        recreate_database(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from benchmarks.generate import _customers, _reference, _staff
    from fiscus.customers.models import Customer
    from fiscus.ledger import services as ledger
    from fiscus.organization.models import Department
    from fiscus.receivables import services as receivables
    from fiscus.receivables.models import Item
    from fiscus.receivables.services import ItemSpec, Offset, post_items

    if not args.keep:
        call_command("migrate", verbosity=0)
    user = _staff()
    rng = random.Random(7)
    today = timezone.localdate()
    if not Department.objects.filter(code="D1").exists():
        _reference(user, today)
        _customers(args.customers, user, rng)
    dept = Department.objects.get(code="D1")
    general = dept.fund
    from fiscus.organization.models import Account

    revenue = Account.objects.get(code="4100")
    people = list(Customer.objects.order_by("number")[: args.customers])

    rates = []
    total_seconds = 0.0
    posted = 0
    while posted < args.invoices:
        size = min(args.batch, args.invoices - posted)
        specs = []
        for _ in range(size):
            amount = Decimal(rng.randint(2_500, 50_000)) / 100
            specs.append(
                ItemSpec(
                    customer=rng.choice(people),
                    kind=Item.Kind.INVOICE,
                    amount=amount,
                    fund=general,
                    department=dept,
                    document_date=today,
                    due_date=today + timedelta(days=30),
                    offsets=[Offset(revenue, amount)],
                    description="Bench invoice",
                )
            )
        t0 = time.perf_counter()
        post_items(specs, on=today, by=user, source="bench.posting")
        elapsed = time.perf_counter() - t0
        total_seconds += elapsed
        posted += size
        rates.append(size / elapsed)
        say(f"batch of {size:,}: {size / elapsed:,.0f} invoices/s ({elapsed:.2f} s)")
    say(
        f"posted {posted:,} invoices, one journal entry each, in {total_seconds:.2f} s: "
        f"{posted / total_seconds:,.0f} invoices/s (best batch {max(rates):,.0f}/s)"
    )
    gl_count, gl_problems = ledger.verify()
    ar_count, ar_problems = receivables.verify()
    say(
        f"verified {gl_count:,} journal entries ({len(gl_problems)} problems) and "
        f"{ar_count:,} receivable rows ({len(ar_problems)} problems)"
    )


if __name__ == "__main__":
    main()

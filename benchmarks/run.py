"""The benchmark: `make bench`, or `python -m benchmarks.run [--items 100000,1000000]
[--customers 20000] [--paid 3] [--runs 7] [--requests 200]`.

For each size it drops and re-creates the bench database named by FISCUS_DATABASE_URL (it must
be PostgreSQL, and its name must contain "bench", because it is thrown away), migrates it, fills
it (benchmarks/generate.py), then measures, each several times:

  a. the aging summary as of today                      target <= 0.5 s at 1,000,000 open items
  b. the aging summary as of 90 days ago                target <= 1.5 s
  c. the customer account page /customers/<number>/     p95 target <= 100 ms
  d. posting throughput of post_items                   target >= 5,000 invoices/s

It prints a table with the machine and the targets and writes it to benchmarks/results.md.
For posting alone, `python -m benchmarks.posting` (20,000 invoices in batches of 5,000, one
journal entry each, on an otherwise small bench database) is quicker.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

RESULTS = Path(__file__).with_name("results.md")
TARGETS = {
    "aging_today": ("aging summary, as of today", "<= 0.5 s at 1,000,000"),
    "aging_past": ("aging summary, as of 90 days ago", "<= 1.5 s at 1,000,000"),
    "customer_page": ("customer account page (ms)", "p95 <= 100 ms"),
    "post_summarized": ("post_items, summarized batches of 10,000", ">= 5,000 items/s"),
    "post_each": ("post_items, 5,000 invoices, one JE each", ">= 5,000 invoices/s"),
}


def say(text: str) -> None:
    print(text, flush=True)  # noqa: T201  the benchmark reports on the terminal


# -- the database ---------------------------------------------------------------------------------


def database_url() -> str:
    url = os.environ.get("FISCUS_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("The benchmark runs on PostgreSQL: set FISCUS_DATABASE_URL (make bench does).")
    name = urlsplit(url).path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"The bench database is dropped and re-created; {name!r} does not say 'bench'.")
    return url


def recreate_database(url: str) -> None:
    """Drop and create the bench database (connecting to the server's `postgres` database)."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def fresh_database(url: str) -> None:
    from django.core.management import call_command
    from django.db import connections

    connections.close_all()
    recreate_database(url)
    call_command("migrate", verbosity=0, skip_checks=True)


def vacuum_analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def machine() -> dict[str, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory,
        "postgresql": version,
        "python": platform.python_version(),
        "speed": f"{python_speed():.2f}",
    }


def python_speed() -> float:
    """Seconds this machine takes, now, for ten million additions in a Python loop (best of
    3): a yardstick printed beside the results, since these shared machines run at different
    speeds from one hour to the next (the same code has measured 1.5 times slower)."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for n in range(10_000_000):
            total += n
        best = min(best, time.perf_counter() - started)
    return best


# -- measuring ------------------------------------------------------------------------------------


@dataclass
class Timing:
    values: list[float] = field(default_factory=list)

    @property
    def min(self) -> float:
        return min(self.values)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def p95(self) -> float:
        ordered = sorted(self.values)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]  # nearest rank


def timed(fn: Callable[[], Any], runs: int, warmup: int = 1) -> Timing:
    for _ in range(warmup):
        fn()
    timing = Timing()
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        timing.values.append(time.perf_counter() - t0)
    return timing


@dataclass
class SizeResult:
    items: int
    customers: int
    rows: dict[str, int]
    build_seconds: float
    aging_today: Timing
    aging_past: Timing
    customer_page: Timing
    heavy_page: Timing
    post_summarized: float
    post_each: float
    database_size: str


def measure_size(args: argparse.Namespace, items: int, url: str) -> SizeResult:
    from django.db import connection
    from django.test import Client
    from django.utils import timezone
    from tqdm import tqdm

    from benchmarks.generate import generate, post_one_entry_each
    from fiscus.ledger.models import JournalEntry
    from fiscus.receivables.models import Application, Item, ReceivableEntry
    from fiscus.reports.queries import aging, ar_tie_out

    say(f"\n== {items:,} items, {args.customers:,} customers ==")
    fresh_database(url)
    t0 = time.perf_counter()
    total = items + int(items * args.paid / 100)
    with tqdm(total=total, unit="item", file=sys.stderr) as bar:

        def progress(stage: str, n: int) -> None:
            bar.set_description(stage, refresh=False)
            bar.update(n)

        built = generate(
            customers=args.customers,
            items=items,
            paid_percent=args.paid,
            seed=args.seed,
            progress=progress,
        )
    vacuum_analyze()
    build_seconds = time.perf_counter() - t0
    tie = ar_tie_out()
    if not tie.ties:
        sys.exit(f"The bench database does not tie out ({tie.difference}); stopping.")
    rows = {
        "open items": Item.objects.exclude(open_amount=0).count(),
        "items": Item.objects.count(),
        "receivable rows": ReceivableEntry.objects.count(),
        "applications": Application.objects.count(),
        "journal entries": JournalEntry.objects.count(),
    }
    say(f"built in {build_seconds:.0f} s: " + ", ".join(f"{v:,} {k}" for k, v in rows.items()))

    today = timezone.localdate()
    past = today - timedelta(days=90)
    aging_today = timed(lambda: aging(as_of=today), args.runs)
    say(f"aging today      median {aging_today.median:.3f} s")
    aging_past = timed(lambda: aging(as_of=past), args.runs)
    say(f"aging 90 days    median {aging_past.median:.3f} s")

    client = Client(SERVER_NAME="localhost")
    user = built.user
    assert user is not None
    client.force_login(user)
    rng = random.Random(args.seed)
    heavy = built.heavy_numbers
    numbers = [heavy[n % len(heavy)] for n in range(args.requests // 10)]
    numbers += rng.sample(built.numbers, k=args.requests - len(numbers))
    rng.shuffle(numbers)
    for number in numbers[:10]:  # warm up
        client.get(f"/customers/{number}/")
    page, heavy_page = Timing(), Timing()
    for number in numbers:
        t = time.perf_counter()
        response = client.get(f"/customers/{number}/")
        elapsed = time.perf_counter() - t
        if response.status_code != 200:
            sys.exit(f"/customers/{number}/ answered {response.status_code}; stopping.")
        page.values.append(elapsed)
        if number in heavy:
            heavy_page.values.append(elapsed)
    say(f"customer page    p95 {page.p95 * 1000:.0f} ms (heavy p95 {heavy_page.p95 * 1000:.0f} ms)")

    post_each = post_one_entry_each(5_000, user)
    say(
        f"posting          {built.items_per_second:,.0f} items/s summarized, "
        f"{post_each:,.0f} invoices/s one entry each"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    return SizeResult(
        items=items,
        customers=args.customers,
        rows=rows,
        build_seconds=build_seconds,
        aging_today=aging_today,
        aging_past=aging_past,
        customer_page=page,
        heavy_page=heavy_page,
        post_summarized=built.items_per_second,
        post_each=post_each,
        database_size=size,
    )


# -- reporting ------------------------------------------------------------------------------------


def _s(t: Timing) -> str:
    return f"{t.min:.3f} / {t.median:.3f} / {t.p95:.3f} s"


def _ms(t: Timing) -> str:
    return f"{t.min * 1000:.0f} / {t.median * 1000:.0f} / {t.p95 * 1000:.0f} ms"


def report(results: list[SizeResult], host: dict[str, str], args: argparse.Namespace) -> str:
    head = "| measure | target | " + " | ".join(f"{r.items:,} items" for r in results) + " |"
    rule = "|---|---|" + "---|" * len(results)

    def row(label: str, target: str, cells: list[str]) -> str:
        return f"| {label} | {target} | " + " | ".join(cells) + " |"

    lines = [
        "# Benchmark results",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M %Z')} with `python -m benchmarks.run "
        f"--items {','.join(str(r.items) for r in results)} --customers {args.customers} "
        f"--paid {args.paid} --runs {args.runs} --requests {args.requests}`.",
        "",
        f"Machine: {host['cores']} cores ({host['cpu']}), {host['memory']} memory, "
        f"PostgreSQL {host['postgresql']}, Python {host['python']}; a loop of ten million "
        f"additions took {host['speed']} s (the machine's speed at the time).",
        "",
        "Timings are min / median / p95 over the runs (aging: "
        f"{args.runs} runs after a warm-up; customer page: {args.requests} requests through "
        "django.test.Client, a tenth of them to the 20 customers with the most items).",
        "",
        head,
        rule,
        row(*TARGETS["aging_today"], [_s(r.aging_today) for r in results]),
        row(*TARGETS["aging_past"], [_s(r.aging_past) for r in results]),
        row(*TARGETS["customer_page"], [_ms(r.customer_page) for r in results]),
        row("customer page, heaviest 20 customers", "", [_ms(r.heavy_page) for r in results]),
        row(*TARGETS["post_summarized"], [f"{r.post_summarized:,.0f} items/s" for r in results]),
        row(*TARGETS["post_each"], [f"{r.post_each:,.0f} invoices/s" for r in results]),
        row("open items", "", [f"{r.rows['open items']:,}" for r in results]),
        row("receivable-ledger rows", "", [f"{r.rows['receivable rows']:,}" for r in results]),
        row("applications", "", [f"{r.rows['applications']:,}" for r in results]),
        row("customers", "", [f"{r.customers:,}" for r in results]),
        row("database size", "", [r.database_size for r in results]),
        row("time to build", "", [f"{r.build_seconds:.0f} s" for r in results]),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--items",
        default="100000,1000000",
        help="Sizes to run, comma separated (default 100000,1000000).",
    )
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument(
        "--paid",
        type=float,
        default=3.0,
        help="Percent of the invoices paid and applied (default 3).",
    )
    parser.add_argument("--runs", type=int, default=7, help="Aging runs per measure.")
    parser.add_argument("--requests", type=int, default=200, help="Customer page requests.")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    sizes = [int(x.replace("_", "")) for x in args.items.split(",") if x.strip()]

    url = database_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fiscus.settings")
    os.environ.setdefault("FISCUS_DEV", "1")
    os.environ["FISCUS_LOGIN_THROTTLE"] = "0"
    recreate_database(url)  # before Django opens a connection to it
    import django

    django.setup()
    from django.db import connection

    host = machine()
    connection.close()
    say(f"Machine: {host['cores']} cores ({host['cpu']}), PostgreSQL {host['postgresql']}")
    results = [measure_size(args, size, url) for size in sizes]
    text = report(results, host, args)
    RESULTS.write_text(text)
    say("\n" + text)
    say(f"Written to {RESULTS}.")


if __name__ == "__main__":
    main()

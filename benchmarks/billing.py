"""Billing throughput: posting submitted invoices in bulk, and rendering invoice PDFs.

    FISCUS_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/fiscus_bench \
        python -m benchmarks.billing [--invoices 20000] [--batch 5000] [--pdfs 500]

It drops and re-creates the bench database (its name must contain "bench"), migrates it, sets
up a city (six departments with a revenue account each, a sales-tax account, two charge codes
per department, one of them taxed at 7.25%, and `--customers` customers), then writes
`--invoices` SUBMITTED invoices of one to three lines straight into the invoice tables with
bulk_create (drafts and submissions are not financial records; each total equals its lines).

  a. posting: fiscus.billing.services.post_invoices(batch, by=user, on=today) for batches of
     `--batch`, each call one transaction; invoices/s per batch and overall, each invoice with
     its number, its open item, its receivable row, its status-history row and its audit
     event, and per batch one journal entry summarized by fund, department and account (as a
     journal generator posts to the GL). Both hash chains are verified and the GL must tie to the
     receivable ledger at the end.                              target >= 5,000 invoices/s
     It also says where a batch's time went: inside post_items, in billing's own work, and in
     the COMMIT (where PostgreSQL checks the deferred foreign keys of every row written); and
     the CPU used by Python and by its PostgreSQL backend (read from /proc on Linux with a
     local server) and the machine's load average, since a busy machine slows it down.
  b. PDFs: render_invoices_pdf of `--pdfs` posted invoices (one Typst compile per 500), then
     render_invoice_pdf of 50 single invoices; pages/s, pages counted with pypdf
     (`--pdfs 0` renders none).

It prints a table with the machine and the targets and writes it as the "Billing" section of
benchmarks/results.md (replacing an earlier one; the rest of the file is left as it is).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

TARGET = 5_000  # invoices/s, DESIGN §8
SINGLES = 50


def say(text: str) -> None:
    print(text, flush=True)  # noqa: T201  the benchmark reports on the terminal


@dataclass
class Result:
    invoices: int = 0
    lines: int = 0
    batch: int = 0
    rates: list[float] = field(default_factory=list)
    seconds: float = 0.0
    setup_seconds: float = 0.0
    verified: str = ""
    ties: bool = False
    bulk_pdfs: int = 0
    bulk_pages: int = 0
    bulk_seconds: float = 0.0
    single_pages: int = 0
    single_seconds: float = 0.0
    # where the posting time went, over all batches (seconds)
    in_post_items: float = 0.0
    in_commit: float = 0.0
    python_cpu: float = 0.0
    server_cpu: float | None = None  # the PostgreSQL backend's, when the server is local
    load: float = 0.0  # the machine's 1-minute load average when the posting ended

    @property
    def rate(self) -> float:
        return self.invoices / self.seconds if self.seconds else 0.0


# -- the city ------------------------------------------------------------------------------------


def _charge_codes(user: Any) -> list[Any]:
    """Two charge codes per department: a service to its revenue account, and a taxed rental."""
    from fiscus.billing.models import ChargeCode
    from fiscus.organization.models import Account, Department

    tax = Account.objects.create(code="2210", name="Sales tax payable", type=Account.Type.LIABILITY)
    codes = []
    for n, dept in enumerate(Department.objects.filter(code__startswith="D").order_by("code")):
        revenue = Account.objects.get(code=f"41{n}0")
        codes.append(
            ChargeCode(
                code=f"{dept.code}-SVC",
                description=f"{dept.name} service",
                department=dept,
                revenue_account=revenue,
                unit_price=Decimal("45.00"),
            )
        )
        codes.append(
            ChargeCode(
                code=f"{dept.code}-RENT",
                description=f"{dept.name} rental",
                department=dept,
                revenue_account=revenue,
                unit_price=Decimal("250.00"),
                tax_rate=Decimal("0.072500"),
                tax_account=tax,
            )
        )
    return ChargeCode.objects.bulk_create(codes)


def _submitted_invoices(count: int, user: Any, today: date, rng: random.Random) -> tuple[int, int]:
    """`count` SUBMITTED invoices with their lines, written with bulk_create; (invoices, lines)."""
    from django.db import transaction
    from django.utils import timezone

    from fiscus import money
    from fiscus.billing.models import (
        ChargeCode,
        Invoice,
        InvoiceLine,
        InvoiceStatus,
        PaymentTerms,
    )
    from fiscus.customers.models import Customer

    codes_of: dict[int, list[ChargeCode]] = {}
    for code in ChargeCode.objects.select_related("department").order_by("code"):
        codes_of.setdefault(code.department_id, []).append(code)
    departments = sorted(codes_of)
    terms = PaymentTerms.objects.get(code="net30")
    people = list(Customer.objects.values_list("pk", flat=True))
    now = timezone.now()
    written_lines = 0
    with transaction.atomic():
        for start in range(0, count, 5_000):
            invoices: list[Invoice] = []
            drafts: list[list[InvoiceLine]] = []
            for _ in range(min(5_000, count - start)):
                dept = rng.choice(departments)
                lines, amount_sum, tax_sum = [], money.ZERO, money.ZERO
                for line_no in range(1, rng.randint(1, 3) + 1):
                    code = rng.choice(codes_of[dept])
                    quantity = Decimal(rng.randint(1, 40)) / 4
                    price = Decimal(rng.randint(1_000, 60_000)) / 100
                    amount = money.cents(quantity * price)
                    tax = money.cents(amount * code.tax_rate) if code.tax_rate else money.ZERO
                    lines.append(
                        InvoiceLine(
                            line_no=line_no,
                            charge_code=code,
                            description=code.description,
                            quantity=quantity,
                            unit_price=price,
                            amount=amount,
                            tax_amount=tax,
                        )
                    )
                    amount_sum += amount
                    tax_sum += tax
                invoices.append(
                    Invoice(
                        status=InvoiceStatus.SUBMITTED,
                        customer_id=rng.choice(people),
                        department_id=dept,
                        invoice_date=today,
                        terms=terms,
                        due_date=today + timedelta(days=terms.days),
                        reference=f"PO-{rng.randint(1000, 99999)}",
                        description="Bench invoice",
                        source=Invoice.Source.API,
                        total=amount_sum + tax_sum,
                        tax_total=tax_sum,
                        created_by=user,
                        submitted_by=user,
                        submitted_at=now,
                    )
                )
                drafts.append(lines)
            Invoice.objects.bulk_create(invoices)
            rows = []
            for invoice, lines in zip(invoices, drafts, strict=True):
                for line in lines:
                    line.invoice = invoice
                    rows.append(line)
            InvoiceLine.objects.bulk_create(rows)
            written_lines += len(rows)
    return count, written_lines


# -- measuring -----------------------------------------------------------------------------------


def _pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def _post(result: Result, user: Any, today: date, batch: int) -> None:
    """Post every submitted invoice in batches, each batch one post_invoices call and one
    transaction, timed to the end of its COMMIT. The transaction is opened here, around the
    call, only to time its COMMIT apart (PostgreSQL checks the deferred foreign keys then);
    post_items is timed through a wrapper, so the report can say where the time went."""
    from unittest import mock

    from django.db import transaction

    from fiscus.billing import services
    from fiscus.billing.models import Invoice, InvoiceStatus

    post_items = services.post_items

    def timed_post_items(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return post_items(*args, **kwargs)
        finally:
            result.in_post_items += time.perf_counter() - t0

    ids = list(
        Invoice.objects.filter(status=InvoiceStatus.SUBMITTED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    backend = _backend_pid()
    server0 = _process_cpu(backend)
    with mock.patch.object(services, "post_items", timed_post_items):
        for start in range(0, len(ids), batch):
            chunk = [Invoice(pk=pk) for pk in ids[start : start + batch]]
            cpu0 = time.process_time()
            t0 = time.perf_counter()
            with transaction.atomic():
                posted = services.post_invoices(chunk, by=user, on=today)
                t1 = time.perf_counter()
            elapsed = time.perf_counter() - t0
            result.python_cpu += time.process_time() - cpu0
            result.in_commit += t0 + elapsed - t1
            assert len(posted) == len(chunk)
            result.seconds += elapsed
            result.invoices += len(chunk)
            result.rates.append(len(chunk) / elapsed)
            say(
                f"batch of {len(chunk):,}: {len(chunk) / elapsed:,.0f} invoices/s ({elapsed:.2f} s)"
            )
    server1 = _process_cpu(backend)
    if server0 is not None and server1 is not None:
        result.server_cpu = server1 - server0
    result.load = os.getloadavg()[0]
    say(
        f"posted {result.invoices:,} invoices in {result.seconds:.2f} s: "
        f"{result.rate:,.0f} invoices/s (best batch {max(result.rates):,.0f}/s); " + _split(result)
    )


def _backend_pid() -> int | None:
    """The process id of this connection's PostgreSQL backend, when the server runs here."""
    from django.db import connection

    if connection.settings_dict.get("HOST") not in ("", None, "localhost", "127.0.0.1", "::1"):
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def _process_cpu(pid: int | None) -> float | None:
    """CPU seconds a process has used (Linux /proc; None where it cannot be read, such as a
    PostgreSQL server on another machine)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _split(result: Result) -> str:
    """Where the posting time went, per batch on average, and what else ran meanwhile."""
    batches = len(result.rates) or 1
    post_items, commit = result.in_post_items / batches, result.in_commit / batches
    own = result.seconds / batches - post_items - commit
    text = (
        f"a batch took {result.seconds / batches:.2f} s: post_items {post_items:.2f} s, "
        f"billing's own work {own:.2f} s, COMMIT (deferred foreign-key checks) {commit:.2f} s; "
        f"CPU used: Python {result.python_cpu / batches:.2f} s"
    )
    if result.server_cpu is not None:
        text += f", PostgreSQL {result.server_cpu / batches:.2f} s"
    return (
        text + f"; the machine's load average was {result.load:.1f} on {os.cpu_count()} cores "
        "(this run's own share is at most 2)"
    )


def _check(result: Result) -> None:
    from django.db.models import Count, Sum

    from fiscus.audit.models import AuditEvent
    from fiscus.billing.models import Invoice, InvoiceStatus, InvoiceStatusChange
    from fiscus.ledger import services as ledger
    from fiscus.ledger.models import JournalEntry, JournalLine
    from fiscus.receivables import services as receivables
    from fiscus.reports.queries import ar_tie_out

    gl_count, gl_problems = ledger.verify()
    ar_count, ar_problems = receivables.verify()
    tie = ar_tie_out()
    result.ties = tie.ties
    result.verified = (
        f"{gl_count:,} journal entries ({len(gl_problems)} problems), {ar_count:,} receivable "
        f"rows ({len(ar_problems)} problems), GL {'ties' if tie.ties else 'DOES NOT tie'} "
        "to the receivable ledger"
    )
    say(f"verified {result.verified}")
    posted = Invoice.objects.filter(status=InvoiceStatus.POSTED)
    sums = posted.aggregate(n=Count("pk"), total=Sum("total"), items=Sum("item__amount"))
    problems = []
    if sums["n"] != result.invoices or sums["total"] != sums["items"]:
        problems.append(f"posted invoices {sums} do not match their items")
    # one summarized journal entry per batch: its debits are the batch's invoice totals
    entries = JournalEntry.objects.filter(source="invoice")
    batches = -(-result.invoices // result.batch)
    debits = JournalLine.objects.filter(entry__in=entries).aggregate(d=Sum("debit"))["d"]
    if entries.count() != batches or debits != sums["total"]:
        problems.append(f"not one journal entry per batch for {sums['total']} ({debits})")
    if posted.filter(item__journal_entry__isnull=True).exists():
        problems.append("a posted invoice without its journal entry")
    if InvoiceStatusChange.objects.filter(new=InvoiceStatus.POSTED).count() != result.invoices:
        problems.append("not one status-history row per invoice")
    if AuditEvent.objects.filter(action="invoice.posted").count() != result.invoices:
        problems.append("not one audit event per invoice")
    if gl_problems or ar_problems or not tie.ties or problems:
        sys.exit("The billing benchmark broke an invariant: " + "; ".join(problems or ["chains"]))


def _render(result: Result, count: int) -> None:
    from fiscus.billing.documents import render_invoice_pdf, render_invoices_pdf
    from fiscus.billing.models import Invoice, InvoiceStatus

    posted = list(Invoice.objects.filter(status=InvoiceStatus.POSTED).order_by("pk")[: count + 51])
    render_invoice_pdf(posted[-1])  # warm-up: the compiler loads its fonts once per process
    some = posted[:count]
    t0 = time.perf_counter()
    pdf = render_invoices_pdf(some)
    result.bulk_seconds = time.perf_counter() - t0
    result.bulk_pdfs = len(some)
    result.bulk_pages = _pages(pdf)
    say(
        f"render_invoices_pdf, {len(some):,} invoices: {result.bulk_pages:,} pages in "
        f"{result.bulk_seconds:.2f} s, {result.bulk_pages / result.bulk_seconds:,.0f} pages/s"
    )
    pages = 0
    t0 = time.perf_counter()
    for invoice in posted[count : count + SINGLES]:
        pages += _pages(render_invoice_pdf(invoice))
    result.single_seconds = time.perf_counter() - t0
    result.single_pages = pages
    say(
        f"render_invoice_pdf, {SINGLES} single invoices: {pages} pages in "
        f"{result.single_seconds:.2f} s, {pages / result.single_seconds:,.1f} pages/s "
        f"({result.single_seconds / SINGLES * 1000:.0f} ms each)"
    )


# -- reporting -----------------------------------------------------------------------------------


def _pdf_rows(result: Result) -> list[str]:
    if not result.bulk_pdfs:
        return ["| PDFs | pages/s | not rendered (--pdfs 0) |"]
    return [
        f"| render_invoices_pdf, {result.bulk_pdfs:,} invoices in one call | pages/s | "
        f"{result.bulk_pages / result.bulk_seconds:,.0f} pages/s ({result.bulk_pages:,} pages "
        f"in {result.bulk_seconds:.2f} s) |",
        f"| render_invoice_pdf, {SINGLES} single invoices | pages/s | "
        f"{result.single_pages / result.single_seconds:,.1f} pages/s "
        f"({result.single_seconds / SINGLES * 1000:.0f} ms an invoice) |",
    ]


def report(result: Result, host: dict[str, str], args: argparse.Namespace) -> str:
    met = "met" if result.rate >= TARGET else "MISSED"
    per_batch = ", ".join(f"{r:,.0f}" for r in result.rates)
    lines = [
        "## Billing",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M %Z')} with `python -m benchmarks.billing "
        f"--invoices {args.invoices} --batch {args.batch} --pdfs {args.pdfs} "
        f"--customers {args.customers}`.",
        "",
        f"Machine: {host['cores']} cores ({host['cpu']}), {host['memory']} memory, "
        f"PostgreSQL {host['postgresql']}, Python {host['python']}; a loop of ten million "
        f"additions took {host['speed']} s (the machine's speed at the time).",
        "",
        f"{result.invoices:,} submitted invoices ({result.lines:,} lines, a third of them taxed "
        "rentals) posted through `post_invoices`, each with its number, open item, receivable "
        "row, status-history row and audit event, and for each batch one journal entry "
        "summarized by fund, department and account; at the end "
        f"{result.verified}.",
        "",
        "| measure | target | result |",
        "|---|---|---|",
        f"| post_invoices, batches of {args.batch:,} | >= {TARGET:,} invoices/s | "
        f"{result.rate:,.0f} invoices/s ({met}; per batch {per_batch}) |",
        f"| where a batch's time went |  | {_split(result)} |",
        *_pdf_rows(result),
        f"| time to set up the city and the submitted invoices |  | {result.setup_seconds:.0f} s |",
        "",
    ]
    return "\n".join(lines)


def write_section(text: str) -> None:
    """Replace the "## Billing" section of results.md (to the next "## " heading), or append it."""
    from benchmarks.run import RESULTS

    old = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(r"^## Billing\n.*?(?=^## |\Z)", re.DOTALL | re.MULTILINE)
    if pattern.search(old):
        new = pattern.sub(lambda _: text + "\n", old, count=1).rstrip() + "\n"
    else:
        new = old.rstrip() + "\n\n" + text
    RESULTS.write_text(new)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.billing",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--invoices", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument(
        "--pdfs", type=int, default=500, help="Invoices to render in one PDF (0: no PDFs)."
    )
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument(
        "--no-write", action="store_true", help="Print only; leave results.md alone."
    )
    args = parser.parse_args(argv)

    from benchmarks.run import database_url, machine, recreate_database

    url = database_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fiscus.settings")
    os.environ.setdefault("FISCUS_DEV", "1")
    recreate_database(url)  # before Django opens a connection to it
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from benchmarks.generate import _customers, _reference, _staff

    host = machine()
    say(f"Machine: {host['cores']} cores ({host['cpu']}), PostgreSQL {host['postgresql']}")
    result = Result(batch=args.batch)
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, skip_checks=True)
    rng = random.Random(args.seed)
    today = timezone.localdate()
    user = _staff()
    _reference(user, today)
    _customers(args.customers, user, rng)
    _charge_codes(user)
    count, result.lines = _submitted_invoices(args.invoices, user, today, rng)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    result.setup_seconds = time.perf_counter() - t0
    say(
        f"set up in {result.setup_seconds:.0f} s: {args.customers:,} customers, "
        f"{count:,} submitted invoices with {result.lines:,} lines"
    )

    _post(result, user, today, args.batch)
    _check(result)
    if args.pdfs > 0:
        _render(result, min(args.pdfs, result.invoices - SINGLES - 1))
    text = report(result, host, args)
    say("\n" + text)
    if not args.no_write:
        write_section(text)
        from benchmarks.run import RESULTS

        say(f"Written to {RESULTS}.")


if __name__ == "__main__":
    main()

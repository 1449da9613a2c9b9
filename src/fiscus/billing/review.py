"""Review before posting: the checks an AR technician runs over a submitted invoice.

Each check answers with a sentence saying what looks wrong, or stays silent. Nothing here
refuses anything: the reviewer decides (posting itself refuses only broken line math and a closed
period). `review_many` reads a whole queue in a fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import F, Window
from django.db.models.functions import RowNumber

from fiscus import money
from fiscus.billing.models import Invoice, InvoiceLine, InvoiceStatus
from fiscus.billing.services import math_errors
from fiscus.customers.models import Customer
from fiscus.organization.models import FiscalPeriod

USUAL_SAMPLE = 200  # the last N posted line amounts of a charge code
USUAL_MINIMUM = 10  # fewer posted lines than this: no opinion


@dataclass(frozen=True)
class Check:
    code: str
    message: str


@dataclass(frozen=True)
class UsualRange:
    low: Decimal
    high: Decimal
    lines: int


def _percentile(values: Sequence[Decimal], fraction: Decimal) -> Decimal:
    """Nearest-rank percentile of sorted values."""
    index = int((Decimal(len(values) - 1) * fraction).to_integral_value())
    return values[index]


def usual_ranges(charge_code_ids: set[int]) -> dict[int, UsualRange]:
    """For each charge code with enough history: [p5 / 2, p95 * 2] of its last posted lines.

    One query: the last USUAL_SAMPLE posted line amounts per code, ranked in the database."""
    if not charge_code_ids:
        return {}
    ranked = (
        InvoiceLine.objects.filter(
            charge_code_id__in=charge_code_ids, invoice__status=InvoiceStatus.POSTED
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("charge_code_id")],
                order_by=[F("invoice__posted_at").desc(), F("id").desc()],
            )
        )
        .filter(rank__lte=USUAL_SAMPLE)
        .values_list("charge_code_id", "amount")
    )
    amounts: dict[int, list[Decimal]] = defaultdict(list)
    for code_id, amount in ranked:
        amounts[code_id].append(amount)
    out = {}
    for code_id, values in amounts.items():
        if len(values) < USUAL_MINIMUM:
            continue
        values.sort()
        low = money.cents(_percentile(values, Decimal("0.05")) / 2)
        high = money.cents(_percentile(values, Decimal("0.95")) * 2)
        out[code_id] = UsualRange(low, high, len(values))
    return out


def _duplicates(invoices: Sequence[Invoice]) -> dict[int, list[Invoice]]:
    """Posted or submitted invoices of the same customer, total and reference, dated within
    DUPLICATE_WINDOW_DAYS of each invoice (one query)."""
    window = timedelta(days=settings.DUPLICATE_WINDOW_DAYS)
    first = min(i.invoice_date for i in invoices) - window
    last = max(i.invoice_date for i in invoices) + window
    candidates = Invoice.objects.filter(
        status__in=[InvoiceStatus.POSTED, InvoiceStatus.SUBMITTED],
        customer_id__in={i.customer_id for i in invoices},
        total__in={i.total for i in invoices},
        invoice_date__range=(first, last),
    ).order_by("invoice_date", "id")
    by_key: dict[tuple[int, Decimal, str], list[Invoice]] = defaultdict(list)
    for c in candidates:
        by_key[(c.customer_id, c.total, c.reference.strip().upper())].append(c)
    out: dict[int, list[Invoice]] = {}
    for invoice in invoices:
        key = (invoice.customer_id, invoice.total, invoice.reference.strip().upper())
        found = [
            c
            for c in by_key.get(key, [])
            if c.pk != invoice.pk
            and abs((c.invoice_date - invoice.invoice_date).days) <= window.days
            # one recurring schedule bills the same amount every period: not a duplicate
            and not (
                invoice.recurring_id is not None
                and c.recurring_id == invoice.recurring_id
                and c.invoice_date != invoice.invoice_date
            )
        ]
        if found:
            out[invoice.pk] = found
    return out


def _closed_periods(invoices: Sequence[Invoice]) -> list[FiscalPeriod]:
    first = min(i.invoice_date for i in invoices)
    last = max(i.invoice_date for i in invoices)
    return list(
        FiscalPeriod.objects.filter(start__lte=last, end__gte=first).exclude(
            status=FiscalPeriod.Status.OPEN
        )
    )


def _period_covering(periods: Sequence[FiscalPeriod], on: date) -> FiscalPeriod | None:
    return next((p for p in periods if p.start <= on <= p.end), None)


def review_many(invoices: Sequence[Invoice]) -> dict[int, list[Check]]:
    """The failed checks of each invoice, by invoice id (an empty list: clean).

    A fixed number of queries, however many invoices: lines, customers, duplicates, usual
    ranges, closed periods."""
    invoices = list(invoices)
    if not invoices:
        return {}
    ids = [i.pk for i in invoices]
    lines_of: dict[int, list[InvoiceLine]] = defaultdict(list)
    for ln in InvoiceLine.objects.filter(invoice_id__in=ids).select_related("charge_code"):
        lines_of[ln.invoice_id].append(ln)
    customers = Customer.objects.in_bulk({i.customer_id for i in invoices})
    duplicates = _duplicates(invoices)
    usual = usual_ranges({ln.charge_code_id for lines in lines_of.values() for ln in lines})
    closed = _closed_periods(invoices)

    out: dict[int, list[Check]] = {}
    for invoice in invoices:
        checks: list[Check] = []
        lines = lines_of[invoice.pk]
        customer = customers[invoice.customer_id]
        checks += [Check("line_math", problem) for problem in math_errors(invoice, lines)]
        for other in duplicates.get(invoice.pk, []):
            what = f"invoice {other.number}" if other.number else f"submitted invoice #{other.pk}"
            ref = f", reference {other.reference}" if other.reference else ""
            checks.append(
                Check(
                    "duplicate",
                    f"Likely a duplicate of {what}: same customer, same total "
                    f"{money.fmt(other.total)}{ref}, dated {other.invoice_date:%m/%d/%Y}.",
                )
            )
        if customer.po_required and not invoice.reference.strip():
            checks.append(
                Check(
                    "po_missing",
                    f"Customer {customer.number} requires a PO number, and the invoice has no "
                    "reference.",
                )
            )
        for ln in lines:
            found = usual.get(ln.charge_code_id)
            if found and not found.low <= ln.amount <= found.high:
                checks.append(
                    Check(
                        "unusual_amount",
                        f"Line {ln.line_no}: {money.fmt(ln.amount)} is far from what "
                        f"{ln.charge_code.code} usually bills ({money.fmt(found.low)} to "
                        f"{money.fmt(found.high)}, from its last {found.lines} posted lines).",
                    )
                )
        flags = [
            ("on_hold", "customer_hold", "is on hold"),
            ("in_bankruptcy", "customer_bankruptcy", "is in bankruptcy"),
            ("deceased", "customer_deceased", "is deceased"),
        ]
        for field, code, said in flags:
            if getattr(customer, field):
                checks.append(Check(code, f"Customer {customer.number} {said}."))
        for ln in lines:
            if not ln.charge_code.active:
                checks.append(
                    Check(
                        "charge_code_inactive",
                        f"Line {ln.line_no}: charge code {ln.charge_code.code} is no longer "
                        "in use.",
                    )
                )
        if invoice.due_date < invoice.invoice_date:
            checks.append(
                Check(
                    "due_before_date",
                    f"The due date {invoice.due_date:%m/%d/%Y} is before the invoice date "
                    f"{invoice.invoice_date:%m/%d/%Y}.",
                )
            )
        period = _period_covering(closed, invoice.invoice_date)
        if period is not None:
            checks.append(
                Check(
                    "period_closed",
                    f"The invoice date {invoice.invoice_date:%m/%d/%Y} is in {period}, which is "
                    "closed; post it on a date in an open period.",
                )
            )
        out[invoice.pk] = checks
    return out


def review(invoice: Invoice) -> list[Check]:
    """The checks one invoice fails (an empty list: clean)."""
    return review_many([invoice])[invoice.pk]

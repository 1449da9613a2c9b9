"""Invoices: draft -> submitted -> (returned ->) posted, batches with control totals, attachments.

Every function here is one business action: one transaction, the invoice locked, a status-history
row and an audit event written with the change. Posting goes through
fiscus.receivables.services.post_items (DR AR control; CR revenue per account; CR tax), in bulk.
"""

from __future__ import annotations

import gc
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import PurePath
from typing import Any, NamedTuple, Protocol, cast

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from fiscus import audit, db, money
from fiscus.audit.services import record_many
from fiscus.billing.models import (
    Attachment,
    ChargeCode,
    Invoice,
    InvoiceBatch,
    InvoiceLine,
    InvoiceStatus,
    InvoiceStatusChange,
    PaymentTerms,
    RecurringSchedule,
)
from fiscus.customers.models import Customer
from fiscus.db import lock
from fiscus.errors import FiscusError, PermissionDenied
from fiscus.organization.models import Department
from fiscus.organization.roles import department_scope, require
from fiscus.receivables.models import Item
from fiscus.receivables.services import ItemSpec, Offset, post_items

# who acts: a view's request.user is typed User | AnonymousUser; every action is refused to an
# anonymous user by require() before anything is written
Actor = AbstractBaseUser | AnonymousUser

SOURCE = "invoice"
QUANTITY = Decimal("0.001")


class InvoiceError(FiscusError):
    code = "invoice_refused"


BillingError = InvoiceError  # the name the first draft of this module used


@dataclass(frozen=True)
class LineInput:
    charge_code: ChargeCode
    quantity: Decimal
    unit_price: Decimal | None = None  # None: the charge code's price
    description: str = ""
    service_from: date | None = None
    service_to: date | None = None


# --- helpers ------------------------------------------------------------------------------------


def name_of(invoice: Invoice) -> str:
    """How sentences name an invoice: its number once posted, else its draft id."""
    return invoice.number or f"#{invoice.pk}"


def _check_move(invoice: Invoice, new: str, verb: str) -> None:
    """Refuse a move that Invoice.TRANSITIONS does not allow, naming the current status."""
    current = InvoiceStatus(invoice.status)
    if new in Invoice.TRANSITIONS[current]:
        return
    sources = [s.value for s, targets in Invoice.TRANSITIONS.items() if new in targets]
    allowed = " or ".join(sources)
    article = "an" if allowed[0] in "aeiou" else "a"
    raise InvoiceError(
        f"Invoice {name_of(invoice)} is {current.value}; only {article} {allowed} invoice "
        f"can be {verb}.",
        code="status",
    )


def _check_scope(by: Actor, department: Department) -> None:
    scope = department_scope(by)
    if scope is not None and department.pk not in scope:
        raise PermissionDenied(
            f"You may not bill for department {department.code}.", code="department"
        )


def _terms_for(customer: Customer) -> PaymentTerms:
    terms = PaymentTerms.objects.filter(code=customer.terms).first()
    if terms is None:
        raise InvoiceError(
            f"The customer's terms {customer.terms!r} are not set up; choose the terms.",
            code="terms",
        )
    return terms


@dataclass
class _Line:
    charge_code: ChargeCode
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    tax_amount: Decimal
    description: str
    service_from: date | None
    service_to: date | None


def line_amounts(
    code: ChargeCode, quantity: Decimal, unit_price: Decimal
) -> tuple[Decimal, Decimal]:
    """A line's amount and tax: cents(quantity * price), cents(amount * the code's tax rate)."""
    amount = money.cents(quantity * unit_price)
    tax = money.cents(amount * code.tax_rate) if code.tax_rate else money.ZERO
    return amount, tax


def _priced(lines: Sequence[LineInput], department: Department) -> list[_Line]:
    if not lines:
        raise InvoiceError("Add at least one line to the invoice.", code="no_lines")
    out = []
    for n, ln in enumerate(lines, 1):
        code = ln.charge_code
        where = f"Line {n}"
        if code.department_id != department.pk:
            raise InvoiceError(
                f"{where}: charge code {code.code} belongs to another department, "
                f"not {department.code}.",
                code="charge_code_department",
            )
        if not code.active:
            raise InvoiceError(
                f"{where}: charge code {code.code} is no longer in use.", code="charge_code"
            )
        if code.tax_rate and code.tax_account_id is None:
            raise InvoiceError(
                f"{where}: charge code {code.code} is taxed but has no tax account; "
                "a supervisor must set one.",
                code="tax_account",
            )
        quantity = Decimal(ln.quantity) if not isinstance(ln.quantity, float) else None
        if quantity is None or not quantity.is_finite():
            raise InvoiceError(f"{where}: the quantity is not a number.", code="quantity")
        if quantity <= 0:
            raise InvoiceError(f"{where}: the quantity must be more than zero.", code="quantity")
        if quantity != quantity.quantize(QUANTITY):
            raise InvoiceError(
                f"{where}: the quantity has more than three decimal places.", code="quantity"
            )
        price = ln.unit_price if ln.unit_price is not None else code.unit_price
        if price is None:
            raise InvoiceError(
                f"{where}: charge code {code.code} has no price; enter the unit price.",
                code="unit_price",
            )
        try:
            price = money.parse_amount(price)
        except money.AmountError as bad:
            raise InvoiceError(f"{where}: {bad.message}", code="unit_price") from None
        if price < 0:
            raise InvoiceError(f"{where}: the unit price cannot be negative.", code="unit_price")
        if ln.service_from and ln.service_to and ln.service_to < ln.service_from:
            raise InvoiceError(
                f"{where}: the service period ends before it starts.", code="service_period"
            )
        amount, tax = line_amounts(code, quantity, price)
        out.append(
            _Line(
                code,
                quantity,
                price,
                amount,
                tax,
                ((ln.description or "").strip() or code.description)[:200],
                ln.service_from,
                ln.service_to,
            )
        )
    total = sum((ln.amount + ln.tax_amount for ln in out), money.ZERO)
    if total <= 0:
        raise InvoiceError(
            f"The invoice totals {money.fmt(total)}; an invoice must be for more than zero.",
            code="total",
        )
    return out


def _write_lines(invoice: Invoice, lines: list[_Line]) -> None:
    InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                invoice=invoice,
                line_no=n,
                charge_code=ln.charge_code,
                description=ln.description,
                quantity=ln.quantity,
                unit_price=ln.unit_price,
                amount=ln.amount,
                tax_amount=ln.tax_amount,
                service_from=ln.service_from,
                service_to=ln.service_to,
            )
            for n, ln in enumerate(lines, 1)
        ]
    )
    invoice.tax_total = sum((ln.tax_amount for ln in lines), money.ZERO)
    invoice.total = sum((ln.amount + ln.tax_amount for ln in lines), money.ZERO)


HISTORY_COLUMNS = ("invoice_id", "old", "new", "by_id", "at", "why", "processed_at")


def _history(invoices: Iterable[Invoice], old: dict[int, str], *, by: Actor, why: str = "") -> None:
    """A status-history row per invoice, in one insert (COPY on PostgreSQL)."""
    now = timezone.now()
    by_id = by.pk
    db.insert_rows(
        InvoiceStatusChange,
        HISTORY_COLUMNS,
        ((i.pk, old[i.pk], i.status, by_id, now, why, None) for i in invoices),
    )


def _audit_many(action: str, invoices: Sequence[Invoice], *, by: Actor) -> None:
    """One audit event per invoice, as audit.record writes it, in one insert (the bulk path)."""
    if len(invoices) == 1:
        i = invoices[0]
        audit.record(action, i, by=by, total=i.total, status=i.status)
        return
    record_many(action, ((i, {"total": i.total, "status": i.status}) for i in invoices), by=by)


def _pk_in(ids: Iterable[int]) -> Any:
    """What `pk__in=` takes for many ids: on PostgreSQL one array parameter (psycopg takes
    longer to prepare a query with thousands of placeholders than the server takes to run it),
    elsewhere the list."""
    if db.is_postgres():
        return RawSQL("SELECT unnest(%s::bigint[])", (db.int_array(ids),))
    return list(ids)


def _fields(queryset: QuerySet[Any]) -> list[dict[str, Any]]:
    """Every concrete field of each row, by attname, without building model instances.

    On PostgreSQL the query's own SQL runs on a cursor that reads timestamps with psycopg's
    compiled loader: Django's time-zone loader is Python, and it was most of the time taken to
    read thousands of invoices. The values are the ones the ORM gives (aware datetimes in the
    connection's UTC; these models have no field converters, which is checked).
    """
    fields = queryset.model._meta.concrete_fields
    names = [f.attname for f in fields]
    values = queryset.values_list(*names)
    if not db.is_postgres() or any(hasattr(f, "from_db_value") for f in fields):
        return [dict(zip(names, row, strict=True)) for row in values]
    from psycopg.types.datetime import TimestamptzLoader

    sql, params = values.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
        cursor.execute(sql, params)
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _lock_all(invoices: Sequence[Invoice]) -> list[Invoice]:
    """The invoices re-read under a row lock, in the order given, with their customers,
    departments (and funds) and terms: a fixed number of queries, each shared object built once,
    rows read as values and made instances without Model.__init__ (db.as_saved)."""
    ids = [i.pk for i in invoices]
    if len(set(ids)) != len(ids):
        raise InvoiceError("The same invoice is listed twice.", code="duplicate")
    rows = _fields(Invoice.objects.select_for_update().filter(pk__in=_pk_in(ids)).order_by())
    found = {row["id"] for row in rows}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise InvoiceError(f"Invoice #{missing[0]} no longer exists.", code="missing")
    customers = {
        row["id"]: db.as_saved(Customer, row)
        for row in _fields(
            Customer.objects.filter(pk__in=_pk_in({r["customer_id"] for r in rows})).order_by()
        )
    }
    departments = Department.objects.select_related("fund").in_bulk(
        {r["department_id"] for r in rows}
    )
    terms = PaymentTerms.objects.in_bulk({r["terms_id"] for r in rows})
    by_id = {
        row["id"]: db.as_saved(
            Invoice,
            row,
            {
                "customer": customers[row["customer_id"]],
                "department": departments[row["department_id"]],
                "terms": terms[row["terms_id"]],
            },
        )
        for row in rows
    }
    return [by_id[pk] for pk in ids]


class _PostingLine(NamedTuple):
    """What posting reads of an invoice line: a tuple, not a model instance (posting reads
    thousands of lines at once)."""

    line_no: int
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    tax_amount: Decimal
    charge_code: ChargeCode


def _lines_of(invoices: Sequence[Invoice]) -> dict[int, list[_PostingLine]]:
    """Each invoice's lines in line order, with their charge codes (and the codes' accounts and
    departments), in two queries."""
    rows = list(
        InvoiceLine.objects.filter(invoice_id__in=_pk_in(i.pk for i in invoices))
        .order_by("invoice_id", "line_no")
        .values_list(
            "invoice_id",
            "line_no",
            "quantity",
            "unit_price",
            "amount",
            "tax_amount",
            "charge_code_id",
        )
    )
    codes = ChargeCode.objects.select_related(
        "revenue_account", "tax_account", "department"
    ).in_bulk({row[-1] for row in rows})
    lines_of: dict[int, list[_PostingLine]] = {i.pk: [] for i in invoices}
    for invoice_id, line_no, quantity, unit_price, amount, tax_amount, code_id in rows:
        lines_of[invoice_id].append(
            _PostingLine(line_no, quantity, unit_price, amount, tax_amount, codes[code_id])
        )
    return lines_of


# --- drafts -------------------------------------------------------------------------------------


@transaction.atomic
def create_invoice(
    *,
    by: Actor,
    customer: Customer,
    department: Department,
    invoice_date: date,
    lines: Sequence[LineInput],
    terms: PaymentTerms | None = None,
    due_date: date | None = None,
    reference: str = "",
    description: str = "",
    batch: InvoiceBatch | None = None,
    source: str = Invoice.Source.WEB,
    recurring: RecurringSchedule | None = None,
) -> Invoice:
    """A draft invoice. Terms default to the customer's; the due date to invoice date + terms."""
    require(by, "billing.submit")
    _check_scope(by, department)
    if invoice_date is None:
        raise InvoiceError("Give the invoice a date.", code="invoice_date")
    if not customer.active:
        raise InvoiceError(f"Customer {customer.number} is inactive.", code="customer_inactive")
    if batch is not None:
        _check_batch_open(batch, department)
    terms = terms or _terms_for(customer)
    priced = _priced(lines, department)
    invoice = Invoice(
        customer=customer,
        department=department,
        invoice_date=invoice_date,
        terms=terms,
        due_date=due_date or invoice_date + timedelta(days=terms.days),
        reference=(reference or "").strip()[:60],
        description=(description or "").strip()[:200],
        batch=batch,
        source=source,
        recurring=recurring,
        created_by=by,  # type: ignore[misc]
    )
    invoice.save()
    _write_lines(invoice, priced)
    invoice.save(update_fields=["total", "tax_total"])
    InvoiceStatusChange.objects.create(
        invoice=invoice,
        old="",
        new=invoice.status,
        by=by,  # type: ignore[misc]
        why=f"created ({source})",
    )
    audit.record("invoice.created", invoice, by=by, total=invoice.total, source=source)
    return invoice


EDITABLE_FIELDS = frozenset(
    {
        "customer",
        "department",
        "invoice_date",
        "terms",
        "due_date",
        "reference",
        "description",
        "batch",
    }
)


@transaction.atomic
def update_invoice(
    invoice: Invoice,
    *,
    by: Actor,
    lines: Sequence[LineInput] | None = None,
    **fields: Any,
) -> Invoice:
    """Change a draft or returned invoice; `lines`, when given, replace all its lines.

    The due date follows a new invoice date or new terms unless one is given."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"update_invoice() cannot change {', '.join(sorted(unknown))}")
    require(by, "billing.submit")
    invoice = lock(invoice)
    _check_scope(by, invoice.department)
    if not invoice.editable:
        raise InvoiceError(
            f"Invoice {name_of(invoice)} is {invoice.status}; only a draft or returned "
            "invoice can be changed.",
            code="status",
        )
    if "department" in fields:
        _check_scope(by, fields["department"])
    for key in ("reference", "description"):
        if key in fields:
            fields[key] = (fields[key] or "").strip()[: 60 if key == "reference" else 200]
    changed = {k: v for k, v in fields.items() if getattr(invoice, k) != v}
    for key, value in changed.items():
        setattr(invoice, key, value)
    if ("invoice_date" in changed or "terms" in changed) and "due_date" not in fields:
        invoice.due_date = invoice.invoice_date + timedelta(days=invoice.terms.days)
    if invoice.batch is not None and "batch" in changed:
        _check_batch_open(invoice.batch, invoice.department)
    if lines is not None or "department" in changed:
        if lines is None:
            lines = [
                LineInput(
                    ln.charge_code,
                    ln.quantity,
                    ln.unit_price,
                    ln.description,
                    ln.service_from,
                    ln.service_to,
                )
                for ln in invoice.lines.select_related("charge_code")
            ]
        priced = _priced(lines, invoice.department)
        invoice.lines.all().delete()
        _write_lines(invoice, priced)
        changed["lines"] = len(priced)
    invoice.save()
    audit.record("invoice.updated", invoice, by=by, changed=sorted(changed), total=invoice.total)
    return invoice


@transaction.atomic
def delete_draft(invoice: Invoice, *, by: Actor) -> None:
    """Delete an invoice that was never posted (a draft, or one returned to its biller)."""
    require(by, "billing.submit")
    invoice = lock(invoice)
    _check_scope(by, invoice.department)
    if not invoice.editable:
        raise InvoiceError(
            f"Invoice {name_of(invoice)} is {invoice.status}; only a draft or returned "
            "invoice can be deleted.",
            code="status",
        )
    audit.record(
        "invoice.deleted",
        invoice,
        by=by,
        customer=invoice.customer.number,
        total=invoice.total,
        invoice_date=invoice.invoice_date,
    )
    for attachment in invoice.attachments.all():
        attachment.file.delete(save=False)
        attachment.delete()
    invoice.delete()


# --- moves --------------------------------------------------------------------------------------


@transaction.atomic
def submit_invoices(invoices: Sequence[Invoice], *, by: Actor) -> list[Invoice]:
    """Submit drafts (or returned invoices) for review, all or none."""
    require(by, "billing.submit")
    if not invoices:
        return []
    locked = _lock_all(invoices)
    old = {}
    now = timezone.now()
    many = len(locked) > 1
    for n, invoice in enumerate(locked, 1):
        try:
            _check_scope(by, invoice.department)
            _check_move(invoice, InvoiceStatus.SUBMITTED, "submitted")
        except FiscusError as refused:
            if many:
                refused.message = f"Invoice {n}: {refused.message}"
                refused.args = (refused.message,)
            raise
        old[invoice.pk] = invoice.status
        invoice.status = InvoiceStatus.SUBMITTED
        invoice.submitted_by = by  # type: ignore[assignment]
        invoice.submitted_at = now
        invoice.return_comment = ""
    # the same values for every row: one UPDATE, not a CASE per row
    Invoice.objects.filter(pk__in=[i.pk for i in locked]).update(
        status=InvoiceStatus.SUBMITTED, submitted_by=by, submitted_at=now, return_comment=""
    )
    _history(locked, old, by=by)
    _audit_many("invoice.submitted", locked, by=by)
    return locked


def submit_invoice(invoice: Invoice, *, by: Actor) -> Invoice:
    """Submit one draft (or returned) invoice for review."""
    return submit_invoices([invoice], by=by)[0]


@transaction.atomic
def return_invoice(invoice: Invoice, *, by: Actor, comment: str) -> Invoice:
    """Send a submitted invoice back to its biller, saying what to fix."""
    require(by, "billing.review")
    comment = (comment or "").strip()
    if not comment:
        raise InvoiceError(
            "Say why the invoice goes back, so the biller can fix it.", code="comment"
        )
    invoice = lock(invoice)
    _check_move(invoice, InvoiceStatus.RETURNED, "returned")
    old = {invoice.pk: invoice.status}
    invoice.status = InvoiceStatus.RETURNED
    invoice.return_comment = comment
    invoice.save(update_fields=["status", "return_comment"])
    _history([invoice], old, by=by, why=comment)
    audit.record("invoice.returned", invoice, by=by, comment=comment)
    return invoice


class PricedLine(Protocol):
    """What math_errors reads of a line: an InvoiceLine, or the lighter row posting reads."""

    @property
    def line_no(self) -> int: ...
    @property
    def quantity(self) -> Decimal: ...
    @property
    def unit_price(self) -> Decimal: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def tax_amount(self) -> Decimal: ...


def math_errors(invoice: Invoice, lines: Sequence[PricedLine]) -> list[str]:
    """Stored amounts that do not follow from quantity * price (each a sentence)."""
    problems = []
    amount_sum = tax_sum = money.ZERO
    for ln in lines:
        expected = money.cents(ln.quantity * ln.unit_price)
        if ln.amount != expected:
            problems.append(
                f"Line {ln.line_no}: {ln.quantity.normalize():f} x {money.fmt(ln.unit_price)} is "
                f"{money.fmt(expected)}, not {money.fmt(ln.amount)}."
            )
        amount_sum += ln.amount
        tax_sum += ln.tax_amount
    if invoice.tax_total != tax_sum:
        problems.append(
            f"The tax total is {money.fmt(invoice.tax_total)}, but the lines' tax adds up to "
            f"{money.fmt(tax_sum)}."
        )
    if invoice.total != amount_sum + tax_sum:
        problems.append(
            f"The total is {money.fmt(invoice.total)}, but the lines add up to "
            f"{money.fmt(amount_sum + tax_sum)}."
        )
    return problems


def _spec(invoice: Invoice, lines: Sequence[_PostingLine]) -> ItemSpec:
    """The open item of an invoice: one credit per revenue (or tax) account and department."""
    revenue: dict[tuple[int | None, int], list[Any]] = {}
    for ln in lines:
        code = ln.charge_code
        key = (code.revenue_account_id, code.department_id)
        if key in revenue:
            revenue[key][2] += ln.amount
        else:
            revenue[key] = [code.revenue_account, code.department, ln.amount]
        if ln.tax_amount:
            tax_key = (code.tax_account_id, code.department_id)
            if tax_key in revenue:
                revenue[tax_key][2] += ln.tax_amount
            else:
                revenue[tax_key] = [code.tax_account, code.department, ln.tax_amount]
    memo = invoice.description[:100]
    offsets = [
        Offset(account, amount, department=department, memo=memo)
        for account, department, amount in revenue.values()
        if amount
    ]
    customer, department = invoice.customer, invoice.department
    return ItemSpec(
        customer=customer,
        kind=Item.Kind.INVOICE,
        amount=invoice.total,
        fund=department.fund,
        department=department,
        document_date=invoice.invoice_date,
        due_date=invoice.due_date,
        offsets=offsets,
        number=None,
        description=(invoice.description or f"Invoice {customer.number}")[:200],
        reference=invoice.reference,
    )


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Python's cycle collector paused while a bulk posting runs (refcounting still frees
    nearly everything at once). Posting 5,000 invoices allocates about a million objects, which
    made the collector sweep the whole heap again and again, finding nothing: about a sixth of the
    posting time. It is switched back on at the end only if it was on, so two postings at once in
    one process (threads) leave it on."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


# the statuses an invoice may be posted from (Invoice.TRANSITIONS)
_POSTABLE = frozenset(
    s for s, moves in Invoice.TRANSITIONS.items() if InvoiceStatus.POSTED in moves
)


def _refusal(
    invoice: Invoice, lines: Sequence[_PostingLine], on: date | None
) -> InvoiceError | None:
    """Why `invoice` cannot post (on `on`, or on its own date), or None when it can."""
    if invoice.status not in _POSTABLE:
        try:
            _check_move(invoice, InvoiceStatus.POSTED, "posted")
        except InvoiceError as refused:
            return refused
    problems = math_errors(invoice, lines)
    if not lines:
        problems.append("It has no lines.")
    if problems:
        return InvoiceError(
            f"Invoice {name_of(invoice)} cannot post: {' '.join(problems)}", code="line_math"
        )
    if invoice.due_date < invoice.invoice_date:
        return InvoiceError(
            f"Invoice {name_of(invoice)} is due {invoice.due_date:%m/%d/%Y}, before "
            f"its date {invoice.invoice_date:%m/%d/%Y}; return it to be corrected.",
            code="due_date",
        )
    posting = on or invoice.invoice_date
    if posting < invoice.invoice_date:
        return InvoiceError(
            f"Invoice {name_of(invoice)} is dated {invoice.invoice_date:%m/%d/%Y}, "
            f"after the posting date {posting:%m/%d/%Y}.",
            code="future_date",
        )
    for ln in lines:
        if ln.tax_amount and ln.charge_code.tax_account_id is None:
            return InvoiceError(
                f"Line {ln.line_no}: charge code {ln.charge_code.code} is taxed but "
                "has no tax account; a supervisor must set one.",
                code="tax_account",
            )
    return None


@transaction.atomic
@_cyclic_gc_paused()
def post_invoices(
    invoices: Sequence[Invoice], *, by: Actor, on: date | None = None
) -> list[Invoice]:
    """Post submitted invoices in bulk, all or none: each gets its number (INV-YYYY-NNNNNN),
    its open item and its receivable row, through one post_items call per posting date (one
    call when `on` is given). One invoice gets its own journal entry; several share one entry
    per posting date, summarized by fund, department and account (as a journal generator posts
    to the GL; the receivable ledger keeps the detail). `on` defaults to each invoice's date."""
    require(by, "billing.review")
    if not invoices:
        return []
    locked = _lock_all(invoices)
    many = len(locked) > 1
    lines_of = _lines_of(locked)
    for n, invoice in enumerate(locked, 1):
        refused = _refusal(invoice, lines_of[invoice.pk], on)
        if refused is not None:
            if many:
                refused = InvoiceError(f"Invoice {n}: {refused.message}", code=refused.code)
            raise refused
    # one post_items call per accounting date; numbers follow invoice date, then entry order
    groups: dict[date, list[Invoice]] = defaultdict(list)
    for invoice in sorted(locked, key=lambda i: (i.invoice_date, i.pk)):
        groups[on or invoice.invoice_date].append(invoice)
    now = timezone.now()
    old = {i.pk: i.status for i in locked}
    posted = InvoiceStatus.POSTED
    for posting, group in sorted(groups.items()):
        items = post_items(
            [_spec(i, lines_of[i.pk]) for i in group],
            on=posting,
            by=cast(AbstractBaseUser, by),  # require() above refused an anonymous user
            source=SOURCE,
            memo="Invoice" if not many else f"Invoices posted ({len(group):,})",
            summarize=many,
        )
        for invoice, item in zip(group, items, strict=True):
            # what `invoice.status = POSTED; invoice.item = item; invoice.posted_by = by ...`
            # set, written straight into the instances: at thousands of invoices the related
            # descriptors took longer than the rest of this loop
            invoice.__dict__.update(
                status=posted,
                number=item.number,
                item_id=item.pk,
                posted_by_id=by.pk,
                posted_at=now,
            )
            invoice._state.fields_cache.update(item=item, posted_by=by)
            item._state.fields_cache["invoice"] = invoice  # the one-to-one's other side
    _mark_posted(locked, by=by, at=now)
    _history(locked, old, by=by)
    _audit_many("invoice.posted", locked, by=by)
    return locked


def _mark_posted(invoices: Sequence[Invoice], *, by: Actor, at: Any) -> None:
    """Store each invoice's number and item, in one statement (bulk_update's CASE per row was
    most of the posting time at thousands of invoices)."""
    table = connection.ops.quote_name(Invoice._meta.db_table)
    common = [InvoiceStatus.POSTED.value, by.pk, at]
    with connection.cursor() as cursor:
        if db.is_postgres():
            cursor.execute(
                f"UPDATE {table} AS i SET status = %s, posted_by_id = %s, posted_at = %s, "
                "number = v.number, item_id = v.item_id "
                "FROM unnest(%s::bigint[], %s::text[], %s::bigint[]) AS v (id, number, item_id) "
                "WHERE i.id = v.id",
                [
                    *common,
                    db.int_array(i.pk for i in invoices),
                    db.text_array(i.number for i in invoices),
                    db.int_array(i.item_id for i in invoices),
                ],
            )
            return
        at_db = Invoice._meta.get_field("posted_at").get_db_prep_save(at, connection)
        cursor.executemany(
            f"UPDATE {table} SET status = %s, posted_by_id = %s, posted_at = %s, number = %s, "
            "item_id = %s WHERE id = %s",
            [(common[0], common[1], at_db, i.number, i.item_id, i.pk) for i in invoices],
        )


def post_invoice(invoice: Invoice, *, by: Actor, on: date | None = None) -> Invoice:
    """Post one submitted invoice; `on` is the accounting date (default: the invoice date)."""
    return post_invoices([invoice], by=by, on=on)[0]


# --- batches ------------------------------------------------------------------------------------


def _check_batch_open(batch: InvoiceBatch, department: Department) -> None:
    if batch.submitted_at is not None:
        raise InvoiceError(
            f"Batch {batch.pk} was submitted; start a new batch.", code="batch_submitted"
        )
    if batch.department_id != department.pk:
        raise InvoiceError(
            f"Batch {batch.pk} is for another department; an invoice for "
            f"{department.code} cannot join it.",
            code="batch_department",
        )


@transaction.atomic
def create_batch(
    *,
    by: Actor,
    department: Department,
    control_count: int,
    control_amount: Decimal,
    description: str = "",
) -> InvoiceBatch:
    """A batch of invoices to enter, with the count and amount they must add up to."""
    require(by, "billing.submit")
    _check_scope(by, department)
    if control_count is None or int(control_count) < 1:
        raise InvoiceError("The control count must be at least 1.", code="control_count")
    try:
        amount = money.parse_amount(control_amount)
    except money.AmountError as bad:
        raise InvoiceError(f"Control amount: {bad.message}", code="control_amount") from None
    if amount <= 0:
        raise InvoiceError("The control amount must be more than zero.", code="control_amount")
    batch = InvoiceBatch.objects.create(
        department=department,
        description=(description or "").strip()[:200],
        control_count=int(control_count),
        control_amount=amount,
        created_by=by,  # type: ignore[misc]
    )
    audit.record(
        "batch.created", batch, by=by, control_count=batch.control_count, control_amount=amount
    )
    return batch


@dataclass(frozen=True)
class BatchTotals:
    count: int
    amount: Decimal
    control_count: int
    control_amount: Decimal

    @property
    def count_difference(self) -> int:
        return self.count - self.control_count

    @property
    def amount_difference(self) -> Decimal:
        return self.amount - self.control_amount

    @property
    def balanced(self) -> bool:
        return self.count_difference == 0 and self.amount_difference == 0


def batch_totals(batch: InvoiceBatch) -> BatchTotals:
    totals = list(batch.invoices.values_list("total", flat=True))
    return BatchTotals(
        len(totals), sum(totals, money.ZERO), batch.control_count, batch.control_amount
    )


def _signed(n: Decimal | int, *, amount: bool) -> str:
    size = Decimal(n).copy_abs()
    text = money.fmt(size) if amount else str(size)
    return ("+" if n > 0 else "-" if n < 0 else "") + text


@transaction.atomic
def submit_batch(batch: InvoiceBatch, *, by: Actor) -> list[Invoice]:
    """Submit every invoice of a batch, once its count and total equal the control totals."""
    batch = lock(batch)
    _check_scope(by, batch.department)
    if batch.submitted_at is not None:
        raise InvoiceError(f"Batch {batch.pk} was already submitted.", code="batch_submitted")
    totals = batch_totals(batch)
    if not totals.balanced:
        raise InvoiceError(
            f"Batch {batch.pk} does not match its control totals: it holds {totals.count} "
            f"invoice{'s' if totals.count != 1 else ''} for {money.fmt(totals.amount)} against "
            f"{totals.control_count} for {money.fmt(totals.control_amount)} "
            f"(count {_signed(totals.count_difference, amount=False)}, "
            f"amount {_signed(totals.amount_difference, amount=True)}).",
            code="batch_out_of_balance",
        )
    waiting = list(batch.invoices.filter(status__in=[InvoiceStatus.DRAFT, InvoiceStatus.RETURNED]))
    submitted = submit_invoices(waiting, by=by)
    batch.submitted_at = timezone.now()
    batch.save(update_fields=["submitted_at"])
    audit.record("batch.submitted", batch, by=by, invoices=totals.count, amount=totals.amount)
    return submitted


# --- attachments --------------------------------------------------------------------------------

ATTACHMENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _sniff(head: bytes, uploaded_file: UploadedFile, extension: str) -> bool:
    """Does the file's content match its extension (magic bytes, not only the name)?"""
    if extension == "pdf":
        return head.startswith(b"%PDF-")
    if extension == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in {"jpg", "jpeg"}:
        return head.startswith(b"\xff\xd8\xff")
    if extension in {"xlsx", "docx"}:
        if not head.startswith(b"PK\x03\x04"):
            return False
        uploaded_file.seek(0)
        try:
            with zipfile.ZipFile(uploaded_file) as zf:
                names = zf.namelist()
        except zipfile.BadZipFile:
            return False
        finally:
            uploaded_file.seek(0)
        folder = "xl/" if extension == "xlsx" else "word/"
        return "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)
    if extension == "csv":
        if b"\x00" in head:
            return False
        text = head[:-4] if len(head) >= 8192 else head  # a multi-byte character may be cut
        try:
            text.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True
    return False


@transaction.atomic
def add_attachment(invoice: Invoice, *, by: Actor, uploaded_file: UploadedFile) -> Attachment:
    """Attach a backup document: PDF, PNG, JPEG, XLSX, CSV or DOCX, checked by its content."""
    require(by, "billing.submit")
    invoice = lock(invoice)
    _check_scope(by, invoice.department)
    name = PurePath(uploaded_file.name or "file").name[:200]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ATTACHMENT_TYPES:
        raise InvoiceError(
            f"{name} is not a file type Fiscus keeps; attach a PDF, PNG, JPEG, XLSX, CSV or "
            "DOCX file.",
            code="attachment_type",
        )
    size = uploaded_file.size or 0
    limit = settings.MAX_ATTACHMENT_BYTES
    if size > limit:
        raise InvoiceError(
            f"{name} is {size / 1048576:.1f} MB; an attachment may be at most "
            f"{limit / 1048576:.0f} MB.",
            code="attachment_size",
        )
    if size == 0:
        raise InvoiceError(f"{name} is empty.", code="attachment_empty")
    uploaded_file.seek(0)
    head = uploaded_file.read(8192)
    uploaded_file.seek(0)
    if not _sniff(head, uploaded_file, extension):
        raise InvoiceError(
            f"{name} is not really a {extension.upper()} file; its content does not match "
            "its name.",
            code="attachment_content",
        )
    attachment = Attachment(
        invoice=invoice,
        name=name,
        content_type=ATTACHMENT_TYPES[extension],
        size=size,
        uploaded_by=by,  # type: ignore[misc]
    )
    attachment.file.save(name, uploaded_file, save=False)
    attachment.save()
    audit.record("attachment.added", invoice, by=by, name=name, size=size)
    return attachment

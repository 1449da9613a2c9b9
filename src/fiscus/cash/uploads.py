"""Payments uploaded from a spreadsheet: a stack of payments recorded, deposited and applied.

The file is read by fiscus.cash.formats.payments; here each row is checked against the database
(the customer exists, or the payment is unidentified and names its payer; each invoice to apply
exists, is open, and belongs to the payment's customer; a cash-only customer does not pay by
check; the clerk takes cash for the row's department). Then, in one transaction, the payments go
into one deposit per received date and department, opened by the upload with the file's count
and total as control totals, are applied to their invoices, and each deposit is closed.

A file is taken whole or not at all, and only once (by its SHA-256, kept in a receivables
ImportBatch of kind "payments_upload"). A dry run shows every row, what it would post and apply,
and every row error.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from fiscus import audit, money
from fiscus.cash.formats import payments as fmt
from fiscus.cash.models import ApplicationReason, Deposit, Payment
from fiscus.cash.services import (
    CashError,
    PaymentInput,
    _teach_alias,
    close_deposit,
    open_deposit,
    record_payments,
)
from fiscus.customers.models import Customer
from fiscus.errors import FiscusError
from fiscus.organization.models import Department
from fiscus.organization.roles import department_scope, require
from fiscus.organization.services import PeriodError, period_for
from fiscus.receivables.imports import errors_phrase
from fiscus.receivables.models import ImportBatch, Item
from fiscus.receivables.services import ApplySpec, ReceivableError, apply_many

KIND = "payments_upload"
SOURCE = "upload"
RULE = "upload"
OWED_KINDS = frozenset(Item.DEBIT_KINDS | {Item.Kind.OPENING_BALANCE})


class UploadRefused(FiscusError):
    """The file has row errors: nothing was posted. `.errors` holds every sentence."""

    code = "upload_refused"

    def __init__(self, errors: list[str]) -> None:
        super().__init__(
            f"The file was not accepted: it has {errors_phrase(errors)}. Nothing was posted."
        )
        self.errors = errors


@dataclass(frozen=True)
class PreviewApplication:
    line: int  # the spreadsheet row that names the invoice
    item: Item
    amount: Decimal
    owed: Decimal  # what the invoice owed before this row


@dataclass(frozen=True)
class PreviewPayment:
    key: str
    lines: str
    received_on: date
    department: Department
    method: str
    amount: Decimal
    customer: Customer | None
    payer: str
    check_number: str
    reference: str
    applications: tuple[PreviewApplication, ...]

    @property
    def applied(self) -> Decimal:
        return sum((a.amount for a in self.applications), money.ZERO)

    @property
    def unapplied(self) -> Decimal:
        return self.amount - self.applied

    @property
    def method_label(self) -> str:
        return fmt.METHOD_LABELS.get(self.method, self.method)


@dataclass
class PreviewDeposit:
    """One deposit the upload opens and closes: a received date and a department."""

    received_on: date
    department: Department
    payments: list[PreviewPayment] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.payments)

    @property
    def total(self) -> Decimal:
        return sum((p.amount for p in self.payments), money.ZERO)


@dataclass(frozen=True)
class PreviewRow:
    """One line of the file as written, with its errors and what it would do."""

    line: int
    cells: dict[str, str]
    errors: tuple[str, ...]  # "field: message"
    applies: Decimal | None  # the amount this row applies to its invoice

    def cell(self, key: str) -> str:
        return self.cells.get(key, "")


@dataclass
class UploadResult:
    file_name: str
    file_hash: str
    dry_run: bool = False
    payments: list[PreviewPayment] = field(default_factory=list)
    rows: list[PreviewRow] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # the keys of the columns the file has
    errors: list[str] = field(default_factory=list)
    batch: ImportBatch | None = None
    already_uploaded: bool = False
    created: list[Payment] = field(default_factory=list)
    deposits_made: list[Deposit] = field(default_factory=list)

    @property
    def count(self) -> int:
        if self.already_uploaded and self.batch:
            return self.batch.rows
        return len(self.payments)

    @property
    def total(self) -> Decimal:
        if self.already_uploaded and self.batch:
            return self.batch.total
        return sum((p.amount for p in self.payments), money.ZERO)

    @property
    def applied(self) -> Decimal:
        return sum((p.applied for p in self.payments), money.ZERO)

    @property
    def unapplied(self) -> Decimal:
        return self.total - self.applied

    @property
    def application_count(self) -> int:
        return sum(len(p.applications) for p in self.payments)

    @property
    def unidentified_count(self) -> int:
        return sum(1 for p in self.payments if p.customer is None)

    @property
    def deposits(self) -> list[PreviewDeposit]:
        groups: dict[tuple[date, int], PreviewDeposit] = {}
        for p in self.payments:
            key = (p.received_on, p.department.pk)
            if key not in groups:
                groups[key] = PreviewDeposit(p.received_on, p.department)
            groups[key].payments.append(p)
        return sorted(groups.values(), key=lambda d: (d.received_on, d.department.code))

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def message(self) -> str:
        """One sentence for the clerk: what happened, or what would happen."""
        if self.already_uploaded and self.batch:
            return already_uploaded_message(self.batch)
        if self.errors:
            return UploadRefused(self.errors).message
        noun = "payment" if self.count == 1 else "payments"
        deposits = len(self.deposits)
        applied = (
            f"{money.fmt(self.applied)} applied to {self.application_count} "
            f"invoice{'' if self.application_count == 1 else 's'}, "
            f"{money.fmt(self.unapplied)} left unapplied"
        )
        if self.dry_run:
            verb = "is" if self.count == 1 else "are"
            return (
                f"{self.count} {noun} totalling {money.fmt(self.total)} {verb} ready to post "
                f"in {deposits} deposit{'' if deposits == 1 else 's'}: {applied}."
            )
        numbers = ", ".join(d.number for d in self.deposits_made)
        return (
            f"Posted {self.count} {noun} totalling {money.fmt(self.total)} in "
            f"deposit{'' if deposits == 1 else 's'} {numbers}: {applied}."
        )


def already_uploaded_message(batch: ImportBatch) -> str:
    when = timezone.localtime(batch.imported_at)
    who = batch.imported_by
    name = who.get_full_name() or who.get_username()
    n = "1 payment" if batch.rows == 1 else f"{batch.rows} payments"
    return (
        f"This file was already uploaded on {when:%m/%d/%Y} by {name} "
        f"({n}, {money.fmt(batch.total)})."
    )


def file_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def upload_payments(
    content: bytes, file_name: str, *, by: AbstractBaseUser, dry_run: bool = False
) -> UploadResult:
    """Check a payments file and, unless `dry_run`, post it whole: record its payments in one
    closed deposit per received date and department, and apply them to their invoices.

    A dry run returns every row with what it would do, or every row error. A real run raises
    UploadRefused listing the row errors and posts nothing. The same file a second time posts
    nothing: the result says when, by whom and how much. A file over MAX_ATTACHMENT_BYTES, empty,
    or not really a .csv/.xlsx raises FileRefused before any row is read.
    """
    require(by, "cash.receive")
    digest = file_hash(content)
    result = UploadResult(file_name=file_name, file_hash=digest, dry_run=dry_run)
    with transaction.atomic():
        earlier = _earlier(digest)
        if earlier is not None:
            result.batch, result.already_uploaded = earlier, True
            return result
        parsed = fmt.parse(content, file_name, max_bytes=settings.MAX_ATTACHMENT_BYTES)
        applies: dict[int, Decimal] = {}
        result.payments = _resolve(parsed, by=by, applies=applies)
        result.errors = parsed.errors.sentences()
        result.columns = [
            c.key for c in fmt.COLUMNS if any(c.key in ln.cells for ln in parsed.lines)
        ]
        result.rows = [
            PreviewRow(
                line=ln.line,
                cells=ln.cells,
                errors=tuple(
                    f"{e.field}: {e.message}" if e.field else e.message
                    for e in parsed.errors.on(ln.line)
                ),
                applies=applies.get(ln.line),
            )
            for ln in parsed.lines
        ]
        if dry_run:
            return result
        if result.errors:
            raise UploadRefused(result.errors)
        _post(result, by=by)
    return result


def _earlier(digest: str) -> ImportBatch | None:
    return (
        ImportBatch.objects.select_related("imported_by")
        .filter(kind=KIND, file_hash=digest)
        .first()
    )


def _resolve(
    parsed: fmt.Parsed, *, by: AbstractBaseUser, applies: dict[int, Decimal]
) -> list[PreviewPayment]:
    """Match each payment's department and customer and each row's invoice; note what does not
    exist, what the clerk may not use, and what would over-apply. `applies` receives the amount
    each applying row would apply (a blank amount applied: as much as the invoice owes and the
    payment has left)."""
    errors = parsed.errors
    numbers = {p.customer_number for p in parsed.payments if p.customer_number}
    customers = {
        c.number.upper(): c
        for c in Customer.objects.filter(number__in=numbers | {n.upper() for n in numbers})
    }
    departments = {d.code.upper(): d for d in Department.objects.select_related("fund")}
    invoice_numbers = {r.invoice_number for p in parsed.payments for r in p.applications}
    items = {
        it.number.upper(): it
        for it in Item.objects.filter(
            number__in=invoice_numbers | {n.upper() for n in invoice_numbers}
        ).select_related("customer")
    }
    scope = department_scope(by)
    today = timezone.localdate()
    periods: dict[date, str] = {}  # a received date -> why nothing can post on it ("" = fine)
    owed = {it.pk: it.open_amount for it in items.values()}  # what each invoice still owes
    applied_by: dict[int, list[int]] = defaultdict(list)  # invoice -> rows of this file

    out: list[PreviewPayment] = []
    for payment in parsed.payments:
        bad = len(errors)
        first = payment.first
        department = _department(payment, departments, scope, errors)
        if payment.received_on > today:
            errors.add(
                first.line,
                "received_on",
                f"{payment.received_on:%m/%d/%Y} is in the future; a payment is recorded on "
                "or after the day it is received.",
            )
        else:
            if payment.received_on not in periods:
                try:
                    period_for(payment.received_on)
                    periods[payment.received_on] = ""
                except PeriodError as refused:
                    periods[payment.received_on] = refused.message
            if periods[payment.received_on]:
                errors.add(first.line, "received_on", periods[payment.received_on])
        customer = None
        if payment.customer_number:
            customer = customers.get(payment.customer_number.upper())
            if customer is None:
                errors.add(
                    first.line,
                    "customer_number",
                    f"there is no customer “{payment.customer_number}”; check the number, or "
                    "leave it blank to record the payment as unidentified.",
                )
            elif customer.is_cash_only() and payment.method == "check":
                errors.add(
                    first.line,
                    "method",
                    f"{customer.number} {customer.name} is on cash only (a check of theirs was "
                    "returned), so a check cannot be taken; take cash, a money order, a card "
                    "or a wire.",
                )
        applications = _applications(payment, customer, items, owed, applied_by, scope, errors)
        if len(errors) == bad and department is not None:
            for a in applications:
                applies[a.line] = a.amount
            out.append(
                PreviewPayment(
                    key=payment.key,
                    lines=payment.lines,
                    received_on=payment.received_on,
                    department=department,
                    method=payment.method,
                    amount=payment.amount,
                    customer=customer,
                    payer=payment.payer,
                    check_number=payment.check_number,
                    reference=payment.reference,
                    applications=tuple(applications),
                )
            )
    return out


def _department(
    payment: fmt.PaymentRows,
    departments: dict[str, Department],
    scope: set[int] | None,
    errors: fmt.Errors,
) -> Department | None:
    line = payment.first.line
    department = departments.get(payment.department.upper())
    if department is None or not department.active:
        known = ", ".join(
            sorted(
                d.code
                for d in departments.values()
                if d.active and (scope is None or d.pk in scope)
            )
        )
        what = "is not an active department" if department else "is not a department"
        errors.add(line, "department", f"“{payment.department}” {what}; the codes are {known}.")
        return None
    if scope is not None and department.pk not in scope:
        mine = ", ".join(sorted(d.code for d in departments.values() if d.pk in scope))
        errors.add(
            line,
            "department",
            f"you may not record cash for department {department.code}; you record cash for "
            f"{mine or 'no department'}.",
        )
        return None
    return department


def _applications(
    payment: fmt.PaymentRows,
    customer: Customer | None,
    items: dict[str, Item],
    owed: dict[int, Decimal],
    applied_by: dict[int, list[int]],
    scope: set[int] | None,
    errors: fmt.Errors,
) -> list[PreviewApplication]:
    """The payment's applications, in file order. Amounts given are taken first; then each
    blank amount applied takes as much of what its invoice owes as the payment has left."""
    if customer is None:
        return []  # the parser refused applying an unidentified payment; or no such customer
    found: list[tuple[fmt.Row, Item]] = []
    for row in payment.applications:
        item = _invoice(row, customer, items, owed, applied_by, scope, errors)
        if item is not None:
            found.append((row, item))
    amounts: dict[int, Decimal] = {}
    left = payment.amount
    for row, item in found:
        if row.amount_applied is None:
            continue
        if row.amount_applied > owed[item.pk]:
            errors.add(
                row.line,
                "amount_applied",
                f"invoice {item.number} owes only {money.fmt(owed[item.pk])}"
                f"{_after(applied_by[item.pk])}; apply at most that, or leave it blank.",
            )
            continue
        amounts[row.line] = row.amount_applied
        left -= row.amount_applied
        owed[item.pk] -= row.amount_applied
        applied_by[item.pk].append(row.line)
    for row, item in found:
        if row.amount_applied is not None:
            continue
        amount = min(owed[item.pk], left)
        if amount <= 0:
            whose = f"payment key “{payment.key}”" if payment.key else "the payment"
            errors.add(
                row.line,
                "invoice_number",
                f"nothing of {whose} is left for invoice {item.number}: the rows before it "
                f"apply all of its {money.fmt(payment.amount)}; leave this row out.",
            )
            continue
        amounts[row.line] = amount
        left -= amount
        owed[item.pk] -= amount
        applied_by[item.pk].append(row.line)
    return [
        PreviewApplication(row.line, item, amounts[row.line], owed[item.pk] + amounts[row.line])
        for row, item in found
        if row.line in amounts
    ]


def _after(lines: list[int]) -> str:
    if not lines:
        return ""
    rows = ", ".join(str(n) for n in lines)
    return f" after row{'s' if len(lines) > 1 else ''} {rows} of this file"


def _invoice(
    row: fmt.Row,
    customer: Customer,
    items: dict[str, Item],
    owed: dict[int, Decimal],
    applied_by: dict[int, list[int]],
    scope: set[int] | None,
    errors: fmt.Errors,
) -> Item | None:
    """The open invoice a row names, or None with the reason noted."""
    item = items.get(row.invoice_number.upper())
    if item is None:
        errors.add(row.line, "invoice_number", f"there is no invoice “{row.invoice_number}”.")
        return None
    if item.kind not in OWED_KINDS or item.amount < 0:
        errors.add(
            row.line,
            "invoice_number",
            f"{item.number} is a {item.get_kind_display().lower()}, not an amount owed.",
        )
        return None
    if item.customer_id != customer.pk:
        errors.add(
            row.line,
            "invoice_number",
            f"invoice {item.number} belongs to customer {item.customer.number} "
            f"{item.customer.name}, not to {customer.number}.",
        )
        return None
    if scope is not None and item.department_id not in scope:
        errors.add(row.line, "invoice_number", f"invoice {item.number} is not in your departments.")
        return None
    if owed[item.pk] <= 0:
        if item.open_amount <= 0:
            errors.add(
                row.line,
                "invoice_number",
                f"invoice {item.number} is closed: nothing is owed on it.",
            )
        else:
            errors.add(
                row.line,
                "invoice_number",
                f"invoice {item.number} has nothing left owing{_after(applied_by[item.pk])}.",
            )
        return None
    return item


@transaction.atomic
def _post(result: UploadResult, *, by: AbstractBaseUser) -> None:
    """Record the upload first (its unique hash stops a second, concurrent run of the same
    file), then open each deposit, record its payments, apply them all, and close the
    deposits, in this one transaction."""
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                kind=KIND,
                file_name=result.file_name[:255],
                file_hash=result.file_hash,
                rows=len(result.payments),
                total=result.total,
                imported_by=by,  # type: ignore[misc]
            )
    except IntegrityError:
        raise FiscusError(
            "Someone uploaded this file a moment ago; nothing was posted twice.",
            code="duplicate",
        ) from None
    result.batch = batch
    made: list[tuple[PreviewPayment, Payment]] = []
    try:
        for group in result.deposits:
            deposit = open_deposit(
                department=group.department,
                on=group.received_on,
                by=by,
                control_count=group.count,
                control_total=group.total,
                source=SOURCE,
            )
            recorded = record_payments(
                deposit,
                [
                    PaymentInput(
                        amount=p.amount,
                        method=p.method,
                        received_on=p.received_on,
                        customer=p.customer,
                        payer=p.payer,
                        check_number=p.check_number,
                        reference=p.reference,
                    )
                    for p in group.payments
                ],
                by=by,
                source=SOURCE,
                import_batch=batch,
            )
            made.extend(zip(group.payments, recorded, strict=True))
            result.deposits_made.append(deposit)
        _apply(made, by=by)
        result.deposits_made = [close_deposit(d, by=by) for d in result.deposits_made]
    except (CashError, ReceivableError, PeriodError) as refused:
        # The services have the last word (say, a period closed since the preview).
        raise UploadRefused([refused.message]) from None
    result.created = [payment for _, payment in made]
    audit.record(
        "cash.payments_uploaded",
        batch,
        by=by,
        file_name=result.file_name,
        file_hash=result.file_hash,
        payments=len(result.created),
        total=result.total,
        applied=result.applied,
        deposits=[d.number for d in result.deposits_made],
    )


def _apply(made: list[tuple[PreviewPayment, Payment]], *, by: AbstractBaseUser) -> None:
    """Apply every payment to its invoices in one bulk call, each with its reason."""
    specs: list[ApplySpec] = []
    owners: list[Payment] = []
    for preview, payment in made:
        for a in preview.applications:
            assert payment.item is not None  # applied payments have a customer
            specs.append(ApplySpec(payment.item, a.item, a.amount, note=f"{RULE} {payment.number}"))
            owners.append(payment)
    if not specs:
        return
    applications = apply_many(specs, on=timezone.localdate(), by=by)
    ApplicationReason.objects.bulk_create(
        [
            ApplicationReason(application=app, payment=payment, automatic=False, rule=RULE)
            for app, payment in zip(applications, owners, strict=True)
        ]
    )
    # The clerk named the customer of each applied payment: the payer name is learned, as a
    # manual match teaches it.
    taught: set[str] = set()
    for preview, payment in made:
        name = payment.payer.lower()
        if preview.applications and payment.customer is not None and name and name not in taught:
            taught.add(name)
            _teach_alias(payment, payment.customer, by=by)

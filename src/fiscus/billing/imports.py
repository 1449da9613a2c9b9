"""Department submission by file: a biller's spreadsheet of invoice lines becomes submitted
invoices waiting in the review queue. Nothing is posted here: the technician reviews them.

A file is taken whole or not at all, and only once (by its SHA-256). A dry run shows what it
would create (each invoice's customer, lines and total, and the total of all) and every row error.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from fiscus import audit, money
from fiscus.billing.formats import invoices as fmt
from fiscus.billing.models import BillingUpload, ChargeCode, Invoice, PaymentTerms
from fiscus.customers.models import Customer
from fiscus.errors import FiscusError
from fiscus.organization.models import Department
from fiscus.organization.roles import department_scope, require
from fiscus.receivables.imports import errors_phrase

QUANTUM = Decimal("0.001")


class UploadRefused(FiscusError):
    """The file has row errors: nothing was created. `.errors` holds every sentence."""

    code = "upload_refused"

    def __init__(self, errors: list[str]) -> None:
        super().__init__(
            f"The file was not accepted: it has {errors_phrase(errors)}. Nothing was created."
        )
        self.errors = errors


@dataclass(frozen=True)
class PreviewLine:
    line: int  # the spreadsheet row
    charge_code: ChargeCode
    description: str
    quantity: Decimal
    unit_price: Decimal
    service_from: date | None
    service_to: date | None

    @property
    def amount(self) -> Decimal:
        return money.cents(self.quantity * self.unit_price)

    @property
    def quantity_display(self) -> str:
        text = f"{self.quantity:f}"
        return text.rstrip("0").rstrip(".") if "." in text else text

    @property
    def tax_amount(self) -> Decimal:
        rate = self.charge_code.tax_rate
        return money.cents(self.amount * rate) if rate else money.ZERO


@dataclass(frozen=True)
class PreviewInvoice:
    key: str
    customer: Customer
    department: Department
    invoice_date: date
    terms: PaymentTerms | None  # None: the customer's terms
    reference: str
    lines: tuple[PreviewLine, ...]

    @property
    def rows(self) -> str:
        numbers = [ln.line for ln in self.lines]
        return str(numbers[0]) if len(numbers) == 1 else f"{numbers[0]}–{numbers[-1]}"

    @property
    def subtotal(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), money.ZERO)

    @property
    def tax_total(self) -> Decimal:
        return sum((ln.tax_amount for ln in self.lines), money.ZERO)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tax_total

    @property
    def terms_code(self) -> str:
        return self.terms.code if self.terms else self.customer.terms


@dataclass
class UploadResult:
    file_name: str
    file_hash: str
    dry_run: bool = False
    invoices: list[PreviewInvoice] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    created: list[Invoice] = field(default_factory=list)
    upload: BillingUpload | None = None
    already_uploaded: bool = False

    @property
    def count(self) -> int:
        if self.already_uploaded and self.upload:
            return self.upload.invoices
        return len(self.invoices)

    @property
    def line_count(self) -> int:
        return sum(len(i.lines) for i in self.invoices)

    @property
    def total(self) -> Decimal:
        if self.already_uploaded and self.upload:
            return self.upload.total
        return sum((i.total for i in self.invoices), money.ZERO)

    @property
    def total_display(self) -> str:
        return money.fmt(self.total)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def message(self) -> str:
        """One sentence for the biller: what happened, or what would happen."""
        if self.already_uploaded and self.upload:
            return already_uploaded_message(self.upload)
        if self.errors:
            return UploadRefused(self.errors).message
        noun = "invoice" if self.count == 1 else "invoices"
        if self.dry_run:
            verb = "is" if self.count == 1 else "are"
            return (
                f"{self.count} {noun} totalling {money.fmt(self.total)} {verb} ready "
                f"to submit for review."
            )
        return f"Submitted {self.count} {noun} totalling {money.fmt(self.total)} for review."


def already_uploaded_message(upload: BillingUpload) -> str:
    when = timezone.localtime(upload.uploaded_at)
    who = upload.uploaded_by
    name = who.get_full_name() or who.get_username()
    n = "1 invoice" if upload.invoices == 1 else f"{upload.invoices} invoices"
    return f"This file was already uploaded on {when:%m/%d/%Y} by {name} ({n})."


def file_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def upload_invoices(
    content: bytes, file_name: str, *, by: AbstractBaseUser, dry_run: bool = False
) -> UploadResult:
    """Check a billing file and, unless `dry_run`, create its invoices as SUBMITTED, whole.

    A dry run returns the invoices it would create, or every row error. A real run raises
    UploadRefused listing the row errors and creates nothing. The same file a second time creates
    nothing: the result says when, by whom and how many. A file over MAX_IMPORT_BYTES, empty, or
    not really a .csv/.xlsx raises FileRefused before any row is read.
    """
    require(by, "billing.submit")
    digest = file_hash(content)
    result = UploadResult(file_name=file_name, file_hash=digest, dry_run=dry_run)
    earlier = _earlier(digest)
    if earlier is not None:
        result.upload, result.already_uploaded = earlier, True
        return result
    parsed = fmt.parse(content, file_name, max_bytes=settings.MAX_IMPORT_BYTES)
    result.invoices = _resolve(parsed, by=by)
    result.errors = parsed.errors.sentences()
    if dry_run:
        return result
    if result.errors:
        raise UploadRefused(result.errors)
    _create(result, by=by)
    return result


def _earlier(digest: str) -> BillingUpload | None:
    return BillingUpload.objects.select_related("uploaded_by").filter(file_hash=digest).first()


def _resolve(parsed: fmt.Parsed, *, by: AbstractBaseUser) -> list[PreviewInvoice]:
    """Match each row's customer, department, charge code and terms; note what does not exist
    or what the biller may not use."""
    rows, errors = parsed.rows, parsed.errors
    numbers = {r.customer_number.upper() for r in rows}
    customers = {
        c.number.upper(): c
        for c in Customer.objects.filter(number__in=numbers | {r.customer_number for r in rows})
    }
    departments = {d.code.upper(): d for d in Department.objects.select_related("fund")}
    codes = {r.charge_code.upper() for r in rows} | {r.charge_code for r in rows}
    charge_codes = {
        c.code.upper(): c for c in ChargeCode.objects.filter(code__in=codes).select_related()
    }
    terms = {t.code.upper(): t for t in PaymentTerms.objects.filter(active=True)}
    scope = department_scope(by)
    allowed = (
        ", ".join(sorted(d.code for d in departments.values() if d.pk in scope))
        if scope is not None
        else ""
    )

    out: list[PreviewInvoice] = []
    for group in parsed.invoices:
        bad = len(errors)
        first = group.first
        customer = customers.get(first.customer_number.upper())
        if customer is None:
            errors.add(
                first.line,
                "customer_number",
                f'there is no customer "{first.customer_number}"; add the customer first.',
            )
        department = departments.get(first.department.upper())
        if department is None or not department.active:
            known = ", ".join(
                sorted(
                    d.code
                    for d in departments.values()
                    if d.active and (scope is None or d.pk in scope)
                )
            )
            what = "is not an active department" if department else "is not a department"
            errors.add(
                first.line, "department", f'"{first.department}" {what}; the codes are {known}.'
            )
            department = None
        elif scope is not None and department.pk not in scope:
            errors.add(
                first.line,
                "department",
                f"you may not bill for department {department.code}; "
                f"you bill for {allowed or 'no department'}.",
            )
            department = None
        term = None
        if group.terms:
            term = terms.get(group.terms.upper())
            if term is None:
                known = ", ".join(sorted(t.code for t in terms.values()))
                errors.add(
                    next(r.line for r in group.rows if r.terms),
                    "terms",
                    f'"{group.terms}" is not a payment terms code; the codes are {known}.',
                )
        lines = []
        for row in group.rows:
            line = _line(row, charge_codes, department, errors)
            if line is not None:
                lines.append(line)
        if len(errors) == bad and customer is not None and department is not None:
            out.append(
                PreviewInvoice(
                    key=group.key,
                    customer=customer,
                    department=department,
                    invoice_date=first.invoice_date,
                    terms=term,
                    reference=group.reference,
                    lines=tuple(lines),
                )
            )
    return out


def _line(
    row: fmt.Row,
    charge_codes: dict[str, ChargeCode],
    department: Department | None,
    errors: fmt.Errors,
) -> PreviewLine | None:
    code = charge_codes.get(row.charge_code.upper())
    if code is None:
        errors.add(row.line, "charge_code", f'there is no charge code "{row.charge_code}".')
        return None
    if not code.active:
        errors.add(row.line, "charge_code", f"charge code {code.code} is no longer active.")
        return None
    if department is not None and code.department_id != department.pk:
        errors.add(
            row.line,
            "charge_code",
            f"charge code {code.code} belongs to department {code.department.code}, "
            f"not {department.code}.",
        )
        return None
    price = row.unit_price if row.unit_price is not None else code.unit_price
    if price is None:
        errors.add(
            row.line,
            "unit_price",
            f"charge code {code.code} has no price of its own; give the unit price.",
        )
        return None
    return PreviewLine(
        line=row.line,
        charge_code=code,
        description=row.description or code.description,
        quantity=row.quantity,
        unit_price=price,
        service_from=row.service_from,
        service_to=row.service_to,
    )


@transaction.atomic
def _create(result: UploadResult, *, by: AbstractBaseUser) -> None:
    """Record the upload first (its unique hash stops a second, concurrent run of the same
    file), then create every invoice and submit them all, in this one transaction."""
    from fiscus.billing.services import LineInput, create_invoice, submit_invoices

    departments = {i.department.pk for i in result.invoices}
    try:
        with transaction.atomic():
            upload = BillingUpload.objects.create(
                file_name=result.file_name[:255],
                file_hash=result.file_hash,
                department=result.invoices[0].department if len(departments) == 1 else None,
                invoices=len(result.invoices),
                total=result.total,
                uploaded_by=by,  # type: ignore[misc]
            )
    except IntegrityError:
        raise FiscusError(
            "Someone uploaded this file a moment ago; nothing was created twice.",
            code="duplicate",
        ) from None
    drafts = []
    for preview in result.invoices:
        try:
            drafts.append(
                create_invoice(
                    by=by,
                    customer=preview.customer,
                    department=preview.department,
                    invoice_date=preview.invoice_date,
                    terms=preview.terms,
                    reference=preview.reference,
                    source=Invoice.Source.UPLOAD,
                    lines=[
                        LineInput(
                            charge_code=ln.charge_code,
                            quantity=ln.quantity,
                            unit_price=ln.unit_price,
                            description=ln.description,
                            service_from=ln.service_from,
                            service_to=ln.service_to,
                        )
                        for ln in preview.lines
                    ],
                )
            )
        except FiscusError as refused:
            # The invoice service has the last word; name the invoice's first row.
            raise UploadRefused(
                [f"Row {preview.lines[0].line}: invoice key “{preview.key}”: {refused.message}"]
            ) from None
    try:
        result.created = submit_invoices(drafts, by=by)
    except FiscusError as refused:
        raise UploadRefused([refused.message]) from None
    total = sum((i.total for i in result.created), money.ZERO)
    if total != upload.total:  # the service priced something differently: keep what it made
        upload.total = total
        upload.save(update_fields=["total"])
    result.upload = upload
    audit.record(
        "billing.uploaded",
        upload,
        by=by,
        file_name=result.file_name,
        file_hash=result.file_hash,
        invoices=len(result.created),
        total=total,
        keys={p.key: d.pk for p, d in zip(result.invoices, drafts, strict=True)},
    )

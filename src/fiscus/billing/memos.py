"""Credit and debit memos (DESIGN §3).

A credit memo posts an open item of kind credit_memo (DR the reason's account, CR AR control).
Against a posted invoice it is applied to the invoice's item at once, in full or in part; without
one it stays on the customer's account as an unapplied credit. A debit memo posts an item of kind
debit_memo (DR AR control, CR the reason's account), due by the customer's terms.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from fiscus import audit, money
from fiscus.billing.models import Invoice, InvoiceStatus, Memo, MemoKind, PaymentTerms, ReasonCode
from fiscus.customers.models import Customer
from fiscus.db import lock
from fiscus.errors import FiscusError
from fiscus.organization.models import Department
from fiscus.receivables.models import Item
from fiscus.receivables.services import ItemSpec, Offset, apply_credit, post_items

SOURCE = "memo"


class MemoError(FiscusError):
    code = "memo_refused"


def _check(reason: ReasonCode, kind: str, amount: Decimal, memo_date: date | None) -> Decimal:
    if reason.kind != kind:
        label = MemoKind(reason.kind).label.lower()
        raise MemoError(
            f"Reason {reason.code} is for a {label}; choose a reason for a "
            f"{MemoKind(kind).label.lower()}.",
            code="reason_kind",
        )
    if not reason.active:
        raise MemoError(f"Reason {reason.code} is no longer in use.", code="reason_inactive")
    if memo_date is None:
        raise MemoError("Give the memo a date.", code="memo_date")
    amount = money.cents(amount)
    if amount <= 0:
        raise MemoError("The memo's amount must be more than zero.", code="amount")
    return amount


def terms_due_date(customer: Customer, on: date) -> date:
    """The due date the customer's payment terms give a document dated `on`."""
    terms = PaymentTerms.objects.filter(code=customer.terms).first()
    days = terms.days if terms is not None else customer.terms_days
    return on + timedelta(days=days)


def _memo(
    *,
    kind: str,
    item: Item,
    customer: Customer,
    reason: ReasonCode,
    department: Department,
    memo_date: date,
    amount: Decimal,
    description: str,
    invoice: Invoice | None,
    by: AbstractBaseUser,
) -> Memo:
    return Memo.objects.create(
        kind=kind,
        number=item.number,
        customer=customer,
        invoice=invoice,
        reason=reason,
        department=department,
        memo_date=memo_date,
        amount=amount,
        description=description,
        item=item,
        posted_by=by,  # type: ignore[misc]
        posted_at=item.posted_at,
    )


@transaction.atomic
def issue_credit_memo(
    *,
    by: AbstractBaseUser,
    customer: Customer,
    reason: ReasonCode,
    amount: Decimal,
    memo_date: date,
    invoice: Invoice | None = None,
    department: Department | None = None,
    description: str = "",
) -> Memo:
    """Credit a customer: against a posted invoice (full or partial), or on account."""
    amount = _check(reason, MemoKind.CREDIT, amount, memo_date)
    description = description.strip()
    invoice_item: Item | None = None
    if invoice is not None:
        invoice = lock(invoice)
        if invoice.status != InvoiceStatus.POSTED or invoice.item_id is None:
            raise MemoError(
                f"Invoice {invoice} is not posted; only a posted invoice can be credited.",
                code="invoice_not_posted",
            )
        if invoice.customer_id != customer.pk:
            raise MemoError(
                f"Invoice {invoice.number} belongs to another customer.", code="invoice_customer"
            )
        invoice_item = Item.objects.select_for_update().get(pk=invoice.item_id)
        if amount > invoice_item.open_amount:
            raise MemoError(
                f"The credit of {money.fmt(amount)} is more than the "
                f"{money.fmt(invoice_item.open_amount)} still open on invoice {invoice.number}; "
                "credit at most the open amount, or issue the rest on account.",
                code="more_than_open",
            )
        if memo_date < invoice_item.posted_on:
            raise MemoError(
                f"A credit memo cannot be dated before its invoice was posted "
                f"({invoice_item.posted_on:%m/%d/%Y}).",
                code="memo_date",
            )
        department = invoice.department
        fund = invoice_item.fund
    else:
        department = department or customer.department
        if department is None:
            raise MemoError("Choose the department the credit is for.", code="department")
        fund = department.fund
    spec = ItemSpec(
        customer=customer,
        kind=Item.Kind.CREDIT_MEMO,
        amount=-amount,
        fund=fund,
        document_date=memo_date,
        due_date=memo_date,
        offsets=[Offset(reason.account, amount, department=department, memo=reason.name)],
        department=department,
        description=description or reason.name,
        reference=(invoice.number or "") if invoice is not None else "",
    )
    item = post_items([spec], on=memo_date, by=by, source=SOURCE, memo=reason.name)[0]
    memo = _memo(
        kind=MemoKind.CREDIT,
        item=item,
        customer=customer,
        reason=reason,
        department=department,
        memo_date=memo_date,
        amount=amount,
        description=description,
        invoice=invoice,
        by=by,
    )
    if invoice_item is not None:
        apply_credit(item, invoice_item, amount, on=memo_date, by=by, note=f"Credit memo {memo}")
    audit.record(
        "memo.issued",
        memo,
        by=by,
        kind=memo.kind,
        amount=amount,
        customer=customer.number,
        reason=reason.code,
        invoice=invoice.number if invoice is not None else None,
    )
    return memo


@transaction.atomic
def issue_debit_memo(
    *,
    by: AbstractBaseUser,
    customer: Customer,
    reason: ReasonCode,
    amount: Decimal,
    memo_date: date,
    department: Department,
    description: str = "",
    due_date: date | None = None,
) -> Memo:
    """Bill a customer more (underbilled, an additional service): due by their terms."""
    amount = _check(reason, MemoKind.DEBIT, amount, memo_date)
    if department is None:
        raise MemoError("Choose the department the debit memo is for.", code="department")
    due = due_date or terms_due_date(customer, memo_date)
    if due < memo_date:
        raise MemoError("The due date cannot be before the memo date.", code="due_date")
    description = description.strip()
    spec = ItemSpec(
        customer=customer,
        kind=Item.Kind.DEBIT_MEMO,
        amount=amount,
        fund=department.fund,
        document_date=memo_date,
        due_date=due,
        offsets=[Offset(reason.account, amount, department=department, memo=reason.name)],
        department=department,
        description=description or reason.name,
    )
    item = post_items([spec], on=memo_date, by=by, source=SOURCE, memo=reason.name)[0]
    memo = _memo(
        kind=MemoKind.DEBIT,
        item=item,
        customer=customer,
        reason=reason,
        department=department,
        memo_date=memo_date,
        amount=amount,
        description=description,
        invoice=None,
        by=by,
    )
    audit.record(
        "memo.issued",
        memo,
        by=by,
        kind=memo.kind,
        amount=amount,
        customer=customer.number,
        reason=reason.code,
        due_date=due,
    )
    return memo

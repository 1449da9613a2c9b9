"""Adjustments, write-offs, transfers and refunds, with approvals (DESIGN §3, §5).

`prepare` writes a request: its kind, reason, lines and accounting date. A request whose total
is more than its kind's threshold waits for a supervisor (`approve`, `reject`); one within the
threshold posts at once. Whoever prepared a request cannot approve it. A rejected request goes
back to its preparer with the comment, who may change nothing and `resubmit` it with a reply, or
`withdraw` it. Nothing posts before approval.

Posting, per line (an item's open amount moves `amount` toward zero):
- write-off, small-balance write-off, correcting entry of a debit item: DR the reason's account
  (allowance, expense or revenue), CR AR control; -amount against the item;
- correcting entry of a credit item: DR AR control, CR the reason's account; +amount against it;
- transfer: CR AR control for the item's customer, DR AR control for the receiving customer;
  -amount against the item and a new item (debit or credit memo, with the item's document and
  due dates, so its age does not change) on the receiving customer;
- refund of a credit item: DR AR control, CR refunds payable; +amount against the credit item.

A written-off item is "discharged" (Cal. Gov. Code 25257-25259): it stays on the customer's
account, and a later payment `reinstate`s the write-off for what it pays (DR AR control, CR the
write-off's account; +amount against the item) and applies to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from fiscus import audit, money
from fiscus.adjustments.models import (
    DISCHARGING,
    UNDECIDED,
    AdjustmentSettings,
    Kind,
    Line,
    Reason,
    RefundVoucher,
    Reinstatement,
    Request,
    RequestEvent,
    Status,
)
from fiscus.customers.models import Customer
from fiscus.db import lock
from fiscus.errors import FiscusError, PermissionDenied
from fiscus.ledger.services import EntrySpec, post_entries
from fiscus.ledger.services import Line as GL
from fiscus.organization.models import Account
from fiscus.organization.services import account, next_number, period_for
from fiscus.receivables.models import Item
from fiscus.receivables.services import (
    ItemSpec,
    Offset,
    apply_credit,
    post_item,
    write_entries,
)

Action = RequestEvent.Action
SOURCE = "adjustment"
NUMBER_PREFIX = {
    Kind.WRITE_OFF: "WO",
    Kind.SMALL_BALANCE: "WO",
    Kind.CORRECTION: "ADJ",
    Kind.TRANSFER: "TRF",
    Kind.REFUND: "REF",
}


class AdjustmentError(FiscusError):
    code = "adjustment_refused"


def adjustment_settings() -> AdjustmentSettings:
    found = AdjustmentSettings.objects.order_by("pk").first()
    return found if found is not None else AdjustmentSettings.objects.create()


@transaction.atomic
def update_settings(*, by: AbstractBaseUser, **values: Decimal | int) -> AdjustmentSettings:
    """Change the thresholds or the small-balance limit; simple-history keeps before and after."""
    current = lock(adjustment_settings())
    before = {k: str(getattr(current, k)) for k in values}
    for field, value in values.items():
        if not hasattr(current, field) or field in {"id", "pk"}:
            raise AdjustmentError(f"Unknown setting {field!r}.")
        setattr(current, field, value)
    current.full_clean()
    current.save()
    audit.record(
        "adjustments.settings_changed",
        current,
        by=by,
        before=before,
        after={k: str(v) for k, v in values.items()},
    )
    return current


@dataclass(frozen=True)
class Wanted:
    """One line of a request being prepared: how much of which item."""

    item: Item
    amount: Decimal


def _event(request: Request, action: str, by: AbstractBaseUser, comment: str = "") -> None:
    RequestEvent.objects.create(request=request, action=action, by=by, comment=comment[:400])  # type: ignore[misc]


def _check_line(kind: str, item: Item, amount: Decimal, n: int, many: bool) -> None:
    where = f"Line {n} ({item.number})" if many else f"Item {item.number}"
    if amount <= 0:
        raise AdjustmentError(f"{where}: the amount must be more than zero.", code="amount")
    is_credit = item.amount < 0
    if kind in {Kind.WRITE_OFF, Kind.SMALL_BALANCE} and is_credit:
        raise AdjustmentError(
            f"{where} is a credit; only what a customer owes can be written off. Refund a "
            "credit balance, or correct it.",
            code="credit_item",
        )
    if kind == Kind.REFUND and not is_credit:
        raise AdjustmentError(
            f"{where} is not a credit; only a credit balance can be refunded.",
            code="not_credit",
        )
    open_ = abs(item.open_amount)
    if amount > open_:
        raise AdjustmentError(
            f"{where}: {money.fmt(amount)} is more than the {money.fmt(open_)} still open.",
            code="more_than_open",
        )


def _pending_on(items: Iterable[int], exclude: Request | None = None) -> dict[int, str]:
    """Items already in a request waiting for approval (or returned to its preparer)."""
    lines = Line.objects.filter(item_id__in=list(items), request__status__in=UNDECIDED)
    if exclude is not None:
        lines = lines.exclude(request=exclude)
    return dict(lines.values_list("item_id", "request__number"))


@transaction.atomic
def prepare(
    *,
    by: AbstractBaseUser,
    kind: str,
    reason: Reason,
    lines: Sequence[Wanted],
    on: date,
    description: str = "",
    to_customer: Customer | None = None,
    payee_name: str = "",
    payee_address: str = "",
) -> Request:
    """Prepare a request. Within its kind's threshold it posts at once; above, it waits."""
    if kind not in Kind.values:
        raise AdjustmentError(f"Unknown kind of adjustment {kind!r}.", code="kind")
    if reason.kind != kind:
        raise AdjustmentError(
            f"Reason {reason.code} is for a {Kind(reason.kind).label.lower()}; choose a reason "
            f"for a {Kind(kind).label.lower()}.",
            code="reason_kind",
        )
    if not reason.active:
        raise AdjustmentError(f"Reason {reason.code} is no longer in use.", code="reason_inactive")
    if not lines:
        raise AdjustmentError("Choose at least one item.", code="no_lines")
    if on > timezone.localdate():
        raise AdjustmentError("The accounting date is in the future.", code="bad_date")
    period_for(on)
    ids = [w.item.pk for w in lines]
    if len(set(ids)) != len(ids):
        raise AdjustmentError("An item is listed twice.", code="duplicate_item")
    items = {i.pk: i for i in Item.objects.select_for_update().filter(pk__in=ids)}
    many = len(lines) > 1
    for n, wanted in enumerate(lines, start=1):
        item = items[wanted.item.pk]
        _check_line(kind, item, money.cents(wanted.amount), n, many)
        if on < item.posted_on:
            raise AdjustmentError(
                f"Item {item.number} was posted on {item.posted_on:%m/%d/%Y}; date the "
                "adjustment on or after that day.",
                code="bad_date",
            )
    taken = _pending_on(ids)
    if taken:
        item_id, number = next(iter(taken.items()))
        raise AdjustmentError(
            f"Item {items[item_id].number} is already in request {number}, which is not yet "
            "decided.",
            code="already_requested",
        )
    customers = {items[w.item.pk].customer_id for w in lines}
    if kind in {Kind.TRANSFER, Kind.REFUND} and len(customers) > 1:
        raise AdjustmentError(
            f"A {Kind(kind).label.lower()} is for one customer's items.", code="many_customers"
        )
    if kind == Kind.TRANSFER:
        if to_customer is None:
            raise AdjustmentError("Choose the customer to transfer to.", code="to_customer")
        if to_customer.pk in customers:
            raise AdjustmentError(
                "The items already belong to that customer; choose another.", code="to_customer"
            )
    elif to_customer is not None:
        raise AdjustmentError("Only a transfer has a receiving customer.", code="to_customer")
    if kind == Kind.REFUND and not payee_name.strip():
        raise AdjustmentError("Name the payee of the refund.", code="payee")
    total = money.cents(sum((money.cents(w.amount) for w in lines), money.ZERO))
    if kind == Kind.REFUND:
        who = items[lines[0].item.pk].customer
        owed = credit_balance(who)
        if total > owed:
            raise AdjustmentError(
                f"{who} has a credit balance of {money.fmt(owed)}; a refund cannot be more "
                "(apply their credits to their open invoices first).",
                code="more_than_credit",
            )
    threshold = adjustment_settings().threshold(kind)
    customer_id = next(iter(customers)) if len(customers) == 1 else None
    prefix = NUMBER_PREFIX[Kind(kind)]
    request = Request.objects.create(
        number=next_number(prefix, on),
        kind=kind,
        reason=reason,
        customer_id=customer_id,
        to_customer=to_customer,
        effective_date=on,
        total=total,
        description=description.strip()[:400],
        needs_approval=total > threshold,
        prepared_by=by,  # type: ignore[misc]
        prepared_at=timezone.now(),
        payee_name=payee_name.strip()[:200],
        payee_address=payee_address.strip(),
    )
    Line.objects.bulk_create(
        [
            Line(
                request=request,
                item=items[w.item.pk],
                customer_id=items[w.item.pk].customer_id,
                amount=money.cents(w.amount),
            )
            for w in lines
        ]
    )
    _event(request, Action.PREPARED, by, request.description)
    audit.record(
        "adjustment.prepared",
        request,
        by=by,
        kind=kind,
        reason=reason.code,
        total=total,
        lines=len(lines),
        needs_approval=request.needs_approval,
    )
    if not request.needs_approval:
        _post(request, by=by)
    return request


def _decidable(request: Request, by: AbstractBaseUser) -> Request:
    request = lock(request)
    if request.status != Status.PENDING:
        raise AdjustmentError(
            f"Request {request.number} is {Status(request.status).label.lower()}; only a "
            "request waiting for approval can be decided.",
            code="not_pending",
        )
    if request.prepared_by_id == by.pk:
        raise PermissionDenied(
            f"You prepared request {request.number}; another supervisor must decide it "
            "(separation of duties).",
            code="own_request",
        )
    return request


@transaction.atomic
def approve(request: Request, *, by: AbstractBaseUser, comment: str = "") -> Request:
    """Approve and post a request waiting for approval. Its preparer cannot."""
    request = _decidable(request, by)
    request.decided_by = by  # type: ignore[assignment]
    request.decided_at = timezone.now()
    request.comment = comment.strip()[:400]
    request.save(update_fields=["decided_by", "decided_at", "comment"])
    _event(request, Action.APPROVED, by, comment)
    audit.record("adjustment.approved", request, by=by, total=request.total, comment=comment)
    _post(request, by=by)
    return request


@transaction.atomic
def reject(request: Request, *, by: AbstractBaseUser, comment: str) -> Request:
    """Send a request back to its preparer, saying why. Nothing posts."""
    if not comment.strip():
        raise AdjustmentError("Say why the request is rejected.", code="comment_required")
    request = _decidable(request, by)
    request.status = Status.REJECTED
    request.decided_by = by  # type: ignore[assignment]
    request.decided_at = timezone.now()
    request.comment = comment.strip()[:400]
    request.save(update_fields=["status", "decided_by", "decided_at", "comment"])
    _event(request, Action.REJECTED, by, comment)
    audit.record("adjustment.rejected", request, by=by, comment=comment)
    return request


@transaction.atomic
def resubmit(request: Request, *, by: AbstractBaseUser, comment: str = "") -> Request:
    """The preparer sends a rejected request back for approval, with a reply."""
    request = lock(request)
    if request.status != Status.REJECTED:
        raise AdjustmentError(f"Request {request.number} was not rejected.", code="not_rejected")
    if request.prepared_by_id != by.pk:
        raise PermissionDenied(
            f"Only the preparer of request {request.number} can resubmit it.", code="not_preparer"
        )
    lines = list(request.lines.select_related("item"))
    for n, line in enumerate(lines, start=1):
        _check_line(request.kind, line.item, line.amount, n, len(lines) > 1)
    request.status = Status.PENDING
    request.save(update_fields=["status"])
    _event(request, Action.RESUBMITTED, by, comment)
    audit.record("adjustment.resubmitted", request, by=by, comment=comment)
    return request


@transaction.atomic
def withdraw(request: Request, *, by: AbstractBaseUser, comment: str = "") -> Request:
    """Take back a request not yet posted (its preparer, or a supervisor rejecting for good)."""
    from fiscus.organization.roles import can

    request = lock(request)
    if request.prepared_by_id != by.pk and not can(by, "adjustments.approve"):
        raise PermissionDenied(
            f"Only the preparer of request {request.number} or a supervisor can withdraw it.",
            code="not_preparer",
        )
    if request.status not in UNDECIDED:
        raise AdjustmentError(
            f"Request {request.number} is {Status(request.status).label.lower()}; only an "
            "undecided request can be withdrawn.",
            code="not_pending",
        )
    request.status = Status.WITHDRAWN
    request.save(update_fields=["status"])
    _event(request, Action.WITHDRAWN, by, comment)
    audit.record("adjustment.withdrawn", request, by=by, comment=comment)
    return request


def _post(request: Request, *, by: AbstractBaseUser) -> None:
    """Post an approved (or within-threshold) request: its GL and receivable rows."""
    on = request.effective_date
    period_for(on)
    lines = list(request.lines.order_by("item_id"))
    items = {
        i.pk: i
        for i in Item.objects.select_for_update().filter(pk__in=[ln.item_id for ln in lines])
    }
    many = len(lines) > 1
    for n, line in enumerate(lines, start=1):
        line.item = items[line.item_id]
        _check_line(request.kind, line.item, line.amount, n, many)
    source = f"{SOURCE}.{request.kind}"
    if request.kind == Kind.TRANSFER:
        je = _post_transfer(request, lines, by=by)
    else:
        je = post_entries(
            [
                EntrySpec(
                    on=on,
                    memo=f"{request.number}: {request.reason.name}",
                    lines=_gl_lines(request, lines),
                    source=source,
                )
            ],
            by=by,
        )[0]
        write_entries(
            [
                (
                    ln.item,
                    ln.amount if ln.item.amount < 0 else -ln.amount,
                    source,
                    request.number,
                    on,
                    je,
                )
                for ln in lines
            ],
            by=by,
        )
    request.status = Status.POSTED
    request.posted_at = timezone.now()
    request.journal_entry = je
    request.save(update_fields=["status", "posted_at", "journal_entry"])
    _event(request, Action.POSTED, by)
    audit.record(
        "adjustment.posted",
        request,
        by=by,
        kind=request.kind,
        total=request.total,
        journal_entry=je.number,
        items=[ln.item.number for ln in lines],
    )


def _gl_lines(request: Request, lines: Sequence[Line]) -> list[GL]:
    """DR the reason's account, CR AR control for what is owed; the other way for a credit."""
    ar = account(Account.Role.AR_CONTROL)
    other = request.reason.account
    assert other is not None  # only a transfer's reason has no account (a constraint)
    out: list[GL] = []
    for ln in lines:
        item, a = ln.item, ln.amount
        if item.amount < 0:  # a credit balance, refunded or corrected
            out.append(GL.dr(ar, item.fund, a, department=item.department, memo=item.number))
            out.append(GL.cr(other, item.fund, a, department=item.department, memo=item.number))
        else:
            out.append(GL.dr(other, item.fund, a, department=item.department, memo=item.number))
            out.append(GL.cr(ar, item.fund, a, department=item.department, memo=item.number))
    return out


def _post_transfer(request: Request, lines: Sequence[Line], *, by: AbstractBaseUser) -> Any:
    """Each item's open amount (or part) moves to the receiving customer as a new item with the
    same fund, department, document date and due date: its age does not change. The new item's
    entry is DR AR control / CR AR control (the reverse for a credit), so AR control's balance
    moves between customers and nothing else changes."""
    to = request.to_customer
    assert to is not None
    ar = account(Account.Role.AR_CONTROL)
    on = request.effective_date
    source = f"{SOURCE}.transfer"
    first = None
    for ln in lines:
        item = ln.item
        credit = item.amount < 0
        new = post_item(
            ItemSpec(
                customer=to,
                kind=Item.Kind.CREDIT_MEMO if credit else Item.Kind.DEBIT_MEMO,
                amount=-ln.amount if credit else ln.amount,
                fund=item.fund,
                department=item.department,
                document_date=min(item.document_date, on),
                due_date=max(item.due_date, min(item.document_date, on)),
                offsets=[Offset(ar, ln.amount, department=item.department, memo=item.number)],
                description=f"Transferred from {item.customer} {item.number}"[:200],
                reference=request.number,
            ),
            on=on,
            by=by,
            source=source,
        )
        je = new.journal_entry
        write_entries(
            [(item, ln.amount if credit else -ln.amount, source, request.number, on, je)], by=by
        )
        ln.new_item = new
        ln.save(update_fields=["new_item"])
        first = first or je
    return first


def discharged(lines: QuerySet[Line] | None = None) -> QuerySet[Line]:
    """Written-off lines still discharged (not all reinstated), each with `still` annotated."""
    from django.db.models import DecimalField, F, Value
    from django.db.models.functions import Coalesce

    qs = Line.objects.all() if lines is None else lines
    return (
        qs.filter(request__kind__in=DISCHARGING, request__status=Status.POSTED)
        .annotate(
            reinstated=Coalesce(
                Sum("reinstatements__amount"),
                Value(money.ZERO),
                output_field=DecimalField(max_digits=14, decimal_places=2),
            )
        )
        .annotate(still=F("amount") - F("reinstated"))
        .filter(still__gt=0)
        .select_related("item", "customer", "request", "request__reason")
        .order_by("item__due_date", "id")
    )


@transaction.atomic
def reinstate(
    line: Line, credit_item: Item, amount: Decimal, *, on: date, by: AbstractBaseUser
) -> Reinstatement:
    """A debtor paid a discharged item: reverse the write-off for `amount` and apply the payment
    (or credit) to the item. The item is open again only for the moment between the two."""
    line = lock(line)
    request = line.request
    amount = money.cents(amount)
    if request.kind not in DISCHARGING or request.status != Status.POSTED:
        raise AdjustmentError(
            f"{request.number} is not a posted write-off; nothing is discharged.",
            code="not_discharged",
        )
    still = line.amount - (line.reinstatements.aggregate(s=Sum("amount"))["s"] or money.ZERO)
    item = lock(line.item)
    if amount <= 0:
        raise AdjustmentError("The amount must be more than zero.", code="amount")
    if amount > still:
        raise AdjustmentError(
            f"Only {money.fmt(still)} of item {item.number} is still discharged.",
            code="more_than_discharged",
        )
    credit_item = lock(credit_item)
    if credit_item.customer_id != item.customer_id:
        raise AdjustmentError(
            f"{credit_item.number} belongs to another customer.", code="other_customer"
        )
    if credit_item.amount > 0 or -credit_item.open_amount < amount:
        raise AdjustmentError(
            f"{credit_item.number} has {money.fmt(-min(credit_item.open_amount, money.ZERO))} "
            f"unapplied, less than {money.fmt(amount)}.",
            code="not_enough_credit",
        )
    if on < max(request.effective_date, credit_item.posted_on):
        raise AdjustmentError(
            "Date the reinstatement on or after both the write-off and the payment.",
            code="bad_date",
        )
    if on > timezone.localdate():
        raise AdjustmentError("The date is in the future.", code="bad_date")
    period_for(on)
    reason = request.reason
    assert reason.account is not None
    ar = account(Account.Role.AR_CONTROL)
    source = f"{SOURCE}.reinstated"
    je = post_entries(
        [
            EntrySpec(
                on=on,
                memo=f"{request.number}: reinstated {item.number}, paid by {credit_item.number}",
                lines=[
                    GL.dr(ar, item.fund, amount, department=item.department, memo=item.number),
                    GL.cr(reason.account, item.fund, amount, department=item.department),
                ],
                source=source,
            )
        ],
        by=by,
    )[0]
    write_entries([(item, amount, source, request.number, on, je)], by=by)
    application = apply_credit(
        credit_item, item, amount, on=on, by=by, note=f"Paid after write-off {request.number}"
    )
    _cash_reason(credit_item, application)
    done = Reinstatement.objects.create(
        line=line,
        amount=amount,
        credit_item=credit_item,
        application=application,
        effective_date=on,
        journal_entry=je,
        created_by=by,  # type: ignore[misc]
    )
    audit.record(
        "adjustment.reinstated",
        request,
        by=by,
        item=item.number,
        amount=amount,
        paid_by=credit_item.number,
    )
    return done


def _cash_reason(credit_item: Item, application: Any) -> None:
    """A payment's applications each say why (the cash app's reason): here, by hand, to a
    discharged debt."""
    from fiscus.cash.models import ApplicationReason, Payment

    payment = Payment.objects.filter(item=credit_item).first()
    if payment is not None:
        ApplicationReason.objects.create(
            application=application, payment=payment, automatic=False, rule="discharged"
        )


@transaction.atomic
def pay_discharged(credit_item: Item, *, on: date, by: AbstractBaseUser) -> list[Reinstatement]:
    """Apply what is unapplied of a payment (or credit) to its customer's discharged items,
    oldest due first: each reinstated for what it gets."""
    credit_item = lock(credit_item)
    left = -credit_item.open_amount if credit_item.amount < 0 else money.ZERO
    done = []
    for line in discharged(Line.objects.filter(customer_id=credit_item.customer_id)):
        if left <= 0:
            break
        part = min(left, line.still)  # type: ignore[attr-defined]
        done.append(reinstate(line, credit_item, part, on=on, by=by))
        left -= part
    if not done:
        raise AdjustmentError(
            f"{credit_item.number} has nothing unapplied, or its customer has no discharged items.",
            code="nothing_to_apply",
        )
    return done


def credit_balance(customer: Customer) -> Decimal:
    """What the agency owes the customer (positive), net of what the customer owes: a refund
    may not exceed it."""
    total = Item.objects.filter(customer=customer).aggregate(s=Sum("open_amount"))["s"]
    return max(-(total or money.ZERO), money.ZERO)


def refund_lines(customer: Customer, amount: Decimal) -> list[Wanted]:
    """Which credit items a refund of `amount` takes, oldest first."""
    amount = money.cents(amount)
    left, out = amount, []
    credits = Item.objects.filter(customer=customer, open_amount__lt=0).order_by(
        "document_date", "id"
    )
    for item in credits:
        if left <= 0:
            break
        part = min(left, -item.open_amount)
        out.append(Wanted(item, part))
        left -= part
    return out


@transaction.atomic
def request_refund(
    *,
    by: AbstractBaseUser,
    customer: Customer,
    reason: Reason,
    amount: Decimal,
    on: date,
    payee_name: str = "",
    payee_address: str = "",
    description: str = "",
) -> Request:
    """Refund (part of) a customer's credit balance: at most what the agency owes them net of
    their open invoices (apply a credit to an open invoice before refunding it)."""
    customer = lock(customer)
    amount = money.cents(amount)
    owed = credit_balance(customer)
    if amount <= 0:
        raise AdjustmentError("The refund must be more than zero.", code="amount")
    if amount > owed:
        raise AdjustmentError(
            f"{customer} has a credit balance of {money.fmt(owed)}; a refund cannot be more "
            "(apply their credits to their open invoices first).",
            code="more_than_credit",
        )
    name = payee_name.strip() or customer.name
    return prepare(
        by=by,
        kind=Kind.REFUND,
        reason=reason,
        lines=refund_lines(customer, amount),
        on=on,
        description=description,
        payee_name=name,
        payee_address=payee_address.strip() or customer_address(customer),
    )


def customer_address(customer: Customer) -> str:
    """The customer's billing address (else mailing, else any), as lines."""
    from fiscus.billing.documents import bill_to_address

    chosen = bill_to_address(list(customer.addresses.all()))
    if chosen is None:
        return ""
    city = f"{chosen.city}, {chosen.state} {chosen.postal_code}".strip(", ")
    return "\n".join(x for x in (chosen.line1, chosen.line2, city) if x)


# The refund voucher file for accounts payable: one row per refund, in this order. The README
# documents each column; AP imports it as vouchers to pay (check or EFT) from refunds payable.
VOUCHER_COLUMNS = (
    "voucher_batch",
    "refund_number",
    "approved_date",
    "payee_name",
    "address_1",
    "address_2",
    "address_3",
    "amount",
    "customer_number",
    "fund",
    "department",
    "account",
    "description",
)


def _voucher_rows(refunds: Sequence[Request], batch: str) -> list[list[str]]:
    payable = account(Account.Role.REFUNDS_PAYABLE)
    rows = []
    for r in refunds:
        address = [x.strip() for x in r.payee_address.splitlines() if x.strip()]
        address = [*address[:2], ", ".join(address[2:])] if len(address) > 3 else address
        address += [""] * (3 - len(address))
        first = r.lines.select_related("item__fund", "item__department").first()
        assert first is not None and r.customer is not None
        rows.append(
            [
                batch,
                r.number,
                f"{r.effective_date:%Y-%m-%d}",
                r.payee_name,
                *address,
                f"{r.total:.2f}",
                r.customer.number,
                first.item.fund.code,
                first.item.department.code if first.item.department else "",
                payable.code,
                f"Refund {r.number}: {r.reason.name}"[:100],
            ]
        )
    return rows


def refunds_to_send() -> QuerySet[Request]:
    return Request.objects.filter(
        kind=Kind.REFUND, status=Status.POSTED, voucher__isnull=True
    ).select_related("customer", "reason")


@transaction.atomic
def export_vouchers(*, by: AbstractBaseUser) -> RefundVoucher:
    """Send every approved refund not yet sent to accounts payable, as one voucher file."""
    import csv
    import io

    refunds = list(refunds_to_send().select_for_update(of=("self",)).order_by("number"))
    if not refunds:
        raise AdjustmentError("No approved refund is waiting to be sent.", code="nothing_to_send")
    today = timezone.localdate()
    number = next_number("VCH", today)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(VOUCHER_COLUMNS)
    writer.writerows(_voucher_rows(refunds, number))
    total = money.cents(sum((r.total for r in refunds), money.ZERO))
    voucher = RefundVoucher.objects.create(
        number=number,
        file_name=f"{number}.csv",
        content=out.getvalue(),
        count=len(refunds),
        total=total,
        created_by=by,  # type: ignore[misc]
    )
    Request.objects.filter(pk__in=[r.pk for r in refunds]).update(voucher=voucher)
    for r in refunds:
        _event(r, Action.EXPORTED, by, voucher.number)
    audit.record("refunds.exported", voucher, by=by, count=len(refunds), total=total)
    return voucher


@transaction.atomic
def mark_paid(
    request: Request, *, by: AbstractBaseUser, paid_on: date, paid_by: str, reference: str
) -> Request:
    """Accounts payable paid a refund: record its check or EFT number."""
    request = lock(request)
    if not request.is_refund or request.status != Status.POSTED:
        raise AdjustmentError(f"{request.number} is not an approved refund.", code="not_refund")
    if request.voucher_id is None:
        raise AdjustmentError(
            f"Refund {request.number} has not been sent to accounts payable yet.",
            code="not_sent",
        )
    if request.paid_on is not None:
        raise AdjustmentError(
            f"Refund {request.number} was already paid on {request.paid_on:%m/%d/%Y}.",
            code="already_paid",
        )
    if paid_by not in Request.PaidBy.values:
        raise AdjustmentError("Say whether it was paid by check or EFT.", code="paid_by")
    if not reference.strip():
        raise AdjustmentError("Give the check or EFT number.", code="reference")
    if paid_on < request.effective_date or paid_on > timezone.localdate():
        raise AdjustmentError(
            "The payment date must be between the approval and today.", code="bad_date"
        )
    request.paid_on, request.paid_by = paid_on, paid_by
    request.paid_reference = reference.strip()[:40]
    request.save(update_fields=["paid_on", "paid_by", "paid_reference"])
    label = Request.PaidBy(paid_by).label
    _event(request, Action.PAID, by, f"{label} {request.paid_reference}")
    audit.record("refund.paid", request, by=by, paid_by=paid_by, reference=reference)
    return request


def write_off_candidates(
    *, on: date, min_days: int, below: Decimal | None = None
) -> QuerySet[Item]:
    """Open debit items at least `min_days` past due on `on` (and below `below`), not disputed
    and not already in an undecided request: what a write-off batch proposes."""
    found = (
        Item.objects.filter(
            open_amount__gt=0, due_date__lte=on - timedelta(days=min_days), disputed=False
        )
        .exclude(pk__in=Line.objects.filter(request__status__in=UNDECIDED).values("item_id"))
        .select_related("customer")
        .order_by("customer__number", "due_date", "id")
    )
    return found if below is None else found.filter(open_amount__lt=money.cents(below))


def small_balances(limit: Decimal, *, min_days: int, on: date) -> QuerySet[Item]:
    """The small-balance run's proposal: the write-off candidates below `limit`."""
    return write_off_candidates(on=on, min_days=min_days, below=limit)


def to_approve(user: AbstractBaseUser) -> QuerySet[Request]:
    """Requests waiting for approval that `user` may decide (not their own), oldest first."""
    return (
        Request.objects.filter(status=Status.PENDING)
        .exclude(prepared_by_id=user.pk)
        .order_by("prepared_at")
    )


@transaction.atomic
def add_reason(
    *, by: AbstractBaseUser, code: str, name: str, kind: str, account: Account | None
) -> Reason:
    """A new reason code; every kind but a transfer names the GL account it posts to."""
    code = code.strip().upper()
    if Reason.objects.filter(code=code).exists():
        raise AdjustmentError(f"Reason {code} already exists.", code="duplicate")
    if kind != Kind.TRANSFER and account is None:
        raise AdjustmentError("Choose the GL account the reason posts to.", code="account")
    if kind == Kind.REFUND and account is not None and account.role != Account.Role.REFUNDS_PAYABLE:
        raise AdjustmentError("A refund posts to the refunds payable account.", code="account")
    reason = Reason.objects.create(
        code=code,
        name=name.strip(),
        kind=kind,
        account=None if kind == Kind.TRANSFER else account,
    )
    audit.record("adjustments.reason_added", reason, by=by, kind=kind)
    return reason


@transaction.atomic
def set_reason_active(reason: Reason, active: bool, *, by: AbstractBaseUser) -> Reason:
    reason = lock(reason)
    reason.active = active
    reason.save(update_fields=["active"])
    audit.record("adjustments.reason_changed", reason, by=by, active=active)
    return reason

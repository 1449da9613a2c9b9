"""Returned payments, in one step: a check back NSF, a stop payment, a closed account, an ACH
return.

`return_payment` finds nothing by itself; the caller names the payment (`find_returned` helps:
by check number, amount and date, or by the ACH trace). In one transaction it then

1. reverses each application of the payment, so the invoices are open again (their due dates
   never changed);
2. reverses the bank side: DR AR control (or unidentified receipts, for a payment nobody was
   found for), CR cash in bank when the deposit's day was balanced, else undeposited cash; and
   +amount against the payment's item, which closes it at zero (DESIGN §3);
3. for a dishonored payment (NSF, stop payment, closed account, and the ACH codes R01, R02, R08
   and R09 that mean them), assesses the returned-payment fee by the agency's rule
   (`CashSettings.returned_fee_rule`): the actual cost (Gov. Code 6157), or Civil Code 1719's
   schedule ($25, then $35 for each later return within 12 months), as a new fee item; any
   other ACH return (a wrong account number, an authorization dispute) charges nothing;
4. for a dishonored payment, puts the customer on cash or certified funds only, for
   `cash_only_days`, or for good after `cash_only_after_returns` returns within 12 months
   (Gov. Code 6157 allows it).

The return stays on the dashboard's "returned payments to work" until a technician marks it
worked (the returned-check notice sent). `redeposit` undoes steps 1 and 2 when the bank presents
the check again and it clears; the fee and the cash-only rule stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from fiscus import audit, money
from fiscus.cash.models import (
    Deposit,
    Payment,
    ReturnedFeeRule,
    ReturnedPayment,
    ReturnReason,
)
from fiscus.cash.services import Actor, CashError, _check_scope, apply_payment, cash_settings
from fiscus.customers.models import Customer
from fiscus.db import lock
from fiscus.ledger.services import EntrySpec, Line, post_entries
from fiscus.organization.models import Account
from fiscus.organization.services import account, next_number, period_for
from fiscus.receivables.models import Application, Item
from fiscus.receivables.services import (
    ItemSpec,
    Offset,
    post_item,
    reverse_application,
    write_entries,
)

YEAR = timedelta(days=365)
# a payment dishonored by the payer's bank: the fee and cash-only apply (Civil Code 1719, Gov.
# Code 6157). Any other ACH return (a wrong account number, an authorization dispute) reopens
# the items but charges nothing and changes no payment rule.
DISHONORED = frozenset({ReturnReason.NSF, ReturnReason.STOP_PAYMENT, ReturnReason.CLOSED_ACCOUNT})
FEE_DUE_DAYS = 30
ACH_REASONS = {
    "R01": ReturnReason.NSF,
    "R09": ReturnReason.NSF,  # uncollected funds
    "R02": ReturnReason.CLOSED_ACCOUNT,
    "R08": ReturnReason.STOP_PAYMENT,
}


def reason_for_ach(code: str) -> str:
    """The return reason an ACH return code stands for (R01: NSF ...); any other: ACH return."""
    return ACH_REASONS.get(code.upper(), ReturnReason.ACH_RETURN)


def find_returned(
    *,
    check_number: str = "",
    amount: Decimal | None = None,
    on: date | None = None,
    trace: str = "",
) -> QuerySet[Payment]:
    """The payments a returned item may be: by the ACH trace (the payment's reference), or by
    check number and amount, received on or before `on` and not already returned."""
    found = Payment.objects.select_related("customer", "deposit").exclude(
        returns__status=ReturnedPayment.Status.RETURNED
    )
    if trace:
        by_trace = Q(reference=trace)
        if len(trace) == 15 and trace.isdigit():  # the bank's own 7-digit sequence, on ACH only
            by_trace |= Q(method="ach", reference__endswith=trace[-7:])
        found = found.filter(by_trace)
    if check_number:
        found = found.filter(check_number__in={check_number, check_number.lstrip("0")})
    if amount is not None:
        found = found.filter(amount=money.cents(amount))
    if on is not None:
        found = found.filter(received_on__lte=on)
    if not (trace or check_number or amount is not None):
        return found.none()
    return found.order_by("-received_on", "-id")


@dataclass(frozen=True)
class Fee:
    amount: Decimal
    why: str


def fee_for(customer: Customer | None, on: date) -> Fee:
    """The fee for a payment returned on `on`, by the agency's rule and the customer's returns
    in the 12 months before (this one not yet counted)."""
    rule = cash_settings()
    if customer is None or rule.returned_fee_rule == ReturnedFeeRule.NONE:
        return Fee(money.ZERO, "no fee")
    if rule.returned_fee_rule == ReturnedFeeRule.ACTUAL_COST:
        return Fee(money.cents(rule.returned_fee_cost), "the actual cost (Gov. Code 6157)")
    earlier = _returns_within_a_year(customer, on)
    if earlier:
        return Fee(
            money.cents(rule.returned_fee_later),
            f"a later return within 12 months ({earlier} before; Civil Code 1719)",
        )
    return Fee(money.cents(rule.returned_fee_first), "a first return (Civil Code 1719)")


def _returns_within_a_year(customer: Customer, on: date) -> int:
    return ReturnedPayment.objects.filter(
        customer=customer, returned_on__gt=on - YEAR, returned_on__lte=on
    ).count()


def live_applications(payment: Payment) -> list[Application]:
    """The payment's applications that stand (none reversed): what a return reopens."""
    if payment.item is None:
        return []
    return list(
        Application.objects.filter(
            credit_item=payment.item, reverses__isnull=True, reversed_by__isnull=True
        )
        .select_related("debit_item")
        .order_by("pk")
    )


@transaction.atomic
def return_payment(
    payment: Payment,
    *,
    reason: str,
    on: date,
    by: Actor,
    ach_code: str = "",
    ach_trace: str = "",
    identity: str | None = None,
    note: str = "",
    fee: bool = True,
) -> ReturnedPayment:
    """Return a payment in one step (see the module docstring). With `identity` (a bank file's
    line identity) a second call for the same return gives back the first, changing nothing."""
    payment = lock(payment)
    _check_scope(by, payment.department)
    if identity:
        done = ReturnedPayment.objects.filter(identity=identity).first()
        if done is not None:
            if done.payment_id != payment.pk:
                raise CashError(
                    f"That return was already imported for payment {done.payment.number}.",
                    code="identity_taken",
                )
            return done
    if reason not in ReturnReason.values:
        raise CashError(f"Unknown return reason {reason!r}.", code="bad_reason")
    if reason == ReturnReason.OTHER and not note.strip():
        raise CashError("Say in the note why the payment came back.", code="note_required")
    if ReturnedPayment.objects.filter(
        payment=payment, status=ReturnedPayment.Status.RETURNED
    ).exists():
        raise CashError(f"Payment {payment.number} is already returned.", code="already_returned")
    if on < payment.received_on:
        raise CashError(
            f"Payment {payment.number} was received on {payment.received_on:%m/%d/%Y}: it "
            f"cannot come back on {on:%m/%d/%Y}.",
            code="bad_date",
        )
    if on > timezone.localdate():
        raise CashError("The return date is in the future.", code="bad_date")
    deposit: Deposit = payment.deposit
    if deposit.status == Deposit.Status.OPEN:
        raise CashError(
            f"Deposit {deposit.number} is still open: take the payment out of the deposit "
            "instead of returning it, or close the deposit first.",
            code="deposit_open",
        )
    period_for(on)
    live = live_applications(payment)
    latest = max((app.effective_date for app in live), default=None)
    if latest is not None and on < latest:
        raise CashError(
            f"Payment {payment.number} was applied on {latest:%m/%d/%Y}: date the return on or "
            "after that day.",
            code="bad_date",
        )
    label = ReturnReason(reason).label
    why = f"Payment {payment.number} returned: {label}" + (f" {ach_code}" if ach_code else "")
    reversed_rows: list[dict[str, str]] = []
    for app in live:
        reverse_application(app, on=on, by=by, reason=why)
        reversed_rows.append(
            {
                "application": str(app.pk),
                "item": str(app.debit_item_id),
                "number": app.debit_item.number,
                "amount": str(app.amount),
            }
        )
    from_bank = deposit.status == Deposit.Status.BALANCED
    credit = account(Account.Role.CASH if from_bank else Account.Role.UNDEPOSITED_CASH)
    debit = account(Account.Role.AR_CONTROL if payment.item else Account.Role.UNIDENTIFIED)
    amount = payment.amount
    number = next_number("RET", on)
    je = post_entries(
        [
            EntrySpec(
                on=on,
                memo=f"{number}: {why}",
                lines=[
                    Line.dr(debit, payment.fund, amount, department=payment.department),
                    Line.cr(credit, payment.fund, amount, department=payment.department),
                ],
                source="payment.returned",
            )
        ],
        by=by,
    )[0]
    if payment.item is not None:
        item = lock(payment.item)
        write_entries([(item, amount, "payment.returned", number, on, je)], by=by)
    customer = payment.customer
    fee_item = None
    dishonored = reason in DISHONORED
    if not fee:
        charged = Fee(money.ZERO, "waived")
    elif not dishonored:
        charged = Fee(money.ZERO, "not a dishonored payment (no fee)")
    else:
        charged = fee_for(customer, on)
    if charged.amount > 0 and customer is not None:
        settings = cash_settings()
        revenue = settings.returned_fee_account or account(Account.Role.REVENUE)
        fee_item = post_item(
            ItemSpec(
                customer=customer,
                kind=Item.Kind.FEE,
                amount=charged.amount,
                fund=payment.fund,
                department=payment.department,
                document_date=on,
                due_date=on + timedelta(days=FEE_DUE_DAYS),
                offsets=[Offset(revenue, charged.amount, department=payment.department)],
                description=f"Returned payment fee: {payment.number}, {label.lower()}",
                reference=number,
            ),
            on=on,
            by=by,
            source="payment.returned_fee",
        )
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction stays usable
            returned = ReturnedPayment.objects.create(
                number=number,
                payment=payment,
                customer=customer,
                reason=reason,
                ach_code=ach_code.upper()[:3],
                ach_trace=ach_trace[:15],
                identity=identity or None,
                returned_on=on,
                amount=amount,
                reversed=reversed_rows,
                from_bank=from_bank,
                journal_entry=je,
                fee_item=fee_item,
                note=note[:400],
                created_by=by,  # type: ignore[misc]
            )
    except IntegrityError:
        raise CashError(
            f"Payment {payment.number} is already returned.", code="already_returned"
        ) from None
    if customer is not None and dishonored:
        _cash_only(returned, customer, on, by=by)
    audit.record(
        "payment.returned",
        returned,
        by=by,
        payment=payment.number,
        amount=amount,
        reason=reason,
        ach_code=returned.ach_code,
        reversed=len(reversed_rows),
        fee=charged.amount,
        fee_rule=charged.why,
    )
    return returned


def _cash_only(returned: ReturnedPayment, customer: Customer, on: date, *, by: Actor) -> None:
    settings = cash_settings()
    customer = lock(customer)
    count = _returns_within_a_year(customer, on)
    for_good = count >= settings.cash_only_after_returns
    until = None if for_good else on + timedelta(days=settings.cash_only_days)
    before = (customer.cash_only, customer.cash_only_until)
    if customer.cash_only and customer.cash_only_until is None:
        until = None  # already for good
    elif customer.cash_only and until is not None and customer.cash_only_until is not None:
        until = max(until, customer.cash_only_until)
    customer.cash_only, customer.cash_only_until = True, until
    customer._change_reason = f"{returned.number}: cash or certified funds only"  # type: ignore[attr-defined]
    customer.save(update_fields=["cash_only", "cash_only_until"])
    returned.cash_only_until, returned.cash_only_for_good = until, until is None
    returned.save(update_fields=["cash_only_until", "cash_only_for_good"])
    audit.record(
        "customer.cash_only",
        customer,
        by=by,
        before=[before[0], str(before[1] or "")],
        until=str(until or "for good"),
        returns_in_12_months=count,
        because=returned.number,
    )


@transaction.atomic
def redeposit(returned: ReturnedPayment, *, on: date, by: Actor) -> ReturnedPayment:
    """The bank presented the returned check again and it cleared: the bank side is restored
    and the payment re-applied to what it paid, as far as each item is still open. The fee and
    the cash-only rule stay."""
    returned = lock(returned)
    if returned.status != ReturnedPayment.Status.RETURNED:
        raise CashError(f"{returned.number} was already redeposited.", code="already_redeposited")
    if on < returned.returned_on:
        raise CashError("A redeposit cannot be dated before the return.", code="bad_date")
    if on > timezone.localdate():
        raise CashError("The redeposit date is in the future.", code="bad_date")
    payment = lock(returned.payment)
    _check_scope(by, payment.department)
    period_for(on)
    original = returned.journal_entry.lines.all()
    lines = [Line.mirror(ln) for ln in original.select_related("account", "fund", "department")]
    je = post_entries(
        [
            EntrySpec(
                on=on,
                memo=f"{returned.number}: payment {payment.number} redeposited and cleared",
                lines=lines,
                source="payment.redeposited",
            )
        ],
        by=by,
    )[0]
    if payment.item is not None:
        payment.item = lock(payment.item)  # write_entries keeps its open amount in step
        write_entries(
            [(payment.item, -returned.amount, "payment.redeposited", returned.number, on, je)],
            by=by,
        )
        restore: list[tuple[Item, Decimal]] = []
        left = payment.unapplied
        items = Item.objects.in_bulk([int(r["item"]) for r in returned.reversed])
        for row in returned.reversed:
            target = items[int(row["item"])]
            amount = min(Decimal(row["amount"]), target.open_amount, left)
            if amount > 0:
                restore.append((target, amount))
                left -= amount
        if restore:
            apply_payment(payment, restore, by=by, on=on, rule="redeposit", teach=False)
    returned.status = ReturnedPayment.Status.REDEPOSITED
    returned.redeposited_on, returned.redeposit_entry, returned.redeposited_by = on, je, by  # type: ignore[assignment]
    returned.save(update_fields=["status", "redeposited_on", "redeposit_entry", "redeposited_by"])
    audit.record("payment.redeposited", returned, by=by, payment=payment.number)
    return returned


@transaction.atomic
def mark_worked(returned: ReturnedPayment, *, by: Actor) -> ReturnedPayment:
    """The technician has worked the return (notice sent, customer called): off the dashboard."""
    returned = lock(returned)
    if returned.worked_at is not None:
        return returned
    returned.worked_at, returned.worked_by = timezone.now(), by  # type: ignore[assignment]
    returned.save(update_fields=["worked_at", "worked_by"])
    audit.record("payment.return_worked", returned, by=by)
    return returned


def to_work() -> QuerySet[ReturnedPayment]:
    """Returned payments still to be worked, oldest first (the dashboard's list)."""
    return (
        ReturnedPayment.objects.filter(
            worked_at__isnull=True, status=ReturnedPayment.Status.RETURNED
        )
        .select_related("payment", "customer", "fee_item")
        .order_by("returned_on", "pk")
    )


def describe(returned: ReturnedPayment) -> dict[str, Any]:
    """What a returned-check notice and the API say about a return."""
    return {
        "number": returned.number,
        "payment": returned.payment.number,
        "customer": returned.customer.number if returned.customer else None,
        "reason": returned.get_reason_display(),
        "ach_code": returned.ach_code,
        "returned_on": returned.returned_on.isoformat(),
        "amount": str(returned.amount),
        "reversed": returned.reversed,
        "fee": str(returned.fee_item.amount) if returned.fee_item else "0.00",
        "cash_only_until": (
            "for good"
            if returned.cash_only_for_good
            else (returned.cash_only_until.isoformat() if returned.cash_only_until else "")
        ),
        "status": returned.status,
    }

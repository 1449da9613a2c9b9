"""Importing a NACHA return file: the ACH debits that came back become returned payments.

The agency collects by ACH debit; when the customer's bank cannot post one (no money, account
closed, payment stopped), the agency's bank sends it back in a return file. `import_ach_returns`
reads the file (`fiscus.cash.formats.nacha`, which refuses a malformed file whole, naming the
line) and, in one transaction, returns each payment the file names with `return_payment`: its
applications reversed, the bank side reversed, the fee, cash only.

Finding the payment: an ACH payment keeps its entry's trace number in `Payment.reference`, so a
return is matched by its original entry trace and its amount (`find_returned`); failing that, by
the entry's individual identification number or its own trace, as the reference exactly. One
candidate is returned; none or several are listed, with the file line, for a person, and the rest
of the file still imports.

What moves no money here:

- a notification of change (C01 ...): the customer's bank details changed; listed with the
  corrected data for a person to update the customer's record;
- a returned credit (transaction code x1): money the agency sent (a refund, a disbursement) came
  back into its bank. It is not a payment received, so returning a payment for it would take
  cash out of the bank that in fact came in; listed for a person (reissue or post it by hand);
- a dishonored (R61-R70) or contested (R71-R77) return: the banks arguing over an earlier return;
  listed for a person (a dishonored return means the payment stands: redeposit it if returned).

The date of a return is the batch's effective entry date when the file has a credible one (not
before the payment was received), else `on`, else today; never before the payment was received
or applied, never after today.

Each return keeps the file's identity of its line (`AchReturn.identity`), so the same file
imported again changes nothing and the result counts the lines `already` imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from fiscus import audit, money
from fiscus.cash.formats.nacha import AchReturn, parse_returns
from fiscus.cash.models import Payment, ReturnedPayment
from fiscus.cash.returns import find_returned, reason_for_ach, return_payment
from fiscus.cash.services import Actor, CashError
from fiscus.customers.models import Customer
from fiscus.errors import FiscusError
from fiscus.receivables.models import Application


@dataclass(frozen=True)
class Unposted:
    """A return of the file that posted nothing, and why."""

    line: int  # the entry detail's line in the file
    trace: str  # the original entry's trace number
    amount: Decimal
    code: str
    receiver: str
    why: str


@dataclass(frozen=True)
class ChangeNotice:
    """A notification of change: the customer's bank says a detail of the entry was wrong."""

    line: int
    change_code: str  # C01 ...
    change: str  # the code's words ("Incorrect DFI account number"); "" if non-standard
    corrected_data: str  # the new value (C01: the new account number)
    original_trace: str
    receiver: str
    account: str  # the account number the agency sent, masked
    customer: Customer | None  # whose payment carried the original trace, when one did


@dataclass
class AchImportResult:
    file_name: str
    returned: list[ReturnedPayment] = field(default_factory=list)
    already: int = 0  # lines returned by an earlier import of the file
    not_found: list[Unposted] = field(default_factory=list)  # no payment, or several
    set_aside: list[Unposted] = field(default_factory=list)  # credits, dishonored returns
    notifications: list[ChangeNotice] = field(default_factory=list)

    def summary(self) -> str:
        """One sentence on what the import did."""
        name = self.file_name or "The file"
        if self.returned:
            total = sum((r.amount for r in self.returned), money.ZERO)
            head = f"{name}: {_count(len(self.returned), 'payment')} returned ({money.fmt(total)})"
            if self.already:
                head += f", {self.already} already imported"
        elif self.already:
            head = (
                f"{name} was already imported ({_count(self.already, 'return')}): nothing changed"
            )
        else:
            head = f"{name}: no payment returned"
        tails = []
        if self.not_found:
            tails.append(f"{_count(len(self.not_found), 'return')} without a payment to return")
        if self.set_aside:
            tails.append(f"{_count(len(self.set_aside), 'return')} set aside for a person")
        if self.notifications:
            tails.append(f"{_count(len(self.notifications), 'notification')} of change to work")
        return f"{head}; {_join(tails)}." if tails else f"{head}."


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


@transaction.atomic
def import_ach_returns(
    data: bytes, name: str, *, by: Actor, on: date | None = None
) -> AchImportResult:
    """Import a NACHA return file in one transaction (see the module docstring).

    Raises the parser's FormatError for a malformed file, and a CashError naming the line when
    a found payment cannot be returned (its deposit still open, a closed period ...): either way
    nothing of the file is posted.
    """
    parsed = parse_returns(data, name)
    result = AchImportResult(file_name=name)
    done = set(
        ReturnedPayment.objects.filter(
            identity__in=[e.identity for e in parsed.entries]
        ).values_list("identity", flat=True)
    )
    for entry in parsed.entries:
        if entry.is_notification:
            result.notifications.append(_notice(entry))
        elif entry.identity in done:
            result.already += 1
        elif (aside := _set_aside_because(entry)) is not None:
            result.set_aside.append(_unposted(entry, aside))
        else:
            payment, why = _payment_for(entry)
            if payment is None:
                result.not_found.append(_unposted(entry, why))
            else:
                result.returned.append(_return(entry, payment, name=name, on=on, by=by))
    if result.returned:
        audit.record(
            "payment.ach_returns_imported",
            by=by,
            file=name,
            returned=[r.number for r in result.returned],
            already=result.already,
            not_found=[u.line for u in result.not_found],
            set_aside=[u.line for u in result.set_aside],
            notifications=[n.line for n in result.notifications],
        )
    return result


def _set_aside_because(entry: AchReturn) -> str | None:
    """Why a return is not a returned payment, or None when it is one."""
    code = _code_words(entry)
    if entry.is_contested:
        return (
            f"a contested dishonored return ({code}) of the return with trace "
            f"{entry.return_trace}: work it with the bank."
        )
    if entry.is_dishonored:
        return (
            f"a dishonored return ({code}): the bank refused the return with trace "
            f"{entry.return_trace}, so the payment stands; if it was returned, redeposit it."
        )
    if entry.is_return_of_credit:
        return (
            f"a credit the agency sent (a refund or disbursement) came back ({code}): it is "
            "not a payment received; reissue it or post it by hand."
        )
    return None


def _payment_for(entry: AchReturn) -> tuple[Payment | None, str]:
    """The one payment the return is for, or None and why."""
    amount = money.fmt(entry.amount)
    found = list(find_returned(trace=entry.original_trace, amount=entry.amount))
    exact = [p for p in found if p.reference == entry.original_trace]
    if len(exact) == 1:
        return exact[0], ""
    if len(found) == 1:
        return found[0], ""
    if len(found) > 1:
        return None, _ambiguous(found, amount, f"the ACH trace {entry.original_trace}")
    for value in dict.fromkeys(v for v in (entry.individual_id, entry.trace) if v):
        by_reference = list(find_returned(trace=value, amount=entry.amount).filter(reference=value))
        if len(by_reference) == 1:
            return by_reference[0], ""
        if len(by_reference) > 1:
            return None, _ambiguous(by_reference, amount, f"the reference {value}")
    earlier = (
        ReturnedPayment.objects.filter(
            payment__reference=entry.original_trace,
            payment__amount=entry.amount,
            status=ReturnedPayment.Status.RETURNED,
        )
        .select_related("payment")
        .first()
    )
    if earlier is not None:
        return None, (
            f"payment {earlier.payment.number} with the ACH trace {entry.original_trace} is "
            f"already returned ({earlier.number})."
        )
    return None, (
        f"not found: no payment of {amount} waiting to be returned has the ACH trace "
        f"{entry.original_trace}."
    )


def _ambiguous(found: list[Payment], amount: str, having: str) -> str:
    numbers = ", ".join(p.number for p in found)
    return (
        f"ambiguous: {len(found)} payments of {amount} have {having} ({numbers}); return the "
        "right one by hand."
    )


def _return(
    entry: AchReturn, payment: Payment, *, name: str, on: date | None, by: Actor
) -> ReturnedPayment:
    code = entry.reason_code
    if entry.nonstandard_code:
        words = f"{code} is a non-standard return code (not in the NACHA rules): ask the bank"
    else:
        words = f"{code} {entry.reason}"
    where = f"{name or 'the file'}, line {entry.line}"
    note = f"ACH return {words}. From {where}; receiver {entry.receiver_name}."
    try:
        return return_payment(
            payment,
            reason=reason_for_ach(code),
            on=_return_date(entry, payment, on),
            by=by,
            ach_code=code,
            ach_trace=entry.original_trace,
            identity=entry.identity,
            note=note,
        )
    except FiscusError as refused:
        raise CashError(
            f"Line {entry.line} (ACH trace {entry.original_trace}): {refused.message}",
            code=refused.code,
        ) from refused


def _return_date(entry: AchReturn, payment: Payment, on: date | None) -> date:
    """The batch's effective date when credible, else `on`, else today; never before the
    payment was received or applied, never after today."""
    today = timezone.localdate()
    effective = entry.effective_date
    credible = effective if effective is not None and effective >= payment.received_on else None
    day = min(credible or on or today, today)
    applied = Application.objects.filter(
        credit_item_id=payment.item_id, reverses__isnull=True
    ).aggregate(latest=Max("effective_date"))["latest"]
    return max(day, payment.received_on, applied or payment.received_on)


def _notice(entry: AchReturn) -> ChangeNotice:
    payers = list(
        Payment.objects.filter(reference=entry.original_trace)
        .exclude(customer=None)
        .select_related("customer")[:2]
    )
    return ChangeNotice(
        line=entry.line,
        change_code=entry.change_code,
        change=entry.reason,
        corrected_data=entry.corrected_data,
        original_trace=entry.original_trace,
        receiver=entry.receiver_name,
        account=entry.masked_account,
        customer=payers[0].customer if len(payers) == 1 else None,
    )


def _unposted(entry: AchReturn, why: str) -> Unposted:
    return Unposted(
        line=entry.line,
        trace=entry.original_trace,
        amount=entry.amount,
        code=entry.code,
        receiver=entry.receiver_name,
        why=why,
    )


def _code_words(entry: AchReturn) -> str:
    if entry.nonstandard_code:
        return f"{entry.code}, a non-standard code"
    return f"{entry.code}: {entry.reason}"

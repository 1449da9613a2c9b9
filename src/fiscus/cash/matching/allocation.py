"""The allocation order: which open items a payment pays first, and how much of each.

Pure: open items in, allocations out. The policy is the agency's, overridable per customer:

- oldest first (`OLDEST_FIRST`): by due date, then document date, then number;
- fees, then interest, then principal (`FEES_INTEREST_PRINCIPAL`): the items of kind "fee"
  first, then "finance_charge", then everything else, each group oldest first;
- current first (`CURRENT_FIRST`): the current invoice (the most recent item not yet past due:
  due date on or after today, latest document date) first, then the rest oldest first;
- the customer's instruction (`INSTRUCTION`): the item numbers the customer named, in the order
  named, then the rest oldest first.

The payment goes down that order: each item takes what it still owes until the money runs out.
A short pay leaves the rest of the last item (and the items after it) open; money left after the
last item is the unapplied remainder, an unapplied credit on the customer's account.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal("0.00")
CENT = Decimal("0.01")

KINDS = ("invoice", "debit_memo", "fee", "finance_charge", "opening_balance")


class Policy(StrEnum):
    """The order a payment pays a customer's open items in."""

    OLDEST_FIRST = "oldest_first"
    FEES_INTEREST_PRINCIPAL = "fees_first"
    CURRENT_FIRST = "current_first"
    INSTRUCTION = "instruction"

    @property
    def label(self) -> str:
        return POLICY_LABELS[self]


POLICY_LABELS = {
    Policy.OLDEST_FIRST: "Oldest first",
    Policy.FEES_INTEREST_PRINCIPAL: "Fees, then interest, then principal",
    Policy.CURRENT_FIRST: "Current invoice first",
    Policy.INSTRUCTION: "The customer's instruction",
}


@dataclass(frozen=True)
class OpenItem:
    """Something a customer owes: an invoice, debit memo, fee, finance charge, opening balance."""

    id: int
    number: str
    customer_id: int
    kind: str  # one of KINDS
    open_amount: Decimal
    due_date: date
    document_date: date


@dataclass(frozen=True)
class Allocation:
    """`amount` of the payment goes to the open item `item_id`."""

    item_id: int
    amount: Decimal


def to_cents(amount: Decimal) -> int:
    """An amount in whole cents. Refuses a third decimal place: that is not money here."""
    scaled = amount * 100
    cents = int(scaled)
    if cents != scaled:
        raise ValueError(f"{amount} has more than two decimal places.")
    return cents


def from_cents(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def oldest_key(item: OpenItem) -> tuple[date, date, str, int]:
    return (item.due_date, item.document_date, item.number, item.id)


def _group(item: OpenItem) -> int:
    return {"fee": 0, "finance_charge": 1}.get(item.kind, 2)


def policy_order(
    items: Sequence[OpenItem], policy: Policy, *, today: date, instruction: Sequence[str] = ()
) -> list[OpenItem]:
    """The items in the order the policy pays them (see the module docstring)."""
    oldest = sorted(items, key=oldest_key)
    if policy == Policy.OLDEST_FIRST:
        return oldest
    if policy == Policy.FEES_INTEREST_PRINCIPAL:
        return sorted(oldest, key=_group)  # a stable sort keeps each group oldest first
    if policy == Policy.CURRENT_FIRST:
        current = [item for item in items if item.due_date >= today]
        if not current:
            return oldest
        first = max(current, key=lambda item: (item.document_date, item.due_date, item.number))
        return [first, *(item for item in oldest if item is not first)]
    if policy == Policy.INSTRUCTION:
        rank: dict[str, int] = {}
        for position, number in enumerate(instruction):
            rank.setdefault(number.strip().upper(), position)
        named = sorted(
            (item for item in oldest if item.number.upper() in rank),
            key=lambda item: rank[item.number.upper()],
        )
        return [*named, *(item for item in oldest if item.number.upper() not in rank)]
    raise ValueError(f"{policy!r} is not an allocation policy.")


def allocate(
    amount: Decimal,
    items: Sequence[OpenItem],
    policy: Policy,
    *,
    today: date,
    instruction: Sequence[str] = (),
) -> tuple[tuple[Allocation, ...], Decimal]:
    """Spread `amount` over `items` in the policy's order.

    Returns the allocations in that order (items that owe nothing are skipped) and the unapplied
    remainder. The allocations never exceed an item's open amount, and they add up with the
    remainder to `amount` exactly.
    """
    left = to_cents(amount)
    if left <= 0:
        raise ValueError(f"A payment of {amount} cannot be allocated; it must be positive.")
    allocations: list[Allocation] = []
    seen: set[int] = set()
    for item in policy_order(items, policy, today=today, instruction=instruction):
        if left == 0:
            break
        owed = to_cents(item.open_amount)
        if owed <= 0 or item.id in seen:
            continue
        seen.add(item.id)
        paid = min(owed, left)
        allocations.append(Allocation(item.id, from_cents(paid)))
        left -= paid
    return tuple(allocations), from_cents(left)

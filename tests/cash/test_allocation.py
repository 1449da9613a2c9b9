"""The allocation policies: which open items a payment pays first, and how much of each."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fiscus.cash.matching import Allocation, OpenItem, Policy, allocate, policy_order

TODAY = date(2026, 3, 1)


def item(
    id: int, number: str, kind: str, amount: str, due: date, document: date | None = None
) -> OpenItem:
    return OpenItem(id, number, 1, kind, Decimal(amount), due, document or due)


# Oldest first by due date: 1 (Jan), 2 (Feb, older document), 3 (Feb), 4 (Mar 20), 5 (Apr).
OLD_INVOICE = item(1, "INV-2026-000010", "invoice", "100.00", date(2026, 1, 15))
FEE = item(2, "FEE-2026-000003", "fee", "25.00", date(2026, 2, 10), date(2026, 1, 30))
FINANCE_CHARGE = item(3, "FC-2026-000004", "finance_charge", "7.50", date(2026, 2, 10))
CURRENT = item(4, "INV-2026-000020", "invoice", "60.00", date(2026, 3, 20), date(2026, 2, 18))
NEWEST = item(5, "INV-2026-000030", "invoice", "40.00", date(2026, 4, 1), date(2026, 3, 1))
ITEMS = [NEWEST, CURRENT, FINANCE_CHARGE, FEE, OLD_INVOICE]


def ids(allocations: tuple[Allocation, ...]) -> list[tuple[int, str]]:
    return [(a.item_id, str(a.amount)) for a in allocations]


def test_oldest_first_goes_by_due_date_then_document_date_then_number():
    order = policy_order(ITEMS, Policy.OLDEST_FIRST, today=TODAY)
    assert [i.id for i in order] == [1, 2, 3, 4, 5]


def test_oldest_first_breaks_a_tie_of_both_dates_by_number():
    a = item(7, "INV-2026-000002", "invoice", "1.00", date(2026, 1, 1))
    b = item(6, "INV-2026-000001", "invoice", "1.00", date(2026, 1, 1))
    assert [i.id for i in policy_order([a, b], Policy.OLDEST_FIRST, today=TODAY)] == [6, 7]


def test_fees_first_pays_fees_then_finance_charges_then_the_rest_each_oldest_first():
    order = policy_order(ITEMS, Policy.FEES_INTEREST_PRINCIPAL, today=TODAY)
    assert [i.id for i in order] == [2, 3, 1, 4, 5]


def test_current_first_pays_the_most_recent_item_not_yet_due_then_the_rest_oldest_first():
    order = policy_order(ITEMS, Policy.CURRENT_FIRST, today=TODAY)
    assert [i.id for i in order] == [5, 1, 2, 3, 4]


def test_current_first_without_a_current_item_is_oldest_first():
    order = policy_order([FEE, OLD_INVOICE], Policy.CURRENT_FIRST, today=date(2026, 6, 1))
    assert [i.id for i in order] == [1, 2]


def test_the_customers_instruction_pays_the_named_items_in_the_order_named_then_oldest_first():
    named = ["inv-2026-000020", "FEE-2026-000003"]
    order = policy_order(ITEMS, Policy.INSTRUCTION, today=TODAY, instruction=named)
    assert [i.id for i in order] == [4, 2, 1, 3, 5]


def test_a_short_pay_goes_down_the_order_and_leaves_the_rest_of_the_last_item_open():
    allocations, left = allocate(Decimal("110.00"), ITEMS, Policy.OLDEST_FIRST, today=TODAY)
    assert ids(allocations) == [(1, "100.00"), (2, "10.00")]
    assert left == Decimal("0.00")


def test_an_overpayment_pays_everything_and_leaves_the_excess_unapplied():
    allocations, left = allocate(
        Decimal("250.00"), ITEMS, Policy.FEES_INTEREST_PRINCIPAL, today=TODAY
    )
    assert ids(allocations) == [
        (2, "25.00"),
        (3, "7.50"),
        (1, "100.00"),
        (4, "60.00"),
        (5, "40.00"),
    ]
    assert left == Decimal("17.50")


def test_items_that_owe_nothing_are_passed_over():
    paid = item(9, "INV-2026-000001", "invoice", "0.00", date(2025, 1, 1))
    allocations, left = allocate(Decimal("30.00"), [paid, FEE], Policy.OLDEST_FIRST, today=TODAY)
    assert ids(allocations) == [(2, "25.00")]
    assert left == Decimal("5.00")


def test_a_payment_that_is_not_above_zero_cannot_be_allocated():
    with pytest.raises(ValueError, match="must be positive"):
        allocate(Decimal("0.00"), ITEMS, Policy.OLDEST_FIRST, today=TODAY)


def test_a_third_decimal_place_is_refused():
    with pytest.raises(ValueError, match="more than two decimal places"):
        allocate(Decimal("1.005"), ITEMS, Policy.OLDEST_FIRST, today=TODAY)


def test_policies_keep_the_values_the_settings_store():
    assert [p.value for p in Policy] == [
        "oldest_first",
        "fees_first",
        "current_first",
        "instruction",
    ]
    assert Policy("fees_first").label == "Fees, then interest, then principal"


amounts = st.integers(min_value=0, max_value=500_000).map(lambda c: Decimal(c).scaleb(-2))
kinds = st.sampled_from(["invoice", "debit_memo", "fee", "finance_charge", "opening_balance"])
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31))


@st.composite
def open_items(draw: st.DrawFn) -> list[OpenItem]:
    count = draw(st.integers(min_value=0, max_value=12))
    return [
        OpenItem(n, f"INV-2026-{n:06d}", 1, draw(kinds), draw(amounts), draw(days), draw(days))
        for n in range(1, count + 1)
    ]


@given(
    items=open_items(),
    payment=st.integers(min_value=1, max_value=2_000_000).map(lambda c: Decimal(c).scaleb(-2)),
    policy=st.sampled_from(list(Policy)),
    instruction=st.lists(st.integers(min_value=1, max_value=14).map(lambda n: f"INV-2026-{n:06d}")),
)
def test_allocations_never_exceed_the_payment_nor_what_an_item_owes(
    items, payment, policy, instruction
):
    allocations, left = allocate(payment, items, policy, today=TODAY, instruction=instruction)
    owed = {i.id: i.open_amount for i in items}
    assert sum((a.amount for a in allocations), Decimal(0)) + left == payment
    assert left >= 0
    assert len({a.item_id for a in allocations}) == len(allocations)
    for a in allocations:
        assert Decimal("0.01") <= a.amount <= owed[a.item_id]
    if left > 0:  # money is left only when every item is paid in full
        assert {a.item_id: a.amount for a in allocations} == {
            i: v for i, v in owed.items() if v > 0
        }

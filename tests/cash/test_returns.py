"""Returned payments in one step: applications reversed, the bank side reversed, the fee, cash
only; and a redeposit that clears."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fiscus.cash import returns
from fiscus.cash import services as cash
from fiscus.cash.models import ReturnedPayment
from fiscus.cash.services import CashError, PaymentInput
from fiscus.ledger.models import JournalLine
from fiscus.ledger.services import verify as verify_gl
from fiscus.receivables.models import Item, ReceivableEntry
from fiscus.receivables.services import verify as verify_ar
from tests.factories import customer, paid_check

DAY = date(2026, 3, 10)
BACK = date(2026, 3, 16)
D = Decimal


def gl(entry_id: int) -> list[tuple[str, Decimal, Decimal]]:
    return sorted(
        (ln.account.role or ln.account.code, ln.debit, ln.credit)
        for ln in JournalLine.objects.filter(entry_id=entry_id).select_related("account")
    )


@pytest.fixture
def paid(city, technician, cashier):
    """A 300.00 check applied to three invoices (100.00, 120.00 and 50.00 of a 75.00 one), 30.00
    left on account, in a closed deposit."""
    who = customer(city.clerk, "Rosa Diaz")
    bills, pay = paid_check(city, cashier, technician, who)
    return who, bills, pay


def opens(items: list[Item]) -> list[Decimal]:
    return [Item.objects.get(pk=i.pk).open_amount for i in items]


def test_a_returned_check_reopens_exactly_what_it_paid_and_reverses_the_bank_side(paid, technician):
    who, bills, pay = paid
    assert opens(bills) == [D("0.00"), D("0.00"), D("25.00")]
    found = returns.find_returned(check_number="5150", amount=D("300.00"), on=BACK)
    assert list(found) == [pay]
    back = returns.return_payment(pay, reason="nsf", on=BACK, by=technician)
    # the three invoices are open again by exactly what the check paid, due as before
    assert opens(bills) == [D("100.00"), D("120.00"), D("75.00")]
    assert [b.due_date for b in Item.objects.filter(pk__in=[b.pk for b in bills])] == [
        b.due_date for b in bills
    ]
    assert sorted((r["number"], r["amount"]) for r in back.reversed) == sorted(
        [(bills[0].number, "100.00"), (bills[1].number, "120.00"), (bills[2].number, "50.00")]
    )
    # the deposit was closed but its day not balanced: the money leaves undeposited cash
    assert back.from_bank is False
    assert gl(back.journal_entry_id) == [
        ("ar_control", D("300.00"), D("0.00")),
        ("undeposited_cash", D("0.00"), D("300.00")),
    ]
    # the payment's item is closed at zero by one +300.00 row
    pay.item.refresh_from_db()
    assert pay.item.open_amount == D("0.00")
    row = ReceivableEntry.objects.get(item=pay.item, source="payment.returned")
    assert (row.amount, row.effective_date, row.journal_entry_id) == (
        D("300.00"),
        BACK,
        back.journal_entry_id,
    )
    # the fee: the agency's actual cost by default, a new fee item
    assert back.fee_item is not None and back.fee_item.kind == Item.Kind.FEE
    assert (back.fee_item.amount, back.fee_item.customer_id) == (D("15.00"), who.pk)
    assert gl(back.fee_item.journal_entry_id) == [
        ("ar_control", D("15.00"), D("0.00")),
        ("revenue", D("0.00"), D("15.00")),
    ]
    # the customer owes the invoices and the fee again; cash or certified funds for a year
    who.refresh_from_db()
    assert who.cash_only and who.cash_only_until == date(2027, 3, 16)
    assert who.is_cash_only(date(2027, 3, 16)) and not who.is_cash_only(date(2027, 3, 17))
    assert list(returns.to_work()) == [back]
    assert verify_gl()[1] == [] and verify_ar()[1] == []


def test_a_payment_is_returned_once_and_a_check_of_a_cash_only_customer_is_refused(
    paid, technician, cashier, city
):
    who, bills, pay = paid
    returns.return_payment(pay, reason="stop_payment", on=BACK, by=technician)
    with pytest.raises(CashError, match="already returned") as refused:
        returns.return_payment(pay, reason="nsf", on=BACK, by=technician)
    assert refused.value.code == "already_returned"
    assert ReturnedPayment.objects.count() == 1
    deposit = cash.open_deposit(department=city.parks, on=BACK, by=cashier)
    who.refresh_from_db()
    with pytest.raises(CashError, match="cash only"):
        cash.record_payment(
            deposit,
            PaymentInput(amount=D("10.00"), method="check", received_on=BACK, customer=who),
            by=cashier,
        )
    money_order = PaymentInput(
        amount=D("10.00"), method="money_order", received_on=BACK, customer=who
    )
    assert cash.record_payment(deposit, money_order, by=cashier).amount == D("10.00")


def test_bad_returns_are_refused_and_change_nothing(paid, technician, city, cashier):
    who, bills, pay = paid
    before = (ReceivableEntry.objects.count(), JournalLine.objects.count())
    with pytest.raises(CashError, match="cannot come back on"):
        returns.return_payment(pay, reason="nsf", on=date(2026, 3, 9), by=technician)
    with pytest.raises(CashError, match="Say in the note"):
        returns.return_payment(pay, reason="other", on=BACK, by=technician)
    with pytest.raises(CashError, match="Unknown return reason"):
        returns.return_payment(pay, reason="lost", on=BACK, by=technician)
    still_open = cash.open_deposit(department=city.parks, on=BACK, by=cashier)
    fresh = cash.record_payment(
        still_open,
        PaymentInput(amount=D("5.00"), method="cash", received_on=BACK, customer=who),
        by=cashier,
    )
    with pytest.raises(CashError, match="still open"):
        returns.return_payment(fresh, reason="nsf", on=BACK, by=technician)
    assert (ReceivableEntry.objects.count(), JournalLine.objects.count()) == (
        before[0] + 1,
        before[1] + 2,
    )  # only the fresh payment posted
    who.refresh_from_db()
    assert not who.cash_only


def test_the_schedule_fee_is_25_then_35_and_three_returns_in_a_year_mean_cash_only_for_good(
    city, technician, cashier, supervisor
):
    cash_settings = cash.cash_settings()
    cash_settings.returned_fee_rule = "schedule"
    cash_settings.save()
    who = customer(city.clerk)
    deposit = cash.open_deposit(department=city.parks, on=DAY, by=cashier)
    pays = [
        cash.record_payment(
            deposit,
            PaymentInput(amount=D(f"{n}0.00"), method="ach", received_on=DAY, customer=who),
            by=cashier,
        )
        for n in (1, 2, 3)
    ]
    cash.close_deposit(deposit, by=cashier)
    cash.balance_day(DAY, by=supervisor, note="test")
    done = [
        returns.return_payment(
            p, reason=returns.reason_for_ach("R01"), ach_code="R01", on=BACK, by=technician
        )
        for p in pays
    ]
    assert [r.fee_item.amount for r in done] == [D("25.00"), D("35.00"), D("35.00")]
    # the day was balanced: the bank is credited
    assert gl(done[0].journal_entry_id) == [
        ("ar_control", D("10.00"), D("0.00")),
        ("cash", D("0.00"), D("10.00")),
    ]
    assert [r.cash_only_for_good for r in done] == [False, False, True]
    who.refresh_from_db()
    assert who.cash_only and who.cash_only_until is None and who.is_cash_only(date(2040, 1, 1))


def test_a_redeposit_that_clears_restores_the_applications_and_the_bank_side(paid, technician):
    who, bills, pay = paid
    back = returns.return_payment(pay, reason="nsf", on=BACK, by=technician)
    again = returns.redeposit(back, on=date(2026, 3, 20), by=technician)
    assert again.status == "redeposited"
    assert opens(bills) == [D("0.00"), D("0.00"), D("25.00")]
    pay.item.refresh_from_db()
    assert pay.item.open_amount == D("-30.00")  # what was on account is on account again
    assert gl(again.redeposit_entry_id) == [
        ("ar_control", D("0.00"), D("300.00")),
        ("undeposited_cash", D("300.00"), D("0.00")),
    ]
    fee = back.fee_item
    fee.refresh_from_db()
    assert fee.open_amount == D("15.00")  # the fee stands
    with pytest.raises(CashError, match="already redeposited"):
        returns.redeposit(again, on=date(2026, 3, 20), by=technician)
    # it may come back a second time
    second = returns.return_payment(pay, reason="nsf", on=date(2026, 3, 25), by=technician)
    assert opens(bills) == [D("100.00"), D("120.00"), D("75.00")]
    assert second.number != back.number
    assert verify_gl()[1] == [] and verify_ar()[1] == []


def test_an_ach_return_by_trace_with_an_identity_is_returned_once(city, technician, cashier):
    who = customer(city.clerk)
    deposit = cash.open_deposit(department=city.parks, on=DAY, by=cashier)
    pay = cash.record_payment(
        deposit,
        PaymentInput(
            amount=D("42.00"),
            method="ach",
            received_on=DAY,
            customer=who,
            reference="091000019876543",
        ),
        by=cashier,
    )
    cash.close_deposit(deposit, by=cashier)
    assert list(returns.find_returned(trace="091000019876543")) == [pay]
    first = returns.return_payment(
        pay,
        reason=returns.reason_for_ach("R03"),
        ach_code="R03",
        on=BACK,
        by=technician,
        identity="trace-1",
    )
    again = returns.return_payment(
        pay, reason="ach_return", ach_code="R03", on=BACK, by=technician, identity="trace-1"
    )
    assert again.pk == first.pk and ReturnedPayment.objects.count() == 1
    # R03 (no account) is not a dishonored payment: no fee, no cash-only rule
    assert first.fee_item is None and not first.cash_only_until and not first.cash_only_for_good
    who.refresh_from_db()
    assert not who.cash_only
    assert returns.reason_for_ach("R01") == "nsf" and returns.reason_for_ach("R03") == "ach_return"
    assert list(returns.find_returned(trace="091000019876543")) == []

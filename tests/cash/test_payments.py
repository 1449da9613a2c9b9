"""Recording payments into deposits, identifying them, applying them, balancing the day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fiscus.cash import services as cash
from fiscus.cash.models import ApplicationReason, Deposit, PayerAlias, Payment
from fiscus.cash.queries import day_balancing
from fiscus.cash.services import CashError, PaymentInput
from fiscus.ledger.models import JournalLine
from fiscus.ledger.queries import balance
from fiscus.organization.models import Account
from fiscus.organization.services import account
from fiscus.receivables.models import ReceivableEntry
from tests.factories import customer, invoice

DAY = date(2026, 3, 10)


def gl(entry_id: int) -> list[tuple[str, Decimal, Decimal]]:
    return sorted(
        (ln.account.role or ln.account.code, ln.debit, ln.credit)
        for ln in JournalLine.objects.filter(entry_id=entry_id).select_related("account")
    )


def check(amount: str, who=None, **kw) -> PaymentInput:
    return PaymentInput(
        amount=Decimal(amount),
        method=kw.pop("method", "check"),
        received_on=DAY,
        customer=who,
        **kw,
    )


@pytest.fixture
def deposit(city, cashier):
    return cash.open_deposit(
        department=city.parks, on=DAY, by=cashier, control_count=2, control_total=Decimal("150.00")
    )


def test_a_payment_posts_undeposited_cash_against_ar_and_a_credit_item(city, cashier, deposit):
    who = customer(city.clerk)
    pay = cash.record_payment(deposit, check("100.00", who, check_number="1042"), by=cashier)
    assert pay.status == Payment.Status.POSTED and pay.number == pay.item.number
    assert pay.number.startswith("PMT-2026-")
    assert gl(pay.journal_entry_id) == [
        ("ar_control", Decimal("0.00"), Decimal("100.00")),
        ("undeposited_cash", Decimal("100.00"), Decimal("0.00")),
    ]
    rows = list(ReceivableEntry.objects.filter(item=pay.item).values_list("amount", flat=True))
    assert rows == [Decimal("-100.00")]
    assert pay.item.open_amount == Decimal("-100.00") and pay.unapplied == Decimal("100.00")


def test_an_unknown_payer_waits_in_unidentified_receipts_until_named(city, cashier, deposit):
    pay = cash.record_payment(deposit, check("50.00", payer="R. Lopez"), by=cashier)
    assert pay.status == Payment.Status.UNIDENTIFIED and pay.item is None
    assert gl(pay.journal_entry_id) == [
        ("undeposited_cash", Decimal("50.00"), Decimal("0.00")),
        ("unidentified", Decimal("0.00"), Decimal("50.00")),
    ]
    who = customer(city.clerk)
    pay = cash.identify_payment(pay, who, by=city.clerk)
    assert pay.item.number == pay.number and pay.item.open_amount == Decimal("-50.00")
    assert gl(pay.identified_entry_id) == [
        ("ar_control", Decimal("0.00"), Decimal("50.00")),
        ("unidentified", Decimal("50.00"), Decimal("0.00")),
    ]
    assert balance(account(Account.Role.UNIDENTIFIED)) == Decimal("0.00")
    with pytest.raises(CashError, match="already belongs"):
        cash.identify_payment(pay, who, by=city.clerk)


def test_a_cash_only_customer_cannot_pay_by_check_and_nothing_posts(city, cashier, deposit):
    who = customer(city.clerk, cash_only=True)
    with pytest.raises(CashError, match="cash only") as refused:
        cash.record_payment(deposit, check("20.00", who), by=cashier)
    assert refused.value.code == "cash_only"
    assert not Payment.objects.exists()
    pay = cash.record_payment(deposit, check("20.00", who, method="money_order"), by=cashier)
    assert pay.method == "money_order"


def test_a_deposit_closes_only_when_it_matches_its_control_totals(city, cashier, deposit):
    who = customer(city.clerk)
    cash.record_payment(deposit, check("100.00", who), by=cashier)
    with pytest.raises(CashError, match="holds 1 payments but its control count is 2"):
        cash.close_deposit(deposit, by=cashier)
    cash.record_payment(deposit, check("49.99", who), by=cashier)
    with pytest.raises(CashError, match=r"off by -\$?0\.01"):
        cash.close_deposit(deposit, by=cashier)
    deposit.refresh_from_db()
    assert deposit.status == Deposit.Status.OPEN
    cash.record_payment(deposit, check("0.01", who, method="cash"), by=cashier)
    deposit.control_count = 3
    deposit.save()
    closed = cash.close_deposit(deposit, by=cashier)
    assert closed.status == Deposit.Status.CLOSED
    with pytest.raises(CashError, match="is closed"):
        cash.record_payment(deposit, check("5.00", who), by=cashier)


def test_manual_application_short_pays_and_teaches_the_payer_name(city, cashier, deposit):
    who = customer(city.clerk, name="Riverside Little League")
    first, second = invoice(city, who, "80.00"), invoice(city, who, "90.00")
    pay = cash.record_payment(deposit, check("100.00", who, payer="RLL Treasurer"), by=cashier)
    apps = cash.apply_payment(
        pay, [(first, Decimal("80.00")), (second, Decimal("20.00"))], by=city.clerk
    )
    first.refresh_from_db()
    second.refresh_from_db()
    pay.item.refresh_from_db()
    assert (first.open_amount, second.open_amount, pay.unapplied) == (
        Decimal("0.00"),
        Decimal("70.00"),
        Decimal("0.00"),
    )
    reasons = ApplicationReason.objects.filter(application__in=apps)
    assert {(r.rule, r.automatic) for r in reasons} == {("manual", False)}
    alias = PayerAlias.objects.get()
    assert (alias.customer, alias.normalized) == (who, "rll treasurer")


def test_an_overpayment_leaves_unapplied_cash_on_account(city, cashier, deposit):
    who = customer(city.clerk)
    bill = invoice(city, who, "40.00")
    pay = cash.record_payment(deposit, check("100.00", who), by=cashier)
    cash.apply_payment(pay, cash.allocation_for(pay, [bill]), by=city.clerk)
    pay.item.refresh_from_db()
    assert pay.unapplied == Decimal("60.00")
    with pytest.raises(Exception, match="owes only"):
        cash.apply_payment(pay, [(bill, Decimal("1.00"))], by=city.clerk)


def test_balancing_a_day_moves_closed_deposits_to_the_bank(city, cashier, supervisor):
    who = customer(city.clerk)
    parks = cash.open_deposit(department=city.parks, on=DAY, by=cashier)
    works = cash.open_deposit(department=city.works, on=DAY, by=cashier)
    cash.record_payment(parks, check("100.00", who), by=cashier)
    cash.record_payment(works, check("25.50", who, method="cash"), by=cashier)
    cash.close_deposit(parks, by=cashier)
    with pytest.raises(CashError, match="Close deposit"):
        cash.balance_day(DAY, by=supervisor)
    cash.close_deposit(works, by=cashier)
    cash.report_department_day(
        day=DAY, department=city.parks, amount=Decimal("100.00"), count=1, by=cashier
    )
    cash.report_department_day(
        day=DAY, department=city.works, amount=Decimal("25.00"), count=1, by=cashier
    )
    day = day_balancing(DAY)
    causes = [v.cause for v in day.variances]
    assert any("Public Works reported $25.00; Fiscus receipted $25.50" in c for c in causes)
    assert day.receipted_total == Decimal("125.50")
    with pytest.raises(CashError, match="variances") as refused:
        cash.balance_day(DAY, by=supervisor)
    assert refused.value.code == "note_required"
    done = cash.balance_day(DAY, by=supervisor, note="Works miscounted the drawer; verified.")
    assert gl(done.journal_entry_id) == [
        ("cash", Decimal("125.50"), Decimal("0.00")),
        ("undeposited_cash", Decimal("0.00"), Decimal("25.50")),
        ("undeposited_cash", Decimal("0.00"), Decimal("100.00")),
    ]
    assert balance(account(Account.Role.UNDEPOSITED_CASH)) == Decimal("0.00")
    assert set(Deposit.objects.values_list("status", flat=True)) == {"balanced"}
    with pytest.raises(CashError, match="already balanced"):
        cash.balance_day(DAY, by=supervisor)


def test_a_biller_records_cash_only_for_their_departments(city, biller_parks):
    with pytest.raises(CashError) as refused:
        cash.open_deposit(department=city.works, on=DAY, by=biller_parks)
    assert refused.value.code == "forbidden"


def test_the_unapplied_total_counts_unidentified_money_whole_and_the_rest_as_left(
    city, cashier, deposit, technician
):
    from fiscus.cash.queries import unapplied_total

    who = customer(city.clerk)
    bill = invoice(city, who, "30.00")
    pay = cash.record_payment(deposit, check("100.00", who), by=cashier)
    cash.record_payment(deposit, check("49.99", payer="Unknown payer"), by=cashier)
    cash.apply_payment(pay, [(bill, Decimal("30.00"))], by=technician)
    assert unapplied_total(technician) == Decimal("119.99")

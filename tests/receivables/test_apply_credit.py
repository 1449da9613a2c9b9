"""Applying a payment or credit to what a customer owes."""

from datetime import date
from decimal import Decimal

import pytest

from fiscus.ledger.models import JournalEntry
from fiscus.ledger.queries import balance
from fiscus.organization.models import Account
from fiscus.organization.services import account
from fiscus.receivables import queries
from fiscus.receivables import services as receivables
from fiscus.receivables.models import Application, ReceivableEntry
from fiscus.receivables.services import ReceivableError, apply_credit, reverse_application
from tests.factories import customer, invoice, payment

MARCH_20 = date(2026, 3, 20)


def refreshed(*items):
    for item in items:
        item.refresh_from_db()
    return [item.open_amount for item in items]


def test_a_short_payment_leaves_the_rest_of_the_invoice_open(city):
    who = customer(city.clerk)
    bill, paid = invoice(city, who, "100.00"), payment(city, who, "60.00")
    application = apply_credit(paid, bill, Decimal("60.00"), on=MARCH_20, by=city.clerk)
    assert refreshed(bill, paid) == [Decimal("40.00"), Decimal("0.00")]
    assert application.debit_item.open_amount == Decimal("40.00")  # the caller's copy too
    rows = ReceivableEntry.objects.filter(source_ref=f"APP-{application.pk}")
    assert sorted((r.item_id, r.amount) for r in rows) == sorted(
        [(paid.pk, Decimal("60.00")), (bill.pk, Decimal("-60.00"))]
    )
    assert queries.customer_balance(who.pk) == Decimal("40.00")
    assert [i.number for i in queries.open_items(who.pk)] == ["INV-2026-000001"]


def test_applying_within_one_fund_posts_nothing_to_the_gl(city):
    who = customer(city.clerk)
    bill, paid = invoice(city, who, "100.00"), payment(city, who, "100.00")
    application = apply_credit(paid, bill, Decimal("100.00"), on=MARCH_20, by=city.clerk)
    assert application.journal_entry is None
    assert JournalEntry.objects.count() == 2
    assert balance(account(Account.Role.AR_CONTROL)) == queries.total_open() == Decimal("0.00")
    assert queries.open_items(who.pk) == []
    assert queries.open_items(who.pk, as_of=MARCH_20) == []


def test_applying_more_than_the_invoice_owes_is_refused(city):
    who = customer(city.clerk)
    bill, paid = invoice(city, who, "100.00"), payment(city, who, "150.00")
    with pytest.raises(ReceivableError) as refused:
        apply_credit(paid, bill, Decimal("120.00"), on=MARCH_20, by=city.clerk)
    assert refused.value.message == "INV-2026-000001 owes only $100.00."
    assert Application.objects.count() == 0
    assert refreshed(bill, paid) == [Decimal("100.00"), Decimal("-150.00")]


def test_applying_more_than_is_left_of_the_payment_is_refused(city):
    who = customer(city.clerk)
    first, second = invoice(city, who, "30.00"), invoice(city, who, "40.00")
    paid = payment(city, who, "50.00")
    apply_credit(paid, first, Decimal("30.00"), on=MARCH_20, by=city.clerk)
    with pytest.raises(ReceivableError) as refused:
        apply_credit(paid, second, Decimal("40.00"), on=MARCH_20, by=city.clerk)
    assert refused.value.message == "PMT-2026-000001 has only $20.00 left to apply."
    assert refreshed(second, paid) == [Decimal("40.00"), Decimal("-20.00")]


def test_a_payment_cannot_pay_another_customers_invoice(city):
    bill = invoice(city, customer(city.clerk, "Ana"), "100.00")
    paid = payment(city, customer(city.clerk, "Ben"), "100.00")
    with pytest.raises(ReceivableError) as refused:
        apply_credit(paid, bill, Decimal("10.00"), on=MARCH_20, by=city.clerk)
    assert refused.value.message == (
        "PMT-2026-000001 and INV-2026-000001 belong to different customers."
    )


def test_an_application_dated_before_the_payment_was_posted_is_refused(city):
    who = customer(city.clerk)
    bill = invoice(city, who, "100.00", on=date(2026, 3, 2))
    paid = payment(city, who, "100.00", on=date(2026, 3, 10))
    with pytest.raises(ReceivableError) as refused:
        apply_credit(paid, bill, Decimal("100.00"), on=date(2026, 3, 5), by=city.clerk)
    assert refused.value.message == (
        "An application cannot be dated before both items were posted (03/10/2026)."
    )


@pytest.mark.parametrize(
    ("amount", "sentence"),
    [
        (Decimal("0.00"), "The amount to apply must be more than zero."),
        (Decimal("-5.00"), "The amount to apply must be more than zero."),
    ],
)
def test_nothing_or_less_than_nothing_cannot_be_applied(city, amount, sentence):
    who = customer(city.clerk)
    bill, paid = invoice(city, who, "100.00"), payment(city, who, "100.00")
    with pytest.raises(ReceivableError) as refused:
        apply_credit(paid, bill, amount, on=MARCH_20, by=city.clerk)
    assert refused.value.message == sentence


def test_the_items_must_be_a_credit_and_a_debit_the_right_way_round(city):
    who = customer(city.clerk)
    bill, paid = invoice(city, who, "100.00"), payment(city, who, "100.00")
    with pytest.raises(ReceivableError) as refused:
        apply_credit(bill, paid, Decimal("1.00"), on=MARCH_20, by=city.clerk)
    assert refused.value.message == "INV-2026-000001 is not a payment or credit."
    other = payment(city, who, "5.00")
    with pytest.raises(ReceivableError) as refused:
        apply_credit(paid, other, Decimal("1.00"), on=MARCH_20, by=city.clerk)
    assert refused.value.message == "PMT-2026-000002 is not an amount owed."


def test_a_credit_reapplied_before_a_later_reversal_is_not_applied_twice_in_between(city):
    """Apply on 3/20, reverse on 4/15, then apply again dated 3/25: between 3/25 and 4/14 the
    payment would be applied twice over, so the backdated application is refused."""
    who = customer(city.clerk)
    first, second = invoice(city, who, "100.00"), invoice(city, who, "100.00")
    paid = payment(city, who, "100.00")
    application = apply_credit(paid, first, Decimal("100.00"), on=MARCH_20, by=city.clerk)
    reverse_application(application, on=date(2026, 4, 15), by=city.clerk, reason="wrong invoice")
    with pytest.raises(ReceivableError) as refused:
        apply_credit(paid, second, Decimal("100.00"), on=date(2026, 3, 25), by=city.clerk)
    assert refused.value.message == (
        "PMT-2026-000001 has only $0.00 left to apply on 03/25/2026, counting what was applied "
        "and reversed after that date."
    )
    apply_credit(paid, second, Decimal("100.00"), on=date(2026, 4, 15), by=city.clerk)
    assert refreshed(first, second, paid) == [Decimal("100.00"), Decimal("0.00"), Decimal("0.00")]


def test_an_invoice_paid_later_cannot_be_paid_again_on_an_earlier_date(city):
    who = customer(city.clerk)
    bill = invoice(city, who, "100.00")
    early, late = payment(city, who, "100.00"), payment(city, who, "100.00", on=date(2026, 4, 1))
    application = apply_credit(late, bill, Decimal("100.00"), on=date(2026, 4, 1), by=city.clerk)
    reverse_application(application, on=date(2026, 4, 30), by=city.clerk, reason="bounced")
    with pytest.raises(ReceivableError) as refused:
        apply_credit(early, bill, Decimal("100.00"), on=MARCH_20, by=city.clerk)
    assert refused.value.message == (
        "INV-2026-000001 owed only $0.00 on 03/20/2026, counting what was applied and reversed "
        "after that date."
    )
    assert receivables.verify()[1] == []

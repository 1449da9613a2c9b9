"""Undoing an application: the invoice is open again and the payment unapplied again."""

from datetime import date
from decimal import Decimal

import pytest

from fiscus.audit.models import AuditEvent
from fiscus.receivables import queries
from fiscus.receivables.models import Application, ReceivableEntry
from fiscus.receivables.services import ReceivableError, apply_credit, reverse_application
from tests.factories import customer, invoice, payment

APPLIED_ON, REVERSED_ON = date(2026, 3, 20), date(2026, 3, 25)


@pytest.fixture
def applied(city):
    who = customer(city.clerk)
    bill, paid = invoice(city, who, "100.00"), payment(city, who, "60.00")
    application = apply_credit(paid, bill, Decimal("60.00"), on=APPLIED_ON, by=city.clerk)
    return who, bill, paid, application


def test_reversing_an_application_reopens_the_invoice(city, applied):
    who, bill, paid, application = applied
    reversal = reverse_application(
        application, on=REVERSED_ON, by=city.clerk, reason="applied to the wrong invoice"
    )
    bill.refresh_from_db()
    paid.refresh_from_db()
    assert (bill.open_amount, paid.open_amount) == (Decimal("100.00"), Decimal("-60.00"))
    assert (reversal.amount, reversal.reverses, reversal.note) == (
        Decimal("-60.00"),
        application,
        "applied to the wrong invoice",
    )
    rows = ReceivableEntry.objects.filter(source="application.reversed")
    assert sorted((r.item_id, r.amount, r.effective_date) for r in rows) == sorted(
        [
            (paid.pk, Decimal("-60.00"), REVERSED_ON),
            (bill.pk, Decimal("60.00"), REVERSED_ON),
        ]
    )
    assert queries.customer_balance(who.pk) == Decimal("40.00")
    assert queries.customer_balance(who.pk, as_of=APPLIED_ON) == Decimal("40.00")
    assert [i.open_amount for i in queries.open_items(who.pk, as_of=APPLIED_ON)] == [
        Decimal("40.00")
    ]
    assert AuditEvent.objects.filter(action="credit.unapplied").count() == 1


def test_the_reopened_payment_can_be_applied_again(city, applied):
    who, bill, paid, application = applied
    reverse_application(application, on=REVERSED_ON, by=city.clerk, reason="wrong amount")
    apply_credit(paid, bill, Decimal("50.00"), on=REVERSED_ON, by=city.clerk)
    bill.refresh_from_db()
    assert bill.open_amount == Decimal("50.00")


def test_an_application_cannot_be_reversed_twice(city, applied):
    *_, application = applied
    reverse_application(application, on=REVERSED_ON, by=city.clerk, reason="wrong invoice")
    with pytest.raises(ReceivableError) as refused:
        reverse_application(application, on=REVERSED_ON, by=city.clerk, reason="again")
    assert refused.value.message == "That application has already been reversed."
    assert Application.objects.count() == 2


def test_a_reversal_cannot_itself_be_reversed(city, applied):
    *_, application = applied
    reversal = reverse_application(application, on=REVERSED_ON, by=city.clerk, reason="wrong")
    with pytest.raises(ReceivableError) as refused:
        reverse_application(reversal, on=REVERSED_ON, by=city.clerk, reason="undo the undo")
    assert refused.value.message == "A reversal cannot itself be reversed."


def test_a_reversal_needs_a_reason_and_a_date_on_or_after_the_application(city, applied):
    *_, application = applied
    with pytest.raises(ReceivableError) as refused:
        reverse_application(application, on=REVERSED_ON, by=city.clerk, reason=" ")
    assert refused.value.message == "Say why the application is reversed."
    with pytest.raises(ReceivableError) as refused:
        reverse_application(application, on=date(2026, 3, 19), by=city.clerk, reason="wrong")
    assert refused.value.message == "A reversal cannot be dated before the application."
    assert Application.objects.count() == 1

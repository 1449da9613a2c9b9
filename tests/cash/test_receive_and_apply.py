"""Receiving a batch of payments and applying the ones the matcher is sure of, in bulk."""

from __future__ import annotations

import gc
from datetime import date
from decimal import Decimal

import pytest

from fiscus.cash import services as cash
from fiscus.cash.autoapply import build_book, dismiss_suggestion, receive_and_apply, rematch
from fiscus.cash.models import ApplicationReason, Match, Payment
from fiscus.cash.services import PaymentInput
from fiscus.customers.services import create_customer
from fiscus.receivables import services as receivables
from fiscus.receivables.models import Application
from tests.factories import invoice

DAY = date(2026, 3, 10)


def ach(amount: str, payer: str, text: str = "") -> PaymentInput:
    return PaymentInput(
        amount=Decimal(amount), method="ach", received_on=DAY, payer=payer, remittance=text
    )


@pytest.fixture
def world(city, technician):
    cash.update_cash_settings(
        by=technician, allocation_policy="oldest_first", auto_apply_threshold=Decimal("0.90")
    )
    ada = create_customer(by=city.clerk, fields={"name": "Ada Works"})
    bob = create_customer(by=city.clerk, fields={"name": "Bob Builder"})
    a1, a2 = invoice(city, ada, "100.00"), invoice(city, ada, "40.00")
    b1 = invoice(city, bob, "55.55")
    deposit = cash.open_deposit(department=city.parks, on=DAY, by=technician, source="bank")
    return ada, bob, a1, a2, b1, deposit


def test_a_sure_match_is_applied_with_its_reasons_and_the_rest_waits(world, technician):
    ada, bob, a1, a2, b1, deposit = world
    inputs = [
        ach("150.00", "ADA WORKS", f"INV {a1.number} 100.00 INV {a2.number} 40.00"),
        ach("12.34", "Somebody Unknown"),
    ]
    result = receive_and_apply(deposit, inputs, by=technician, source="bank")
    assert (result.count, result.applied, result.suggested + result.unmatched) == (2, 1, 1)
    assert (result.applied_amount, result.unapplied_amount) == (
        Decimal("140.00"),
        Decimal("22.34"),
    )
    paid = Payment.objects.get(payer="ADA WORKS")
    assert (paid.status, paid.customer, paid.unapplied) == ("posted", ada, Decimal("10.00"))
    assert result.payments[0].pk == paid.pk and result.payments[0].item.open_amount == Decimal(
        "-10.00"
    )
    for item in (a1, a2, b1):
        item.refresh_from_db()
    assert [a1.open_amount, a2.open_amount, b1.open_amount] == [
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("55.55"),
    ]
    match = Match.objects.get(payment=paid)
    assert (match.status, match.customer) == (Match.Status.APPLIED, ada)
    assert match.decided_at is not None and match.reason
    assert sorted((a["number"], a["amount"]) for a in match.allocations) == [
        (a1.number, "100.00"),
        (a2.number, "40.00"),
    ]
    reasons = ApplicationReason.objects.filter(payment=paid).select_related("application")
    assert sorted((r.application.debit_item_id, r.application.amount) for r in reasons) == [
        (a1.pk, Decimal("100.00")),
        (a2.pk, Decimal("40.00")),
    ]
    assert {(r.match_id, r.automatic, r.rule, r.confidence) for r in reasons} == {
        (match.pk, True, match.rule, match.confidence)
    }
    assert Application.objects.count() == 2
    unknown = Payment.objects.get(payer="Somebody Unknown")
    assert unknown.unapplied == Decimal("12.34")
    assert not ApplicationReason.objects.filter(payment=unknown).exists()
    assert receivables.verify()[1] == []


def test_a_suggestion_names_its_items_and_applies_nothing(world, technician):
    ada, bob, a1, a2, b1, deposit = world
    cash.update_cash_settings(
        by=technician, allocation_policy="oldest_first", auto_apply_threshold=Decimal("1.00")
    )
    result = receive_and_apply(
        deposit, [ach("55.55", "BOB BUILDER", f"INV {b1.number}")], by=technician, source="bank"
    )
    assert (result.applied, result.suggested) == (0, 1)
    match = Match.objects.get()
    assert match.status == Match.Status.SUGGESTED and match.decided_at is None
    assert [(a["item"], a["number"]) for a in match.allocations] == [(str(b1.pk), b1.number)]
    b1.refresh_from_db()
    assert b1.open_amount == Decimal("55.55") and not Application.objects.exists()


def test_an_invoice_paid_since_the_book_was_read_refuses_the_whole_batch(world, technician):
    """The book is read without locks; the items are checked again under their locks."""
    ada, bob, a1, a2, b1, deposit = world
    book = build_book()
    by_hand = PaymentInput(amount=Decimal("100.00"), method="check", received_on=DAY, customer=ada)
    cash.record_payment(deposit, by_hand, by=technician)
    paid_first = Payment.objects.get()
    receivables.apply_credit(paid_first.item, a1, Decimal("100.00"), on=DAY, by=technician)
    inputs = [ach("100.00", "ADA WORKS", f"INV {a1.number}")]
    with pytest.raises(receivables.ReceivableError, match=f"{a1.number} owes only \\$0.00"):
        receive_and_apply(deposit, inputs, by=technician, source="bank", book=book)
    assert Payment.objects.count() == 1 and Match.objects.count() == 0


def test_the_garbage_collector_is_back_on_after_a_run_even_a_failed_one(world, technician):
    *_, deposit = world
    assert gc.isenabled()
    receive_and_apply(deposit, [ach("1.00", "Nobody At All")], by=technician, source="bank")
    assert gc.isenabled()
    later = PaymentInput(
        amount=Decimal("1.00"), method="ach", received_on=date(2099, 1, 1), payer="Nobody"
    )
    with pytest.raises(cash.CashError, match="the received date is in the future"):
        receive_and_apply(deposit, [later], by=technician, source="bank")
    assert gc.isenabled()


def test_a_suggestion_in_the_worklist_holds_its_item_for_the_next_import(world, technician):
    ada, bob, a1, a2, b1, deposit = world
    # nobody vouches for a short pay of a1: a suggestion, waiting in the worklist
    first = receive_and_apply(
        deposit, [ach("99.00", "", f"INV {a1.number}")], by=technician, source="bank"
    )
    assert (first.applied, first.suggested) == (0, 1)
    # the next file: Ada pays 100.00, which only a1 owes; a1 waits for the clerk's decision
    second = receive_and_apply(deposit, [ach("100.00", "ADA WORKS")], by=technician, source="bank")
    assert (second.applied, second.suggested) == (0, 1)
    match = Match.objects.get(payment=second.payments[0])
    assert match.status == Match.Status.SUGGESTED
    assert f"an earlier payment waiting for a clerk may be for {a1.number}" in match.reason
    a1.refresh_from_db()
    assert a1.open_amount == Decimal("100.00")
    # once the clerk has worked the first one, nothing holds a1 any more
    cash_match = Match.objects.get(payment=first.payments[0])
    dismiss_suggestion(cash_match, by=technician)
    again = rematch([second.payments[0]], by=technician)
    assert again.applied == 1
    a1.refresh_from_db()
    assert a1.open_amount == Decimal("0.00")
    assert build_book()._claims.get(a1.pk) is None

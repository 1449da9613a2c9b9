from datetime import date
from decimal import Decimal

import pytest

from fiscus.errors import FiscusError
from fiscus.ledger.models import JournalEntry
from fiscus.ledger.queries import balance
from fiscus.ledger.services import Line, post_entry, reverse_entry, verify
from fiscus.organization.models import Account
from fiscus.organization.services import account


def _deposit(city, amount="125.00"):
    bank, undeposited = account(Account.Role.CASH), account(Account.Role.UNDEPOSITED_CASH)
    return post_entry(
        on=date(2026, 3, 3),
        memo="deposit",
        by=city.clerk,
        lines=[
            Line.dr(bank, city.general, Decimal(amount), department=city.parks, memo="bank"),
            Line.cr(undeposited, city.general, Decimal(amount)),
        ],
    )


def test_a_reversal_mirrors_every_line_and_points_back_to_the_original(city):
    original = _deposit(city)
    reversal = reverse_entry(original, on=date(2026, 3, 4), by=city.clerk, reason="posted twice")
    mirrored = [
        (ln.fund_id, ln.department_id, ln.account_id, ln.credit, ln.debit, ln.memo)
        for ln in original.lines.all()
    ]
    assert [
        (ln.fund_id, ln.department_id, ln.account_id, ln.debit, ln.credit, ln.memo)
        for ln in reversal.lines.all()
    ] == mirrored
    assert reversal.reverses == original
    assert reversal.memo == "Reversal of JE-2026-000001: posted twice"
    assert reversal.number == "JE-2026-000002"
    assert balance(account(Account.Role.CASH)) == Decimal("0.00")
    assert balance(account(Account.Role.CASH), as_of=date(2026, 3, 3)) == Decimal("125.00")
    assert verify() == (2, [])


def test_the_original_entry_is_left_as_it_was(city):
    original = _deposit(city)
    before = list(original.lines.values_list("debit", "credit"))
    reverse_entry(original, on=date(2026, 3, 4), by=city.clerk, reason="posted twice")
    original.refresh_from_db()
    assert original.hash == JournalEntry.objects.get(pk=original.pk).hash
    assert list(original.lines.values_list("debit", "credit")) == before


def test_an_entry_cannot_be_reversed_twice(city):
    original = _deposit(city)
    reverse_entry(original, on=date(2026, 3, 4), by=city.clerk, reason="posted twice")
    with pytest.raises(FiscusError) as refused:
        reverse_entry(original, on=date(2026, 3, 5), by=city.clerk, reason="again")
    assert refused.value.message == "JE-2026-000001 has already been reversed."
    assert JournalEntry.objects.count() == 2


def test_a_reversal_needs_a_reason(city):
    original = _deposit(city)
    with pytest.raises(FiscusError) as refused:
        reverse_entry(original, on=date(2026, 3, 4), by=city.clerk, reason="  ")
    assert refused.value.message == "Say why the entry is reversed."


def test_an_entry_that_moves_ar_control_cannot_be_reversed_from_the_ledger(city):
    from tests.factories import customer, invoice

    item = invoice(city, customer(city.clerk), "80.00")
    entry = JournalEntry.objects.get(pk=item.journal_entry_id)
    with pytest.raises(FiscusError, match="posts to AR control; correct it through the customer"):
        reverse_entry(entry, on=date(2026, 3, 4), by=city.clerk, reason="wrong customer")
    assert not JournalEntry.objects.filter(reverses=entry).exists()

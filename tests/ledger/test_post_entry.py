from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction

from fiscus.audit.models import AuditEvent
from fiscus.ledger.models import JournalEntry, JournalLine
from fiscus.ledger.queries import balance
from fiscus.ledger.services import EntrySpec, LedgerError, Line, post_entries, post_entry, verify
from fiscus.organization.models import Account, Fund
from fiscus.organization.services import account


def test_a_balanced_entry_posts_with_a_gap_free_number_and_a_verified_hash(city):
    cash, ar = account(Account.Role.CASH), account(Account.Role.AR_CONTROL)
    first = post_entry(
        on=date(2026, 3, 1),
        memo="one",
        by=city.clerk,
        lines=[
            Line.dr(cash, city.general, Decimal("10.00")),
            Line.cr(ar, city.general, Decimal("10.00")),
        ],
    )
    second = post_entry(
        on=date(2026, 3, 2),
        memo="two",
        by=city.clerk,
        lines=[
            Line.dr(cash, city.general, Decimal("5.00")),
            Line.cr(ar, city.general, Decimal("5.00")),
        ],
    )
    assert (first.number, second.number) == ("JE-2026-000001", "JE-2026-000002")
    assert second.prev_hash == first.hash
    assert verify() == (2, [])


def test_an_entry_that_does_not_balance_is_refused_and_nothing_is_written(city):
    cash, ar = account(Account.Role.CASH), account(Account.Role.AR_CONTROL)
    with pytest.raises(
        LedgerError, match="does not balance in fund 100: debits exceed credits by \\$0.01"
    ):
        post_entry(
            on=date(2026, 3, 1),
            memo="bad",
            by=city.clerk,
            lines=[
                Line.dr(cash, city.general, Decimal("10.01")),
                Line.cr(ar, city.general, Decimal("10.00")),
            ],
        )
    assert JournalEntry.objects.count() == 0


def test_the_database_refuses_to_alter_a_posted_line(city):
    cash, ar = account(Account.Role.CASH), account(Account.Role.AR_CONTROL)
    post_entry(
        on=date(2026, 3, 1),
        memo="one",
        by=city.clerk,
        lines=[
            Line.dr(cash, city.general, Decimal("10.00")),
            Line.cr(ar, city.general, Decimal("10.00")),
        ],
    )
    with pytest.raises(DatabaseError, match="refused"), transaction.atomic():
        JournalLine.objects.update(debit=Decimal("0"))
    with pytest.raises(DatabaseError, match="refused"), transaction.atomic():
        JournalLine.objects.all().delete()


def _cash_and_ar():
    return account(Account.Role.CASH), account(Account.Role.AR_CONTROL)


def test_an_entry_balanced_overall_but_not_within_each_fund_is_refused(city):
    cash, ar = _cash_and_ar()
    water = Fund.objects.create(code="500", name="Water Utility")
    with pytest.raises(LedgerError) as refused:
        post_entry(
            on=date(2026, 3, 1),
            memo="across funds",
            by=city.clerk,
            lines=[
                Line.dr(cash, city.general, Decimal("10.00")),
                Line.cr(ar, water, Decimal("10.00")),
            ],
        )
    assert refused.value.message == (
        "The entry does not balance in fund 100: debits exceed credits by $10.00."
    )
    assert JournalEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("lines", "sentence"),
    [
        (
            lambda cash, ar, f: [Line.dr(cash, f, Decimal("1.00"))],
            "A journal entry needs at least two lines.",
        ),
        (
            lambda cash, ar, f: [
                Line(cash, f, debit=Decimal("1.00"), credit=Decimal("1.00")),
                Line.cr(ar, f, Decimal("0.01")),
            ],
            "Line 1: give either a debit or a credit, not both or neither.",
        ),
        (
            lambda cash, ar, f: [
                Line.dr(cash, f, Decimal("-1.00")),
                Line.cr(ar, f, Decimal("-1.00")),
            ],
            "Line 1: debits and credits are never negative.",
        ),
        (
            lambda cash, ar, f: [
                Line.dr(cash, f, Decimal("0.004")),
                Line.cr(ar, f, Decimal("0.004")),
            ],
            "Line 1: give either a debit or a credit, not both or neither.",
        ),
    ],
)
def test_a_malformed_entry_is_refused_with_the_line_named(city, lines, sentence):
    cash, ar = _cash_and_ar()
    with pytest.raises(LedgerError) as refused:
        post_entry(
            on=date(2026, 3, 1), memo="bad", by=city.clerk, lines=lines(cash, ar, city.general)
        )
    assert refused.value.message == sentence
    assert JournalEntry.objects.count() == 0


def test_lines_are_stored_in_cents_in_the_order_given_with_their_chartfields(city):
    cash, ar = _cash_and_ar()
    entry = post_entry(
        on=date(2026, 3, 1),
        memo="deposit",
        by=city.clerk,
        source="test",
        lines=[
            Line.dr(cash, city.general, Decimal("10.5"), department=city.parks),
            Line.cr(ar, city.general, Decimal("10.50"), memo="from Parks"),
        ],
    )
    stored = [
        (ln.line_no, ln.fund.code, ln.department_id, ln.account.code, ln.debit, ln.credit, ln.memo)
        for ln in entry.lines.all()
    ]
    assert stored == [
        (1, "100", city.parks.pk, "1010", Decimal("10.50"), Decimal("0.00"), ""),
        (2, "100", None, "1200", Decimal("0.00"), Decimal("10.50"), "from Parks"),
    ]
    assert entry.period.number == 9  # March is P09 of a July fiscal year
    assert AuditEvent.objects.filter(action="journal.posted", object_id=str(entry.pk)).exists()


def test_many_entries_post_in_one_batch_numbered_and_chained_in_order(city):
    cash, ar = _cash_and_ar()
    specs = [
        EntrySpec(
            on=date(2026, 3, day),
            memo=f"day {day}",
            lines=[
                Line.dr(cash, city.general, Decimal(day)),
                Line.cr(ar, city.general, Decimal(day)),
            ],
        )
        for day in (1, 2, 3)
    ]
    entries = post_entries(specs, by=city.clerk)
    assert [e.number for e in entries] == ["JE-2026-000001", "JE-2026-000002", "JE-2026-000003"]
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[1].prev_hash == entries[0].hash and entries[2].prev_hash == entries[1].hash
    assert balance(cash) == Decimal("6.00")
    assert verify() == (3, [])

"""The hash chains prove nobody altered history: any change to a stored row is named."""

from datetime import date
from decimal import Decimal

from django.db import connection

from fiscus.ledger import services as ledger
from fiscus.ledger.models import Chain, JournalEntry, JournalLine
from fiscus.ledger.services import Line, post_entry
from fiscus.organization.models import Account
from fiscus.organization.services import account
from fiscus.receivables import services as receivables
from fiscus.receivables.models import ReceivableEntry
from tests.factories import customer, invoice, payment

ALTERED = "its contents do not match its hash (the record was altered)"


def lift_append_only(*tables: str) -> None:
    """Drop the triggers for this test's transaction only (it rolls back afterwards)."""
    with connection.cursor() as cursor:
        for table in tables:
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER "{table}_append_only"')
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            else:
                cursor.execute(f'DROP TRIGGER "{table}_no_update"')
                cursor.execute(f'DROP TRIGGER "{table}_no_delete"')


def _entries(city, count):
    cash, ar = account(Account.Role.CASH), account(Account.Role.AR_CONTROL)
    return [
        post_entry(
            on=date(2026, 3, n),
            memo=f"entry {n}",
            by=city.clerk,
            lines=[Line.dr(cash, city.general, Decimal(n)), Line.cr(ar, city.general, Decimal(n))],
        )
        for n in range(1, count + 1)
    ]


def test_an_untouched_ledger_verifies(city):
    _entries(city, 3)
    assert ledger.verify() == (3, [])


def test_an_empty_ledger_verifies(db):
    assert ledger.verify() == (0, [])
    assert receivables.verify() == (0, [])


def test_a_changed_amount_is_named_by_its_entry(city):
    entries = _entries(city, 3)
    lift_append_only(JournalLine._meta.db_table)
    JournalLine.objects.filter(entry=entries[1], line_no=1).update(debit=Decimal("2000.00"))
    assert ledger.verify() == (3, [(2, "JE-2026-000002", ALTERED)])


def test_a_changed_memo_or_date_is_named_too(city):
    entries = _entries(city, 2)
    lift_append_only(JournalEntry._meta.db_table)
    JournalEntry.objects.filter(pk=entries[0].pk).update(date=date(2026, 2, 27))
    assert ledger.verify() == (2, [(1, "JE-2026-000001", ALTERED)])


def test_a_deleted_entry_leaves_a_gap_in_the_chain(city):
    entries = _entries(city, 3)
    lift_append_only(JournalLine._meta.db_table, JournalEntry._meta.db_table)
    JournalLine.objects.filter(entry=entries[1]).delete()
    JournalEntry.objects.filter(pk=entries[1].pk).delete()
    assert ledger.verify() == (
        2,
        [
            (3, "JE-2026-000003", "expected position 2, found 3 (a record is missing)"),
            (3, "JE-2026-000003", "its previous-hash does not match the record before it"),
        ],
    )


def test_a_deleted_last_entry_is_caught_by_the_chain_head(city):
    entries = _entries(city, 2)
    lift_append_only(JournalLine._meta.db_table, JournalEntry._meta.db_table)
    JournalLine.objects.filter(entry=entries[1]).delete()
    JournalEntry.objects.filter(pk=entries[1].pk).delete()
    assert ledger.verify() == (1, [(2, "?", "the chain head does not match the last entry")])
    assert Chain.objects.get(name="gl").seq == 2


def test_the_receivable_ledger_names_the_row_that_was_altered(city):
    who = customer(city.clerk)
    invoice(city, who, "100.00")
    payment(city, who, "40.00")
    assert receivables.verify() == (2, [])
    lift_append_only(ReceivableEntry._meta.db_table)
    ReceivableEntry.objects.filter(seq=2).update(amount=Decimal("-4.00"))
    assert receivables.verify() == (2, [(2, "PMT-2026-000001", ALTERED)])
    assert ledger.verify() == (2, [])

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from fiscus.audit.references import unchecked_references
from fiscus.ledger.models import JournalEntry, JournalLine
from tests.factories import customer, invoice, payment


def run_verify() -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("audit_verify", stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def tamper_with_debit(line: JournalLine, debit: str) -> None:
    """What an intruder with database access might do: disable the guard and edit a line."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks on the table
            cursor.execute(
                "ALTER TABLE ledger_journalline DISABLE TRIGGER ledger_journalline_append_only"
            )
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            cursor.execute("DROP TRIGGER ledger_journalline_no_update")
        cursor.execute("UPDATE ledger_journalline SET debit = %s WHERE id = %s", [debit, line.pk])


def test_a_clean_ledger_verifies(city):
    who = customer(city.clerk)
    invoice(city, who, "125.00")
    payment(city, who, "25.00")

    code, out, err = run_verify()

    assert code == 0
    kinds = len(unchecked_references())
    assert out == (
        f"OK: 2 journal entries and 2 receivable rows verify; {kinds} kinds of reference resolve.\n"
    )
    assert "Verifying journal entries" in err


def test_an_empty_ledger_verifies(db):
    kinds = len(unchecked_references())
    expected = "OK: 0 journal entries and 0 receivable rows verify; "
    assert run_verify()[:2] == (0, f"{expected}{kinds} kinds of reference resolve.\n")


def test_an_altered_journal_line_fails_and_names_its_entry(city):
    who = customer(city.clerk)
    first = JournalEntry.objects.get(pk=invoice(city, who, "125.00").journal_entry_id)
    invoice(city, who, "80.00", on=date(2026, 3, 3))
    tamper_with_debit(first.lines.get(debit__gt=0), "12.50")

    code, out, _ = run_verify()

    assert code == 1
    assert out == (
        f"FAILED: journal entry {first.number} (position 1): "
        "its contents do not match its hash (the record was altered)\n"
    )


def point_posted_by_at_nobody(item_id: int) -> None:
    """A row written wrong: its user does not exist (the database checks no foreign key there)."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE receivables_item SET posted_by_id = 987654 WHERE id = %s", [item_id])


def test_every_unchecked_reference_is_known():
    found = {(r.table, r.column) for r in unchecked_references()}
    assert ("ledger_journalline", "fund_id") in found
    assert ("ledger_journalline", "account_id") in found
    assert ("receivables_receivableentry", "recorded_by_id") in found
    assert ("receivables_receivableentry", "item_id") in found
    assert ("ledger_journalline", "entry_id") not in found  # checked by the database
    assert not any(table.startswith("billing_historical") for table, _ in found)


def test_a_reference_to_nothing_fails_and_names_it(city):
    item = invoice(city, customer(city.clerk), "125.00")
    point_posted_by_at_nobody(item.pk)

    code, out, _ = run_verify()

    assert code == 1
    assert out == (
        "FAILED: item posted by: 1 row refers to a user that does not exist "
        f"(receivables_item.posted_by_id, first id {item.pk})\n"
    )


@pytest.mark.parametrize("argv", [["audit", "verify"]])
def test_the_fiscus_command_line_maps_audit_verify_to_the_command(argv):
    from fiscus.cli import SUBCOMMANDS

    assert SUBCOMMANDS[tuple(argv)] == "audit_verify"

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

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
    assert out == "OK: 2 journal entries and 2 receivable rows verify.\n"
    assert "Verifying journal entries" in err


def test_an_empty_ledger_verifies(db):
    assert run_verify()[:2] == (0, "OK: 0 journal entries and 0 receivable rows verify.\n")


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


@pytest.mark.parametrize("argv", [["audit", "verify"]])
def test_the_fiscus_command_line_maps_audit_verify_to_the_command(argv):
    from fiscus.cli import SUBCOMMANDS

    assert SUBCOMMANDS[tuple(argv)] == "audit_verify"

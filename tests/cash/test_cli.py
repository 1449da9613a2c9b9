"""fiscus cash import-bank / import-lockbox."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fiscus import cli
from fiscus.cash.models import BankLine, Payment
from tests.cash.formats.conftest import EXTERNAL
from tests.factories import customer, invoice


def test_import_bank_reads_imports_and_the_second_time_changes_nothing(city, technician, capsys):
    path = EXTERNAL / "bai2" / "moov-sample1.bai2"
    call_command("cash_import_bank", str(path), "--dry-run", "--user", technician.username)
    out = capsys.readouterr().out
    assert "lines" in out and not BankLine.objects.exists()
    call_command("cash_import_bank", str(path), "--user", technician.username)
    assert "new line(s)" in capsys.readouterr().out
    count = BankLine.objects.count()
    assert count > 0
    call_command("cash_import_bank", str(path), "--user", technician.username)
    assert "already imported" in capsys.readouterr().out and BankLine.objects.count() == count


def test_import_bank_refuses_a_bad_file_with_the_line(city, technician, capsys):
    path = EXTERNAL / "bai2" / "moov-sample5-nonconforming.bai2"
    with pytest.raises(CommandError, match="Line 22, account trailer"):
        call_command("cash_import_bank", str(path), "--user", technician.username)
    assert not BankLine.objects.exists()


def test_import_lockbox_applies_the_checks(city, technician, tmp_path, capsys):
    who = customer(city.clerk, name="Dana Lee")
    bill = invoice(city, who, "30.00")
    path = tmp_path / "lockbox.csv"
    path.write_text(
        "deposit date,batch,item,check number,check amount,remitter,routing,account,"
        "customer number,invoice number,amount paid\n"
        f"03/10/2026,1,1,77,30.00,DANA LEE,055002707,0012345555,{who.number},{bill.number},30.00\n"
    )
    call_command(
        "cash_import_lockbox",
        str(path),
        "--department",
        city.parks.code,
        "--user",
        technician.username,
    )
    assert "1 applied automatically" in capsys.readouterr().out
    bill.refresh_from_db()
    assert bill.open_amount == Decimal("0.00") and Payment.objects.get().customer == who


def test_fiscus_cash_subcommands_map_to_their_commands(monkeypatch):
    seen = []
    monkeypatch.setattr(
        "django.core.management.execute_from_command_line", lambda argv: seen.append(argv)
    )
    cli.main(["cash", "import-bank", "f.bai2", "--dry-run"])
    cli.main(["cash", "import-lockbox", "f.csv", "--department", "PRK"])
    assert seen == [
        ["fiscus", "cash_import_bank", "f.bai2", "--dry-run"],
        ["fiscus", "cash_import_lockbox", "f.csv", "--department", "PRK"],
    ]

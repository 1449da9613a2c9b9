"""Importing bank statements and lockbox files: idempotent, atomic, the problems reported."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fiscus.cash import imports
from fiscus.cash import services as cash
from fiscus.cash.models import BankLine, BankStatement, Deposit, Match, Payment
from fiscus.cash.services import CashError
from fiscus.receivables.models import ImportBatch
from tests.cash.formats.conftest import EXTERNAL
from tests.factories import customer, invoice

SVB = (EXTERNAL / "bai2" / "moov-sample1.bai2").read_bytes()


def test_a_bai2_file_imports_its_lines_once_and_a_second_time_changes_nothing(city, technician):
    result = imports.import_bank_file(SVB, "sample1.bai2", by=technician)
    assert not result.already_imported and result.lines_new == BankLine.objects.count() > 0
    again = imports.import_bank_file(SVB, "sample1.bai2", by=technician)
    assert again.already_imported and again.batch == result.batch
    assert ImportBatch.objects.filter(kind="bank_statement").count() == 1
    totals = {s.pk: s.lines.count() for s in BankStatement.objects.all()}
    assert sum(totals.values()) == result.lines_new


def test_a_statement_that_does_not_tie_is_imported_and_its_problem_kept(city, technician):
    data = (EXTERNAL / "bai2" / "moj-example.bai2").read_bytes()
    result = imports.import_bank_file(data, "moj.bai2", by=technician)
    assert result.problems and "0.01" in result.problems[0]
    assert "0.01" in BankStatement.objects.get().problems


def test_a_malformed_file_is_refused_with_the_line_and_nothing_is_kept(city, technician):
    data = (EXTERNAL / "bai2" / "moov-sample5-nonconforming.bai2").read_bytes()
    with pytest.raises(CashError, match="Line 22, account trailer"):
        imports.import_bank_file(data, "bad.bai2", by=technician)
    assert not ImportBatch.objects.exists() and not BankLine.objects.exists()


def test_a_crash_in_the_middle_leaves_nothing_and_the_rerun_imports_once(
    city, technician, monkeypatch
):
    real = BankLine.objects.bulk_create

    def crash(*args, **kwargs):
        real(*args, **kwargs)  # the lines are written, then the machine "dies"
        raise OSError("power cut")

    monkeypatch.setattr(BankLine.objects, "bulk_create", crash)
    with pytest.raises(OSError):
        imports.import_bank_file(SVB, "sample1.bai2", by=technician)
    assert (
        ImportBatch.objects.count(),
        BankStatement.objects.count(),
        BankLine.objects.count(),
    ) == (
        0,
        0,
        0,
    )
    monkeypatch.setattr(BankLine.objects, "bulk_create", real)
    result = imports.import_bank_file(SVB, "sample1.bai2", by=technician)
    assert result.lines_new == BankLine.objects.count() > 0


LOCKBOX_HEADER = (
    "deposit date,batch,item,check number,check amount,remitter,routing,account,"
    "customer number,invoice number,amount paid\n"
)


def test_a_lockbox_file_becomes_a_closed_deposit_applied_by_its_remittance(city, technician):
    ada = customer(city.clerk, name="Ada Works")
    bob = customer(city.clerk, name="Bob Builder")
    a1, a2 = invoice(city, ada, "100.00"), invoice(city, ada, "40.00")
    b1 = invoice(city, bob, "55.55")
    check = "03/10/2026,1,1,1001,140.00,ADA WORKS,055002707,0012345555"
    rows = [
        f"{check},{ada.number},{a1.number},100.00",
        f"{check},{ada.number},{a2.number},40.00",
        "03/10/2026,1,2,2002,55.55,Somebody Unknown,055002707,0099887766,,,",
    ]
    data = (LOCKBOX_HEADER + "\n".join(rows) + "\n").encode()
    result = imports.import_lockbox(data, "lockbox.csv", by=technician, department=city.parks)
    deposit = result.deposit
    assert deposit is not None and deposit.status == Deposit.Status.CLOSED
    assert (deposit.source, deposit.control_total) == ("lockbox", Decimal("195.55"))
    for item in (a1, a2, b1):
        item.refresh_from_db()
    assert (a1.open_amount, a2.open_amount) == (Decimal("0.00"), Decimal("0.00"))
    paid = Payment.objects.get(check_number="1001")
    assert paid.customer == ada and paid.unapplied == Decimal("0.00")
    assert paid.bank_account == "••••5555"
    auto = paid.applications.all()
    assert {r.automatic for r in auto} == {True} and all(r.confidence for r in auto)
    assert Match.objects.get(payment=paid).reason
    other = Payment.objects.get(check_number="2002")
    # 55.55 equals Bob's one invoice, but nothing names Bob: at most a suggestion
    assert b1.open_amount == Decimal("55.55")
    assert other.status == Payment.Status.UNIDENTIFIED or other.unapplied == Decimal("55.55")
    again = imports.import_lockbox(data, "lockbox.csv", by=technician, department=city.parks)
    assert again.already_imported and Payment.objects.count() == 2


def test_bank_credits_that_are_not_our_deposits_are_received_and_applied(city, technician):
    """An ACH credit naming an invoice becomes a payment in a "bank" deposit, applied."""
    who = customer(city.clerk, name="Cedar Holdings")
    bill = invoice(city, who, "4901.96")
    cash.update_cash_settings(
        by=technician, allocation_policy="oldest_first", auto_apply_threshold=Decimal("0.90")
    )
    text = f"ACH CREDIT CEDAR HOLDINGS INV {bill.number}"
    bai = _bai2_one_credit(date(2026, 3, 12), Decimal("4901.96"), text)
    result = imports.import_bank_file(bai, "ach.bai2", by=technician, receive=True)
    assert result.received is not None and result.received.count == 1
    pay = Payment.objects.get()
    assert (pay.method, pay.source, pay.customer) == ("ach", "bank", who)
    bill.refresh_from_db()
    assert bill.open_amount == Decimal("0.00")
    line = BankLine.objects.get()
    assert line.payment == pay and line.deposit == pay.deposit


def _bai2_one_credit(on: date, amount: Decimal, text: str) -> bytes:
    """A minimal valid BAI2 file with one ACH credit (type 142) and its text."""
    d = on.strftime("%y%m%d")
    cents = int(amount * 100)
    records = [
        f"01,BANK,CITY,{d},0800,1,,,2/",
        f"02,CITY,BANK,1,{d},,USD,2/",
        f"03,123456789,USD,010,0,,,015,{cents},,/",
        f"16,142,{cents},Z,REF1,CUST1,/",
        f"88,{text}/",
        f"49,{cents * 2},4/",
        f"98,{cents * 2},1,6/",
        f"99,{cents * 2},1,8/",
    ]
    return ("\n".join(records) + "\n").encode()

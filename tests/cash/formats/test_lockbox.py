"""Lockbox files read without a database: the BAI lockbox samples and hand-broken variants of
them, then our own CSV layout and its template."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from fiscus.cash.formats.lockbox import (
    LockboxFile,
    RemittanceLine,
    lockbox_csv_template,
    mask,
    parse_lockbox,
)
from fiscus.cash.formats.statements import FormatError


def read(external: Path, name: str) -> bytes:
    return (external / "lockbox" / name).read_bytes()


def refusal(data: bytes, name: str = "lockbox.txt") -> FormatError:
    with pytest.raises(FormatError) as caught:
        parse_lockbox(data, name)
    return caught.value


# -- the BAI lockbox samples --------------------------------------------------------------------


def test_the_sample_deposit_reads_its_check_and_its_overflow_memo(external: Path) -> None:
    deposit = parse_lockbox(read(external, "fundersclub-test_lockbox.bai"), "test_lockbox.bai")

    assert (deposit.format, deposit.lockbox, deposit.deposit_date) == (
        "bai",
        "0022222",
        date(2016, 5, 23),
    )
    assert (deposit.count, deposit.total) == (1, Decimal("7000.00"))
    [check] = deposit.payments
    assert (check.line, check.batch, check.item, check.amount) == (4, "001", 1, Decimal("7000.00"))
    assert (check.check_number, check.check_date) == ("180", date(2016, 5, 16))
    assert (check.routing, check.account, check.masked_account) == (
        "055002707",
        "0012345555",
        "******5555",
    )
    assert (check.remitter, check.payee) == ("BOB E SMITH", "MY BUSINESS COMPANY")
    assert check.remittance == (RemittanceLine(line=5, invoice_number="CE554"),)
    assert check.identity == "lockbox|0022222|2016-05-23|001|1"
    assert [(b.number, b.count, b.total, b.line) for b in deposit.batches] == [
        ("001", 1, Decimal("7000.00"), 6)
    ]


def test_an_empty_deposit_reads_with_zero_totals(external: Path) -> None:
    deposit = parse_lockbox(read(external, "fundersclub-test_empty_lockbox.bai"), "empty.bai")

    assert deposit == LockboxFile(
        format="bai",
        lockbox="0022222",
        deposit_date=date(2016, 5, 27),
        payments=[],
        total=Decimal("0.00"),
        count=0,
        batches=deposit.batches,
    )
    assert [(b.count, b.total) for b in deposit.batches] == [(0, Decimal("0.00"))]


def test_a_wrong_batch_total_is_refused(external: Path) -> None:
    data = read(external, "fundersclub-test_lockbox.bai").replace(
        b"700100000222221605230010000700000", b"700100000222221605230010000700001"
    )

    assert refusal(data).message == (
        "Line 6, batch total: the batch total says 7,000.01 but its checks add up to 7,000.00."
    )


def test_a_wrong_batch_count_is_refused(external: Path) -> None:
    data = read(external, "fundersclub-test_lockbox.bai").replace(
        b"700100000222221605230010000700000", b"700100000222221605230020000700000"
    )

    assert refusal(data).message == (
        "Line 6, batch total: the batch total counts 2 checks but the batch holds 1."
    )


def test_a_wrong_lockbox_total_is_refused(external: Path) -> None:
    data = read(external, "fundersclub-test_lockbox.bai").replace(
        b"8000000002222216052300010000700000", b"8000000002222216052300010000070000"
    )

    assert refusal(data).message == (
        "Line 7, lockbox total: the lockbox total says 700.00 but its checks add up to 7,000.00."
    )


def test_a_wrong_record_count_is_refused(external: Path) -> None:
    data = read(external, "fundersclub-test_lockbox.bai").replace(b"9000008", b"9000009")

    assert refusal(data).message == (
        "Line 8, trailer: the record count says 9 but the file holds 8 records."
    )


def test_a_file_cut_short_is_refused(external: Path) -> None:
    data = read(external, "fundersclub-test_lockbox.bai")
    cut = data[: data.index(b"8000000")]

    assert refusal(cut).message == (
        "Line 6, trailer: the file ends without a trailer (type 9); it may have been cut short."
    )


def test_an_impossible_check_date_is_refused(external: Path) -> None:
    data = read(external, "fundersclub-test_lockbox.bai").replace(
        b"0000000180051616", b"0000000180133116"
    )

    assert refusal(data).message == (
        'Line 4, check: the check date "133116" is not a date (MMDDYY).'
    )


def test_a_check_amount_that_is_not_digits_is_refused(external: Path) -> None:
    data = read(external, "fundersclub-test_lockbox.bai").replace(
        b"6001001000070000005", b"6001001000070O00005"
    )

    assert refusal(data).message == (
        'Line 4, check: the check amount (columns 8-17) is "000070O000"; it must be 10 digits.'
    )


def test_an_overflow_record_of_another_check_is_refused(external: Path) -> None:
    data = read(external, "fundersclub-test_lockbox.bai").replace(
        b"40010016019CE554", b"40010026019CE554"
    )

    assert refusal(data).message == (
        "Line 5, overflow: this overflow record (batch 001, item 2) does not follow its check."
    )


def test_a_second_lockbox_in_one_file_is_refused(external: Path) -> None:
    data = read(external, "fundersclub-test_lockbox.bai").replace(
        b"8000000002222216052300010000700000\n",
        b"8000000002222216052300010000700000\n50000000033333160523ABCDEFGHIJ0099999991\n",
    )

    assert refusal(data).message == (
        "Line 8, lockbox header: a second lockbox deposit (0033333 of 2016-05-23) after lockbox "
        "0022222 of 2016-05-23 on line 3; import each deposit as its own file."
    )


def test_account_numbers_are_masked_to_the_last_four() -> None:
    assert [mask(a) for a in ("0012345555", "1234", "")] == ["******5555", "1234", ""]


# -- our CSV layout -----------------------------------------------------------------------------

HEADER = (
    "deposit date,batch,item,check number,check amount,remitter,routing,account,"
    "customer number,invoice number,amount paid"
)


def lockbox_csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode()


def test_the_template_reads_as_two_checks_one_paying_two_invoices() -> None:
    deposit = parse_lockbox(lockbox_csv_template(), "lockbox.csv")

    assert (deposit.format, deposit.deposit_date, deposit.count, deposit.total) == (
        "csv",
        date(2026, 3, 16),
        2,
        Decimal("1325.00"),
    )
    first, second = deposit.payments
    assert (first.line, first.check_number, first.amount, first.remitter) == (
        2,
        "10452",
        Decimal("1250.00"),
        "Lakeside Youth Soccer",
    )
    assert first.remittance == (
        RemittanceLine(2, "INV-2026-000101", Decimal("1000.00"), "C000123"),
        RemittanceLine(3, "INV-2026-000117", Decimal("250.00"), "C000123"),
    )
    assert first.masked_account == "********6789"
    assert second.remittance == (RemittanceLine(4, "", None, "C004410"),)
    assert [p.identity for p in deposit.payments] == [
        "lockbox-csv|2026-03-16|1|1",
        "lockbox-csv|2026-03-16|1|2",
    ]


def test_amounts_paid_that_do_not_add_up_to_the_check_are_refused_naming_the_rows() -> None:
    data = lockbox_csv(
        "03/16/2026,1,1,10452,1250.00,Lakeside,121000358,123456789,C1,INV-1,1000.00",
        "03/16/2026,1,1,,,,,,C1,INV-2,200.00",
    )

    assert refusal(data, "lockbox.csv").message == (
        "Row 2, amount paid: the amounts paid on rows 2, 3 add up to 1,200.00, but the check is "
        "for 1,250.00."
    )


def test_amounts_paid_on_some_rows_of_a_check_only_are_refused() -> None:
    data = lockbox_csv(
        "2026-03-16,1,1,10452,1250.00,Lakeside,,,C1,INV-1,1250.00",
        "2026-03-16,1,1,,,,,,C1,INV-2,",
    )

    assert refusal(data, "lockbox.csv").message == (
        "Row 3, amount paid: row 2 of check 10452 gives an amount paid and row 3 does not; give "
        "one on every row of the check or on none."
    )


def test_rows_of_one_check_that_disagree_are_refused() -> None:
    data = lockbox_csv(
        "2026-03-16,1,1,10452,1250.00,Lakeside,,,C1,INV-1,",
        "2026-03-16,1,1,10453,,,,,C1,INV-2,",
    )

    assert refusal(data, "lockbox.csv").message == (
        'Row 3, check number: the check number "10453" differs from "10452" on an earlier row of '
        "batch 1, item 1; the rows of one check must agree."
    )


def test_a_second_deposit_date_is_refused() -> None:
    data = lockbox_csv(
        "2026-03-16,1,1,10452,1250.00,Lakeside,,,,,",
        "2026-03-17,1,2,10453,10.00,Ortega,,,,,",
    )

    assert refusal(data, "lockbox.csv").message == (
        "Row 3, deposit date: the deposit date 2026-03-17 differs from 2026-03-16 on row 2; one "
        "file is one deposit."
    )


def test_an_amount_with_a_third_decimal_is_refused() -> None:
    data = lockbox_csv("2026-03-16,1,1,10452,1250.005,Lakeside,,,,,")

    assert refusal(data, "lockbox.csv").message == (
        'Row 2, check amount: "1250.005" has more than two decimal places.'
    )


def test_an_unknown_column_is_refused() -> None:
    data = lockbox_csv("2026-03-16,1,1,10452,1250.00,,,,,,,INV-1", header=HEADER + ",invoice")

    assert refusal(data, "lockbox.csv").message.startswith(
        'Row 1: the header has a column "invoice" that the lockbox layout does not have'
    )


def test_a_missing_required_column_is_refused() -> None:
    data = lockbox_csv("2026-03-16,1,10452", header="deposit date,batch,check number")

    assert refusal(data, "lockbox.csv").message == (
        'Row 1: the header has no "item" column; add it.'
    )


def test_a_file_that_is_no_lockbox_is_refused(external: Path) -> None:
    data = (external / "bai2" / "moj-example.bai2").read_bytes()

    assert refusal(data, "example.bai2").message == (
        "The file example.bai2 is a BAI2 bank statement; import it as a bank file."
    )

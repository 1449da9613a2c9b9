"""The bank-file dispatcher and the common result: each format told apart by its content, the
refusals worded for a clerk, the balance check and the line identities."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from fiscus.cash.formats.csvmap import CsvMapping
from fiscus.cash.formats.statements import (
    BankStatement,
    BankTransaction,
    FormatError,
    amount_text,
    check_balances,
    finish,
    parse_statement,
)
from fiscus.errors import FiscusError

BALANCE = CsvMapping(date_column="Date", amount_column="Amount", balance_column="Balance")


@pytest.mark.parametrize(
    ("folder", "name", "fmt", "statements", "lines"),
    [
        ("bai2", "moj-example.bai2", "bai2", 1, 1),
        ("bai2", "moov-bai-spec-sample2.bai2", "bai2", 5, 4),
        ("bai2", "moov-sample3-multirecord-lines.bai2", "bai2", 15, 26),
        ("camt", "camt053.v2.multi.statement.xml", "camt053", 2, 2),
        ("camt", "camt053.v8.xml", "camt053", 1, 1),
        ("camt", "camt054.v2.xml", "camt053", 1, 1),
        ("ofx", "ofxparse-checking.ofx", "ofx", 1, 3),
        ("ofx", "ofxparse-bank_medium.ofx", "ofx", 1, 3),
    ],
)
def test_each_format_is_told_by_its_content_not_its_name(
    external: Path, folder: str, name: str, fmt: str, statements: int, lines: int
) -> None:
    parsed = parse_statement((external / folder / name).read_bytes(), "download.txt")

    assert [s.format for s in parsed] == [fmt] * statements
    assert sum(len(s.transactions) for s in parsed) == lines


def test_a_csv_export_is_read_with_its_mapping(external: Path) -> None:
    [statement] = parse_statement(
        (external / "csv" / "oca-balance.csv").read_bytes(), "export.csv", mapping=BALANCE
    )

    assert statement.format == "csv"
    assert statement.total == Decimal("1500.00")


def test_a_csv_export_without_a_mapping_is_refused(external: Path) -> None:
    with pytest.raises(FormatError) as caught:
        parse_statement((external / "csv" / "oca-balance.csv").read_bytes(), "export.csv")

    assert caught.value.message == (
        "The file export.csv is not a BAI2, camt.053, camt.054 or OFX file. If it is a CSV "
        "export from the bank, choose or save a column mapping for it first."
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file statement.dat is empty."),
        (
            b"PK\x03\x04rest of a zip",
            "The file statement.dat is a spreadsheet (.xlsx); save it from the spreadsheet as "
            "CSV and import that.",
        ),
        (
            b"%PDF-1.7",
            "The file statement.dat is a PDF; ask the bank for BAI2, camt.053, OFX or CSV.",
        ),
    ],
)
def test_files_of_other_kinds_are_refused_saying_what_they_are(data: bytes, message: str) -> None:
    with pytest.raises(FormatError) as caught:
        parse_statement(data, "statement.dat")

    assert caught.value.message == message


def test_a_lockbox_file_is_refused_as_a_statement(external: Path) -> None:
    data = (external / "lockbox" / "fundersclub-test_lockbox.bai").read_bytes()

    with pytest.raises(FormatError) as caught:
        parse_statement(data, "lockbox.bai")

    assert caught.value.message == (
        "The file lockbox.bai is a lockbox file; import it as a lockbox, not a statement."
    )


def test_a_format_error_names_line_and_field_and_is_a_fiscus_error() -> None:
    error = FormatError("the date is wrong.", line=7, field="transaction")

    assert isinstance(error, FiscusError)
    assert error.message == "Line 7, transaction: the date is wrong."
    assert (error.line, error.field, error.code) == (7, "transaction", "bad_bank_file")
    assert FormatError("the file is empty.").message == "The file is empty."


def test_amounts_in_sentences_keep_every_digit() -> None:
    assert [amount_text(Decimal(x)) for x in ("31070.11", "-0.02", "5", "1.005")] == [
        "31,070.11",
        "-0.02",
        "5.00",
        "1.005",
    ]


def statement_of(*amounts: str, opening: str, closing: str) -> BankStatement:
    return BankStatement(
        format="csv",
        account="1",
        currency="USD",
        opening=Decimal(opening),
        closing=Decimal(closing),
        transactions=[
            BankTransaction(line=i, booked=date(2026, 3, 16), amount=Decimal(a))
            for i, a in enumerate(amounts, start=2)
        ],
    )


def test_a_statement_that_adds_up_has_no_problem() -> None:
    statement = statement_of("10.00", "-2.50", opening="100.00", closing="107.50")

    check_balances(statement)

    assert statement.problems == []


def test_a_statement_that_does_not_add_up_is_reported() -> None:
    statement = statement_of("10.00", "-2.50", opening="100.00", closing="107.49")

    check_balances(statement)

    assert statement.problems == [
        "The closing balance 107.49 does not equal the opening balance 100.00 plus the lines "
        "7.50 (107.50): off by 0.01."
    ]


def test_identical_lines_get_distinct_identities_by_their_order() -> None:
    statement = finish(statement_of("10.00", "10.00", "5.00", opening="0.00", closing="25.00"))

    assert [t.identity for t in statement.transactions] == [
        "csv||1|2026-03-16|10.00||||1",
        "csv||1|2026-03-16|10.00||||2",
        "csv||1|2026-03-16|5.00||||1",
    ]

"""Reading the opening-balances file: pure parsing, no database."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook

from fiscus.receivables.formats.opening_balances import (
    EXAMPLE,
    FileRefused,
    parse,
    template_csv,
    template_xlsx,
)

HEADER = "Customer Number,Document Number,Document Date,Due Date,Amount,Description"


def csv_file(*lines: str, header: str = HEADER) -> bytes:
    return ("\r\n".join([header, *lines]) + "\r\n").encode("utf-8")


def xlsx_file(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def errors_of(content: bytes, name: str = "balances.csv") -> list[str]:
    return parse(content, name).errors.sentences()


def test_a_good_csv_row_is_read_with_exact_amounts_and_dates():
    parsed = parse(csv_file('C000001,INV-1,2026-05-14,06/13/2026,"1,250.00",Rental'), "a.csv")
    assert parsed.errors.sentences() == []
    (row,) = parsed.rows
    assert (row.line, row.customer_number, row.document_number) == (2, "C000001", "INV-1")
    assert (row.document_date, row.due_date) == (date(2026, 5, 14), date(2026, 6, 13))
    assert row.amount == Decimal("1250.00")
    assert row.description == "Rental"


def test_a_byte_order_mark_and_forgiving_headers_are_accepted():
    header = (
        "\ufeffcustomer_number, DOCUMENT NUMBER ,document-date,Due_Date,amount,description,Dept"
    )
    parsed = parse(
        csv_file("C1,D1,2026-01-02,2026-01-31,-40.00,Credit,prk", header=header), "a.csv"
    )
    assert parsed.errors.sentences() == []
    assert parsed.rows[0].amount == Decimal("-40.00")
    assert parsed.rows[0].department == "prk"


def test_blank_lines_are_skipped_and_row_numbers_stay_spreadsheet_rows():
    content = csv_file(
        "C1,D1,2026-01-02,2026-01-31,10.00,a", ",,,,,", "C1,D2,2026-01-02,2026-01-31,5,b"
    )
    parsed = parse(content, "a.csv")
    assert parsed.errors.sentences() == []
    assert [r.line for r in parsed.rows] == [2, 4]


def test_an_unquoted_comma_that_spills_into_an_extra_cell_is_refused():
    content = csv_file("C1,D2,2026-01-02,2026-01-31,12,34,b")
    assert errors_of(content) == [
        "Row 2: it has 7 cells but the header has 6 columns; "
        'put quotes around a value with a comma in it ("1,250.00").'
    ]


def test_a_comma_decimal_mark_names_the_row_and_the_field():
    content = csv_file(
        "C1,D1,2026-01-02,2026-01-31,10.00,a", 'C1,D2,2026-01-02,2026-01-31,"12,34",b'
    )
    assert errors_of(content) == [
        'Row 3, amount: "12,34" uses a comma as the decimal mark; write it with a point.'
    ]


def test_every_bad_row_is_reported_not_just_the_first():
    content = csv_file(
        "C1,D1,2026-02-30,2026-03-31,10.005,a",
        ",D2,2026-01-02,2026-01-01,5.00,b",
        "C1,D1,31.01.2026,,abc,c",
    )
    assert errors_of(content) == [
        'Row 2, document date: "2026-02-30" is not a real date.',
        'Row 2, amount: "10.005" has more than two decimal places.',
        "Row 3, customer number: the customer number is empty.",
        "Row 3, due date: 01/01/2026 is before the document date 01/02/2026.",
        'Row 4, document date: "31.01.2026" is not a date; write it as YYYY-MM-DD or MM/DD/YYYY.',
        "Row 4, due date: the due date is empty.",
        'Row 4, amount: "abc" is not an amount.',
    ]


def test_a_duplicate_document_number_in_the_file_names_both_rows():
    content = csv_file(
        "C1,INV-7,2026-01-02,2026-01-31,10.00,a", "C2,inv-7,2026-01-02,2026-01-31,5.00,b"
    )
    assert errors_of(content) == [
        'Row 3, document number: "inv-7" is also on row 2; each document number appears once.'
    ]


def test_a_missing_column_is_named_in_the_header_row():
    content = csv_file(
        "C1,D1,2026-01-02,10.00,a",
        header="Customer,Document Number,Document Date,Amount,Description",
    )
    assert errors_of(content) == ['Row 1, due date: the header has no "due date" column; add it.']


def test_a_zero_amount_is_refused():
    assert errors_of(csv_file("C1,D1,2026-01-02,2026-01-31,0.00,a")) == [
        "Row 2, amount: the amount is zero; leave the row out."
    ]


def test_only_the_first_fifty_errors_are_listed_and_the_rest_are_counted():
    content = csv_file(*[f'C1,D{n},2026-01-02,2026-01-31,"1,5",a' for n in range(60)])
    errors = errors_of(content)
    assert len(errors) == 51
    assert errors[-1] == "… and 10 more errors."


def test_xlsx_date_cells_and_exact_number_cells_are_read():
    content = xlsx_file(
        [
            HEADER.split(","),
            ["C000001", 1001, datetime(2026, 5, 14), date(2026, 6, 13), 1250.1, "Rental"],  # noqa: DTZ001 - Excel date cells carry no time zone
            ["C000002", "1002", "2026-05-14", "06/13/2026", 87, "Lights"],
        ]
    )
    parsed = parse(content, "b.xlsx")
    assert parsed.errors.sentences() == []
    first, second = parsed.rows
    assert (first.document_number, first.amount) == ("1001", Decimal("1250.10"))
    assert first.document_date == date(2026, 5, 14)
    assert (second.amount, second.due_date) == (Decimal("87.00"), date(2026, 6, 13))


def test_an_xlsx_number_with_a_third_decimal_place_is_refused_not_rounded():
    content = xlsx_file([HEADER.split(","), ["C1", "D1", "2026-01-02", "2026-01-31", 10.005, "a"]])
    assert errors_of(content, "b.xlsx") == [
        "Row 2, amount: 10.005 has more than two decimal places."
    ]


def test_an_xlsx_file_that_is_really_text_is_refused():
    with pytest.raises(FileRefused) as refused:
        parse(csv_file("C1,D1,2026-01-02,2026-01-31,10.00,a"), "balances.xlsx")
    assert refused.value.message == (
        "balances.xlsx is not a real .xlsx workbook (it looks like text); "
        "save it from Excel as .xlsx, or name it .csv if it is a CSV file."
    )


def test_an_empty_file_a_header_alone_and_an_oversize_file_are_refused():
    with pytest.raises(FileRefused, match=r"^empty.csv is empty\.$"):
        parse(b"\xef\xbb\xbf\r\n", "empty.csv")
    with pytest.raises(FileRefused, match="has a header row but no rows of balances"):
        parse(csv_file(), "header.csv")
    with pytest.raises(FileRefused, match=r"^big.csv is 2 KB; Fiscus imports files up to 1 KB\.$"):
        parse(b"x" * 2048, "big.csv", max_bytes=1024)


def test_other_kinds_of_file_are_refused():
    with pytest.raises(FileRefused, match="is not a .csv or .xlsx file"):
        parse(b"hello", "balances.pdf")
    with pytest.raises(FileRefused, match="is not UTF-8 text"):
        parse("Kunde;Betrag\n".encode("utf-16"), "balances.csv")
    with pytest.raises(FileRefused, match="is an Excel workbook, not a .csv file"):
        parse(template_xlsx(), "balances.csv")


def test_the_templates_read_back_without_errors():
    for content, name in ((template_csv(), "t.csv"), (template_xlsx(), "t.xlsx")):
        parsed = parse(content, name)
        assert parsed.errors.sentences() == []
        assert [r.amount for r in parsed.rows] == [row[4] for row in EXAMPLE]
        assert [r.department for r in parsed.rows] == ["PRK", "PRK", "PW", "PW"]

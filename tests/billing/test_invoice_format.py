"""The billing upload file, read without a database: rows, invoices by key, errors by row and
field, and the template written from the same column table."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from fiscus.billing.formats.invoices import (
    FileRefused,
    parse,
    template_csv,
    template_xlsx,
)

HEADER = (
    "Invoice Key,Customer Number,Invoice Date,Department,Charge Code,Quantity,Unit Price,"
    "Line Description"
)


def csv(*lines: str, header: str = HEADER) -> bytes:
    return ("\r\n".join([header, *lines]) + "\r\n").encode()


def errors_of(content: bytes, name: str = "billing.csv") -> list[str]:
    return parse(content, name).errors.sentences()


def test_rows_with_the_same_key_are_the_lines_of_one_invoice() -> None:
    parsed = parse(
        csv(
            "A-1,C000001,2026-05-04,PRK,PRK-PAVILION,1,250.00,Pavilion",
            "A-1,C000001,05/04/2026,PRK,PRK-STAFF,3.5,42.00,Staff hours",
            "A-2,C000002,2026-05-04,PRK,PRK-FIELD,2,,Field lights",
        ),
        "billing.csv",
    )

    assert not parsed.errors
    assert [(g.key, [r.line for r in g.rows]) for g in parsed.invoices] == [
        ("A-1", [2, 3]),
        ("A-2", [4]),
    ]
    staff = parsed.invoices[0].rows[1]
    assert staff.quantity == Decimal("3.500")
    assert staff.unit_price == Decimal("42.00")
    assert staff.invoice_date == date(2026, 5, 4)
    assert parsed.invoices[1].rows[0].unit_price is None


def test_forgiving_header_names_are_understood() -> None:
    parsed = parse(
        csv(
            "A-1,C000001,2026-05-04,PRK,PRK-STAFF,2,10.00,PO-1,net10,2026-05-01,2026-05-02",
            header="invoice #,Customer,Date,Dept,Code,Qty,Price,PO Number,Payment Terms,"
            "Service Start,Service End",
        ),
        "billing.csv",
    )

    assert not parsed.errors
    row = parsed.rows[0]
    assert (row.reference, row.terms, row.service_from, row.service_to) == (
        "PO-1",
        "net10",
        date(2026, 5, 1),
        date(2026, 5, 2),
    )


def test_missing_columns_are_named_on_row_1() -> None:
    assert errors_of(csv(header="Invoice Key,Customer Number,Charge Code")) == [
        'Row 1, invoice date: the header has no "invoice date" column; add it.',
        'Row 1, department: the header has no "department" column; add it.',
        'Row 1, quantity: the header has no "quantity" column; add it.',
    ]


@pytest.mark.parametrize(
    ("quantity", "price", "error"),
    [
        (
            '"12,34"',
            "10.00",
            'Row 2, quantity: "12,34" uses a comma as the decimal mark; write it with a point.',
        ),
        (
            "-2",
            "10.00",
            "Row 2, quantity: -2 is not more than zero; use a credit memo for a credit.",
        ),
        (
            "0",
            "10.00",
            "Row 2, quantity: 0 is not more than zero; use a credit memo for a credit.",
        ),
        ("1.0005", "10.00", 'Row 2, quantity: "1.0005" has more than three decimal places.'),
        ("1", "10.005", 'Row 2, unit price: "10.005" has more than two decimal places.'),
        (
            "1",
            '"12,34"',
            'Row 2, unit price: "12,34" uses a comma as the decimal mark; write it with a point.',
        ),
        (
            "1",
            "-5.00",
            "Row 2, unit price: -$5.00 is negative; use a credit memo for a credit.",
        ),
    ],
)
def test_a_bad_number_is_named_by_row_and_field(quantity: str, price: str, error: str) -> None:
    content = csv(f"A-1,C000001,2026-05-04,PRK,PRK-STAFF,{quantity},{price},Staff")

    assert errors_of(content) == [error]


def test_a_date_that_does_not_exist_is_refused() -> None:
    content = csv(
        "A-1,C000001,2026-02-30,PRK,PRK-STAFF,1,10.00,Staff",
        "A-2,C000001,13/01/2026,PRK,PRK-STAFF,1,10.00,Staff",
        "A-3,C000001,tomorrow,PRK,PRK-STAFF,1,10.00,Staff",
    )

    assert errors_of(content) == [
        'Row 2, invoice date: "2026-02-30" is not a real date.',
        'Row 3, invoice date: "13/01/2026" is not a real date.',
        'Row 4, invoice date: "tomorrow" is not a date; write it as YYYY-MM-DD or MM/DD/YYYY.',
    ]


def test_one_invoice_key_has_one_customer_and_one_date() -> None:
    content = csv(
        "A-1,C000001,2026-05-04,PRK,PRK-STAFF,1,10.00,Staff",
        "A-1,C000002,2026-05-04,PRK,PRK-STAFF,1,10.00,Staff",
        "A-1,C000001,2026-05-05,PRK,PRK-STAFF,1,10.00,Staff",
    )

    assert errors_of(content) == [
        'Row 3, customer number: invoice key "A-1" has customer number "C000001" on row 2; '
        "one invoice has one customer number.",
        'Row 4, invoice date: invoice key "A-1" has invoice date 05/04/2026 on row 2; '
        "one invoice has one invoice date.",
    ]


def test_empty_required_cells_are_named() -> None:
    assert errors_of(csv(",C000001,2026-05-04,,PRK-STAFF,,10.00,Staff")) == [
        "Row 2, invoice key: the invoice key is empty.",
        "Row 2, department: the department is empty.",
        "Row 2, quantity: the quantity is empty.",
    ]


def test_an_xlsx_that_is_really_text_is_refused_by_its_bytes() -> None:
    content = csv("A-1,C000001,2026-05-04,PRK,PRK-STAFF,1,10.00,Staff")

    with pytest.raises(FileRefused) as refused:
        parse(content, "billing.xlsx")

    assert refused.value.message == (
        "billing.xlsx is not a real .xlsx workbook (it looks like text); save it from Excel "
        "as .xlsx, or name it .csv if it is a CSV file."
    )


def test_a_file_over_the_limit_is_refused_before_it_is_read() -> None:
    content = b"\x00" * (21 * 1024 * 1024)

    with pytest.raises(FileRefused) as refused:
        parse(content, "huge.xlsx", max_bytes=20 * 1024 * 1024)

    assert refused.value.message == "huge.xlsx is 21 MB; Fiscus imports files up to 20 MB."
    assert refused.value.code == "too_large"


def test_an_xlsx_gives_its_numbers_and_dates_exactly() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER.split(","))
    sheet.append(["A-1", "C000001", date(2026, 5, 4), "PRK", "PRK-STAFF", 3.5, 42.1, "Staff"])
    sheet.append([1001, "C000001", date(2026, 5, 4), "PRK", "PRK-STAFF", 1, 10.005, "Staff"])
    out = io.BytesIO()
    book.save(out)

    parsed = parse(out.getvalue(), "billing.xlsx")

    assert parsed.rows[0].quantity == Decimal("3.500")
    assert parsed.rows[0].unit_price == Decimal("42.10")
    assert parsed.errors.sentences() == [
        "Row 3, unit price: 10.005 has more than two decimal places."
    ]


def test_the_templates_are_read_back_by_the_parser() -> None:
    for content, name in ((template_csv(), "t.csv"), (template_xlsx(), "t.xlsx")):
        parsed = parse(content, name)
        assert not parsed.errors, name
        assert [g.key for g in parsed.invoices] == ["PRK-0412", "PRK-0413"]
        assert [r.charge_code for r in parsed.rows] == ["PRK-PAVILION", "PRK-STAFF", "PRK-FIELD"]
        assert parsed.rows[1].quantity == Decimal("3.500")
    sheet = load_workbook(io.BytesIO(template_xlsx())).active
    assert sheet is not None
    assert sheet["A1"].value == "Invoice Key"


def test_the_documented_samples_are_the_template() -> None:
    from pathlib import Path

    samples = Path(__file__).resolve().parents[2] / "docs" / "samples"
    assert (samples / "billing-upload.csv").read_bytes() == template_csv()
    parsed = parse((samples / "billing-upload.xlsx").read_bytes(), "billing-upload.xlsx")
    assert [g.key for g in parsed.invoices] == ["PRK-0412", "PRK-0413"]

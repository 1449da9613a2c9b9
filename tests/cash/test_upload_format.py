"""Reading the payments upload file: pure parsing, no database."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from fiscus.cash.formats.payments import (
    COLUMNS,
    EXAMPLE,
    HEADER,
    METHODS,
    FileRefused,
    parse,
    template_csv,
    template_xlsx,
)
from fiscus.cash.models import Method

CSV_HEADER = (
    "Payment Key,Received Date,Department,Method,Amount,Customer Number,Payer,Check Number,"
    "Reference,Invoice Number,Amount Applied"
)


def csv_file(*lines: str, header: str = CSV_HEADER) -> bytes:
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


def errors_of(content: bytes, name: str = "payments.csv") -> list[str]:
    return parse(content, name).errors.sentences()


def test_rows_with_one_key_are_one_payment_applied_to_several_invoices():
    parsed = parse(
        csv_file(
            'P1,2026-05-04,PRK,check,"1,300.00",C000001,Riverside LL,1042,,INV-1,250.00',
            "P1,,,,,,,,,INV-2,",
            "P2,05/04/2026,PW,Money Order,45.5,,J. Alvarez,,MO 55120,,",
        ),
        "may.csv",
    )

    assert parsed.errors.sentences() == []
    first, second = parsed.payments
    assert (first.key, first.lines, first.amount) == ("P1", "2, 3", Decimal("1300.00"))
    assert (first.received_on, first.department, first.method) == (date(2026, 5, 4), "PRK", "check")
    assert (first.customer_number, first.payer, first.check_number) == (
        "C000001",
        "Riverside LL",
        "1042",
    )
    assert [(r.line, r.invoice_number, r.amount_applied) for r in first.applications] == [
        (2, "INV-1", Decimal("250.00")),
        (3, "INV-2", None),
    ]
    assert (second.method, second.amount, second.customer_number) == (
        "money_order",
        Decimal("45.50"),
        "",
    )
    assert second.applications == []


def test_a_row_without_a_key_is_a_payment_of_its_own():
    parsed = parse(
        csv_file(",2026-05-04,PRK,cash,10.00,C1,,,,,", ",2026-05-04,PRK,cash,10.00,C1,,,,,"),
        "a.csv",
    )
    assert parsed.errors.sentences() == []
    assert [p.lines for p in parsed.payments] == ["2", "3"]


def test_a_comma_as_the_decimal_mark_is_refused_naming_the_row_and_the_fix():
    content = csv_file(
        *[f"P{n},2026-05-04,PRK,cash,10.00,C1,,,,," for n in range(1, 6)],
        'P6,2026-05-04,PRK,cash,"12,34",C1,,,,,',
    )
    assert errors_of(content) == [
        "Row 7, amount: “12,34” uses a comma as the decimal mark; write 12.34."
    ]


def test_negative_zero_and_three_decimal_amounts_are_refused():
    content = csv_file(
        "P1,2026-05-04,PRK,cash,-12.00,C1,,,,,",
        "P2,2026-05-04,PRK,cash,(5.00),C1,,,,,",
        "P3,2026-05-04,PRK,cash,0.00,C1,,,,,",
        "P4,2026-05-04,PRK,cash,1.005,C1,,,,,",
        "P5,2026-05-04,PRK,cash,10.00,C1,,,,INV-1,-1.00",
    )
    assert errors_of(content) == [
        "Row 2, amount: “-12.00” is negative; a payment is more than zero.",
        "Row 3, amount: “(5.00)” is negative; a payment is more than zero.",
        "Row 4, amount: the amount is zero; leave the row out.",
        "Row 5, amount: “1.005” has more than two decimal places.",
        "Row 6, amount applied: “-1.00” is negative; an amount applied is more than zero.",
    ]


def test_bad_dates_methods_and_empty_required_cells_name_row_and_field():
    content = csv_file(
        "P1,13/01/2026,PRK,cash,1.00,C1,,,,,",
        "P2,May 4,PRK,cash,1.00,C1,,,,,",
        "P3,2026-05-04,PRK,Visa,1.00,C1,,,,,",
        "P4,,,,1.00,C1,,,,,",
    )
    assert errors_of(content) == [
        "Row 2, received date: “13/01/2026” is not a real date.",
        "Row 3, received date: “May 4” is not a date; write it as YYYY-MM-DD or MM/DD/YYYY.",
        "Row 4, method: “Visa” is not a payment method; write check, cash, money order, card, "
        "ACH or wire.",
        "Row 5, received date: the received date is empty.",
        "Row 5, department: the department is empty.",
        "Row 5, method: the method is empty.",
    ]


def test_the_rows_of_one_key_must_agree_on_the_payment():
    content = csv_file(
        "P1,2026-05-04,PRK,check,100.00,C1,Ada,1042,,INV-1,",
        "P1,2026-05-04,PRK,check,90.00,C1,,,,INV-2,",
        "P1,,PW,,,,Bob,,,INV-3,",
    )
    assert errors_of(content) == [
        "Row 3, amount: payment key “P1” has amount $100.00 on row 2; one payment has one "
        "amount (leave it blank on the rows after the first).",
        "Row 4, department: payment key “P1” has department “PRK” on row 2; one payment has "
        "one department (leave it blank on the rows after the first).",
        "Row 4, payer: payment key “P1” has payer “Ada” on row 2; one payment has one payer "
        "(leave it blank on the rows after the first).",
    ]


def test_what_is_applied_must_fit_in_the_payment_and_name_each_invoice_once():
    content = csv_file(
        "P1,2026-05-04,PRK,check,100.00,C1,,,,INV-1,60.00",
        "P1,,,,,,,,,INV-2,50.00",
        "P2,2026-05-04,PRK,check,100.00,C1,,,,INV-1,",
        "P2,,,,,,,,,inv-1,",
        "P3,2026-05-04,PRK,check,100.00,C1,,,,,5.00",
    )
    assert errors_of(content) == [
        "Row 3, amount applied: the rows of payment key “P1” apply $110.00, more than the "
        "payment's $100.00.",
        "Row 5, invoice number: invoice “inv-1” is also on row 4 of payment key “P2”; apply to "
        "it once.",
        "Row 6, amount applied: an amount applied needs the invoice number it applies to; give "
        "the invoice number or leave the amount applied blank.",
    ]


def test_an_unidentified_payment_names_its_payer_and_is_not_applied():
    content = csv_file(
        "P1,2026-05-04,PRK,cash,10.00,,,,,,",
        "P2,2026-05-04,PRK,cash,10.00,,Ada,,,INV-1,",
        "P3,2026-05-04,PRK,cash,10.00,,Ada,,,,",
    )
    assert errors_of(content) == [
        "Row 2, payer: payment key “P1” has no customer number, so name the payer: it is "
        "recorded as unidentified until someone names the customer.",
        "Row 3, invoice number: payment key “P2” has no customer number, so it cannot be "
        "applied; give the customer number, or leave the invoice number blank to record it as "
        "unidentified.",
    ]
    assert [p.key for p in parse(content, "a.csv").payments] == ["P3"]


def test_wrong_columns_are_refused_in_the_header_row():
    billing = (
        b"Invoice Key,Customer Number,Invoice Date,Department,Charge Code,Quantity\r\n"
        b"K1,C1,2026-05-04,PRK,PRK-FIELD,1\r\n"
    )
    assert errors_of(billing) == [
        "Row 1: the column “Invoice Key” is not one Fiscus reads; rename it to one of payment "
        "key, received date, department, method, amount, customer number, payer, check number, "
        "reference, invoice number, amount applied, or delete it.",
        "Row 1: the column “Invoice Date” is not one Fiscus reads; rename it to one of payment "
        "key, received date, department, method, amount, customer number, payer, check number, "
        "reference, invoice number, amount applied, or delete it.",
        "Row 1: the column “Charge Code” is not one Fiscus reads; rename it to one of payment "
        "key, received date, department, method, amount, customer number, payer, check number, "
        "reference, invoice number, amount applied, or delete it.",
        "Row 1: the column “Quantity” is not one Fiscus reads; rename it to one of payment key, "
        "received date, department, method, amount, customer number, payer, check number, "
        "reference, invoice number, amount applied, or delete it.",
        "Row 1, payment key: the header has no “payment key” column; add it.",
        "Row 1, received date: the header has no “received date” column; add it.",
        "Row 1, method: the header has no “method” column; add it.",
        "Row 1, amount: the header has no “amount” column; add it.",
    ]
    misspelt = csv_file("P1,2026-05-04,PRK,cash,1.00,1", header="key,date,dept,method,amount,Amt")
    assert errors_of(misspelt)[0].startswith("Row 1: the column “Amt” is not one Fiscus reads")
    twice = csv_file(
        "P1,2026-05-04,PRK,cash,1.00,2.00", header="key,date,dept,method,amount,Amount"
    )
    assert errors_of(twice) == ["Row 1, amount: the column appears twice in the header; keep one."]


def test_a_row_with_more_cells_than_the_header_asks_for_quotes():
    content = csv_file("P1,2026-05-04,PRK,cash,1,250.00", header="key,date,dept,method,amount")
    assert errors_of(content) == [
        "Row 2: it has 6 cells but the header has 5 columns; put quotes around a value with a "
        "comma in it (“1,250.00”)."
    ]


def test_an_xlsx_with_number_and_date_cells_reads_exactly():
    may_4 = datetime(2026, 5, 4)  # noqa: DTZ001 - Excel date cells carry no time zone
    content = xlsx_file(
        [
            HEADER,
            ["P1", may_4, "PRK", "CHECK", 300.1, 1001, "Ada", 1042, None, "INV-1"],
            ["P1", None, None, None, None, None, None, None, None, "INV-2", 0.1],
        ]
    )
    parsed = parse(content, "may.xlsx")
    assert parsed.errors.sentences() == []
    (payment,) = parsed.payments
    assert (payment.received_on, payment.method, payment.amount) == (
        date(2026, 5, 4),
        "check",
        Decimal("300.10"),
    )
    assert (payment.customer_number, payment.check_number) == ("1001", "1042")
    assert payment.rows[1].amount_applied == Decimal("0.10")
    assert parsed.lines[0].cells["amount"] == "300.1"
    assert parsed.lines[0].cells["received_on"] == "05/04/2026"


def test_an_xlsx_that_is_really_a_text_file_is_refused():
    with pytest.raises(FileRefused) as refused:
        parse(b"Payment Key,Amount\r\nP1,10.00\r\n", "payments.xlsx")
    assert refused.value.message == (
        "payments.xlsx is not a real .xlsx workbook (it looks like text); save it from Excel as "
        ".xlsx, or name it .csv if it is a CSV file."
    )


def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    with pytest.raises(FileRefused) as refused:
        parse(b"x" * 3000, "big.csv", max_bytes=2048)
    assert refused.value.code == "too_large"
    assert refused.value.message == "big.csv is 2 KB; Fiscus takes files up to 2 KB."


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "a.csv", "a.csv is empty."),
        (CSV_HEADER.encode() + b"\r\n", "a.csv", "a.csv has a header row but no payments."),
        (
            b"a,b\r\n",
            "a.txt",
            "a.txt is not a .csv or .xlsx file; save it from the spreadsheet as one of those.",
        ),
    ],
)
def test_unusable_files_are_refused_whole(content, name, message):
    with pytest.raises(FileRefused) as refused:
        parse(content, name)
    assert refused.value.message == message


def test_the_methods_a_clerk_writes_are_the_payment_methods_fiscus_keeps():
    assert set(METHODS.values()) == set(Method.values)


def test_the_templates_are_the_column_table_and_read_back_without_errors():
    labels = [c.label.title() for c in COLUMNS]
    csv_parsed = parse(template_csv(), "template.csv")
    assert template_csv().decode().splitlines()[0] == ",".join(labels)
    assert csv_parsed.errors.sentences() == []
    xlsx_parsed = parse(template_xlsx(), "template.xlsx")
    assert xlsx_parsed.errors.sentences() == []
    sheet = load_workbook(io.BytesIO(template_xlsx())).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == labels
    for parsed in (csv_parsed, xlsx_parsed):
        assert [(p.key, p.amount, len(p.rows)) for p in parsed.payments] == [
            ("P1", Decimal("300.00"), 2),
            ("P2", Decimal("45.00"), 1),
            ("P3", Decimal("120.00"), 1),
        ]
        assert parsed.payments[0].rows[0].amount_applied == Decimal("250.00")
    assert len(EXAMPLE) == 4

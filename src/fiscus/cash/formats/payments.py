"""The payments upload: a stack of payments as a spreadsheet, one row per payment, or one row per
invoice a payment is applied to.

A .csv (UTF-8, with or without a BOM) or an .xlsx (its first sheet), with a header row:

    payment key, received date, department, method, amount
    [, customer number] [, payer] [, check number] [, reference]
    [, invoice number] [, amount applied]

The payment key is the clerk's own grouping: the rows with the same key are one payment applied
to several invoices, so they agree on the payment's fields (received date, department, method,
amount, customer number, payer, check number, reference). On the rows after a key's first, a
blank payment field means "the same as above". A blank key makes the row a payment of its own.

A blank customer number records the payment as unidentified (then the payer is needed, and it
cannot be applied). An invoice number applies the payment to that invoice: the amount applied, or
when that is blank, as much of what the invoice owes as the payment still has.

Pure: this module reads bytes and returns rows grouped into payments, or sentences naming the row
and the field. It knows nothing of the database; the upload service (fiscus.cash.uploads) checks
customers, departments and invoices. Row numbers are spreadsheet row numbers (the header is
row 1). The template (`template_csv`, `template_xlsx`) is written from the same column table.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fiscus import money
from fiscus.receivables.formats.opening_balances import (
    FileRefused,
    size_text,
    spreadsheet_rows,
)

# The same readers as the opening-balances import: they check the bytes (an .xlsx is a zip, a
# .csv is UTF-8 text) and refuse a file that only pretends to be one.
from fiscus.receivables.formats.rows import RowErrors, blank

__all__ = ["FileRefused", "size_text"]

MAX_ERRORS = 100
KEY_LENGTH = 40
PAYER_LENGTH = 140
CHECK_NUMBER_LENGTH = 30
REFERENCE_LENGTH = 140
INVOICE_NUMBER_LENGTH = 40


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    required: bool  # the header must have it
    aliases: tuple[str, ...] = ()
    width: int = 14
    help: str = ""


COLUMNS = (
    Column(
        "payment_key",
        "payment key",
        True,
        ("key", "payment", "payment id", "payment ref", "group"),
        12,
        "Your own key: rows with the same key are one payment. Blank: a payment of its own.",
    ),
    Column(
        "received_on",
        "received date",
        True,
        ("received", "received on", "date received", "date", "payment date"),
        13,
        "YYYY-MM-DD or MM/DD/YYYY; one deposit per received date and department.",
    ),
    Column(
        "department",
        "department",
        True,
        ("department code", "dept", "dept code"),
        12,
        "The department code that took the money in.",
    ),
    Column(
        "method",
        "method",
        True,
        ("payment method", "payment type", "tender", "tender type"),
        13,
        "check, cash, money order, card, ACH or wire.",
    ),
    Column(
        "amount",
        "amount",
        True,
        ("payment amount", "amount received", "amount paid"),
        12,
        "The whole payment, with a decimal point: 1250.00.",
    ),
    Column(
        "customer_number",
        "customer number",
        False,
        ("customer", "customer no", "customer id", "account number"),
        16,
        "Blank: an unidentified payment (then name the payer).",
    ),
    Column(
        "payer",
        "payer",
        False,
        ("payer name", "paid by", "remitter", "from"),
        28,
        "Who sent the money, as written on the check.",
    ),
    Column(
        "check_number",
        "check number",
        False,
        ("check", "check no", "cheque number", "cheque no", "check num"),
        13,
        "",
    ),
    Column(
        "reference",
        "reference",
        False,
        ("ref", "memo", "receipt number", "confirmation"),
        20,
        "A receipt, card or wire reference.",
    ),
    Column(
        "invoice_number",
        "invoice number",
        False,
        ("invoice", "invoice no", "apply to", "item number"),
        18,
        "The open invoice to apply the payment to (optional).",
    ),
    Column(
        "amount_applied",
        "amount applied",
        False,
        ("applied", "applied amount", "amount to apply", "apply amount"),
        14,
        "Blank: as much of what the invoice owes as the payment still has.",
    ),
)
LABELS = {c.key: c.label for c in COLUMNS}
# The fields every row of one payment key agrees on.
PAYMENT_FIELDS = (
    "received_on",
    "department",
    "method",
    "amount",
    "customer_number",
    "payer",
    "check_number",
    "reference",
)
REQUIRED_ON_FIRST_ROW = ("received_on", "department", "method", "amount")

# Payment methods as a clerk writes them, to fiscus.cash.models.Method values (a test checks
# that the values are the model's).
METHODS: dict[str, str] = {
    "check": "check",
    "cheque": "check",
    "chk": "check",
    "cash": "cash",
    "money order": "money_order",
    "moneyorder": "money_order",
    "mo": "money_order",
    "card": "card",
    "credit card": "card",
    "debit card": "card",
    "ach": "ach",
    "eft": "ach",
    "wire": "wire",
    "wire transfer": "wire",
}
METHOD_LABELS = {
    "check": "check",
    "cash": "cash",
    "money_order": "money order",
    "card": "card",
    "ach": "ACH",
    "wire": "wire",
}


@dataclass(frozen=True)
class Row:
    """One line of the file, parsed but not yet checked against the database. A payment field
    is None or "" when it was blank on a later row of its key (it is the key's first row's)."""

    line: int
    key: str
    received_on: date | None
    department: str
    method: str  # a Method value
    amount: Decimal | None
    customer_number: str = ""
    payer: str = ""
    check_number: str = ""
    reference: str = ""
    invoice_number: str = ""
    amount_applied: Decimal | None = None  # None: as much as possible


@dataclass(frozen=True)
class PaymentRows:
    """One payment: the rows of one key, in file order, and the payment fields they agree on."""

    key: str  # "" when the row had no key
    received_on: date
    department: str
    method: str
    amount: Decimal
    customer_number: str
    payer: str
    check_number: str
    reference: str
    rows: tuple[Row, ...]

    @property
    def first(self) -> Row:
        return self.rows[0]

    @property
    def lines(self) -> str:
        numbers = [r.line for r in self.rows]
        return str(numbers[0]) if len(numbers) == 1 else ", ".join(str(n) for n in numbers)

    @property
    def applications(self) -> list[Row]:
        """The rows that name an invoice to apply to."""
        return [r for r in self.rows if r.invoice_number]


@dataclass(frozen=True)
class Line:
    """A line of the file as it was written, for the preview: the cell text by column key."""

    line: int
    cells: dict[str, str]


class Errors(RowErrors):
    labels = LABELS
    limit = MAX_ERRORS


@dataclass
class Parsed:
    rows: list[Row]
    errors: Errors
    payments: list[PaymentRows]
    lines: list[Line] = field(default_factory=list)


# --- reading ---------------------------------------------------------------------------------


def parse(content: bytes, file_name: str, *, max_bytes: int | None = None) -> Parsed:
    """Read a payments file. Raises FileRefused when the file as a whole is unusable (too
    large, empty, not really a .csv or .xlsx); returns the rows grouped into payments and every
    row error (up to MAX_ERRORS) otherwise. The size is checked before anything is read."""
    table, name = spreadsheet_rows(content, file_name, max_bytes=max_bytes, verb="takes")
    return _read_table(table, name)


def _norm(header: object) -> str:
    text = "" if header is None else str(header)
    text = text.replace("\ufeff", "").strip().lower()
    text = re.sub(r"[\s_\-.#/()]+", " ", text).strip()
    return text


_BY_NAME = {
    _norm(name): c.key for c in COLUMNS for name in (c.label, c.key.replace("_", " "), *c.aliases)
}


def _read_table(table: Iterator[tuple[int, list[Any]]], name: str) -> Parsed:
    errors = Errors()
    header: list[Any] | None = None
    positions: dict[str, int] = {}
    rows: list[Row] = []
    lines: list[Line] = []
    seen_keys: set[str] = set()
    for line, record in table:
        if header is None:
            header = record
            positions = _header(record, errors)
            if errors:
                return Parsed(rows=[], errors=errors, payments=[])
            continue
        if all(blank(v) for v in record):
            continue
        lines.append(Line(line, {k: _show_cell(_cell(record, positions, k)) for k in positions}))
        width = len(header)
        if len(record) > width and not all(blank(v) for v in record[width:]):
            errors.add(
                line,
                "",
                f"it has {len(record)} cells but the header has {width} columns; "
                f"put quotes around a value with a comma in it (“1,250.00”).",
            )
            continue
        row = _row(line, record, positions, errors, seen_keys)
        if row is not None:
            rows.append(row)
    if header is None or all(blank(v) for v in header):
        raise FileRefused(f"{name} has no header row.", code="empty")
    if not lines:
        raise FileRefused(f"{name} has a header row but no payments.", code="empty")
    return Parsed(rows=rows, errors=errors, payments=_group(rows, errors), lines=lines)


def _header(record: Sequence[Any], errors: Errors) -> dict[str, int]:
    positions: dict[str, int] = {}
    for i, title in enumerate(record):
        if blank(title):
            continue
        key = _BY_NAME.get(_norm(title))
        if key is None:
            # A misspelt "amount applied" read as blank would apply more than meant: refuse it.
            errors.add(
                1,
                "",
                f"the column “{str(title).strip()}” is not one Fiscus reads; rename it to one "
                f"of {', '.join(c.label for c in COLUMNS)}, or delete it.",
            )
            continue
        if key in positions:
            errors.add(1, key, "the column appears twice in the header; keep one.")
            continue
        positions[key] = i
    for column in COLUMNS:
        if column.required and column.key not in positions:
            errors.add(1, column.key, f"the header has no “{column.label}” column; add it.")
    return positions


def _cell(record: Sequence[Any], positions: dict[str, int], key: str) -> Any:
    i = positions.get(key)
    return record[i] if i is not None and i < len(record) else None


def _show_cell(value: Any) -> str:
    """A cell as the clerk sees it in the spreadsheet, for the preview."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == datetime.min.time():
            return f"{value:%m/%d/%Y}"
        return f"{value:%m/%d/%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%m/%d/%Y}"
    if isinstance(value, float):
        return repr(value)[:-2] if value.is_integer() else repr(value)
    return str(value).strip()


def _row(
    line: int,
    record: Sequence[Any],
    positions: dict[str, int],
    errors: Errors,
    seen_keys: set[str],
) -> Row | None:
    before = len(errors)

    def cell(key: str) -> Any:
        return _cell(record, positions, key)

    key = _text(line, "payment_key", cell("payment_key"), errors, limit=KEY_LENGTH)
    first = not key or key not in seen_keys
    if key:
        seen_keys.add(key)
    received_on = _date(line, "received_on", cell("received_on"), errors, required=first)
    department = _text(line, "department", cell("department"), errors, required=first)
    method = _method(line, cell("method"), errors, required=first)
    amount = _amount(line, "amount", cell("amount"), errors, required=first)
    customer_number = _text(line, "customer_number", cell("customer_number"), errors, limit=20)
    payer = _text(line, "payer", cell("payer"), errors, limit=PAYER_LENGTH)
    check_number = _text(
        line, "check_number", cell("check_number"), errors, limit=CHECK_NUMBER_LENGTH
    )
    reference = _text(line, "reference", cell("reference"), errors, limit=REFERENCE_LENGTH)
    invoice_number = _text(
        line, "invoice_number", cell("invoice_number"), errors, limit=INVOICE_NUMBER_LENGTH
    )
    applied = _amount(line, "amount_applied", cell("amount_applied"), errors)
    if applied is not None and not invoice_number:
        errors.add(
            line,
            "amount_applied",
            "an amount applied needs the invoice number it applies to; give the invoice "
            "number or leave the amount applied blank.",
        )
    if len(errors) != before:
        return None
    return Row(
        line=line,
        key=key,
        received_on=received_on,
        department=department,
        method=method,
        amount=amount,
        customer_number=customer_number,
        payer=payer,
        check_number=check_number,
        reference=reference,
        invoice_number=invoice_number,
        amount_applied=applied,
    )


def _text(
    line: int,
    key: str,
    value: Any,
    errors: Errors,
    *,
    required: bool = False,
    limit: int | None = None,
) -> str:
    if isinstance(value, bool):
        errors.add(line, key, f"{value} is not text.")
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number typed into a spreadsheet: 1042.0 means "1042"
    if isinstance(value, datetime | date):
        value = value.strftime("%m/%d/%Y")
    text = "" if value is None else str(value).strip()
    if required and not text:
        errors.add(line, key, f"the {LABELS[key]} is empty.")
    if limit is not None and len(text) > limit:
        errors.add(line, key, f"it is longer than {limit} characters; shorten it.")
        return ""
    return text


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def _date(
    line: int, key: str, value: Any, errors: Errors, *, required: bool = False
) -> date | None:
    label = LABELS[key]
    if blank(value):
        if required:
            errors.add(line, key, f"the {label} is empty.")
        return None
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            errors.add(line, key, f"{value:%m/%d/%Y %H:%M} has a time of day; give the date only.")
            return None
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        errors.add(line, key, f"“{value}” is not a date; write it as YYYY-MM-DD or MM/DD/YYYY.")
        return None
    text = value.strip()
    if m := _ISO.match(text):
        year, month, day = (int(x) for x in m.groups())
    elif m := _US.match(text):
        month, day, year = (int(x) for x in m.groups())
    else:
        errors.add(line, key, f"“{text}” is not a date; write it as YYYY-MM-DD or MM/DD/YYYY.")
        return None
    try:
        return date(year, month, day)
    except ValueError:
        errors.add(line, key, f"“{text}” is not a real date.")
        return None


def _method(line: int, value: Any, errors: Errors, *, required: bool) -> str:
    text = _text(line, "method", value, errors, required=required)
    if not text:
        return ""
    found = METHODS.get(_norm(text))
    if found is None:
        errors.add(
            line,
            "method",
            f"“{text}” is not a payment method; write check, cash, money order, card, ACH or wire.",
        )
        return ""
    return found


_COMMA_DECIMAL = re.compile(r"^-?\$?\d+,\d{1,2}$")


def _amount(
    line: int, key: str, value: Any, errors: Errors, *, required: bool = False
) -> Decimal | None:
    label = LABELS[key]
    if blank(value):
        if required:
            errors.add(line, key, f"the {label} is empty.")
        return None
    if isinstance(value, bool):
        errors.add(line, key, f"{value} is not an amount.")
        return None
    if isinstance(value, float):
        # A spreadsheet number cell. Its shortest repr is the number the person typed: take
        # that exactly, never the binary float (10.005 stays 10.005 and is refused below).
        try:
            value = Decimal(repr(value))
        except InvalidOperation:  # pragma: no cover - repr of a float is always a number
            errors.add(line, key, f"“{value!r}” is not an amount.")
            return None
    shown = value.strip() if isinstance(value, str) else str(value)
    if isinstance(value, str) and _COMMA_DECIMAL.match(shown.replace(" ", "")):
        point = shown.replace(" ", "").replace(",", ".")
        errors.add(line, key, f"“{shown}” uses a comma as the decimal mark; write {point}.")
        return None
    try:
        amount = money.parse_amount(value)
    except money.AmountError as exc:
        errors.add(line, key, exc.message.replace(f'"{shown}"', f"“{shown}”"))
        return None
    if amount < 0:
        what = "a payment" if key == "amount" else "an amount applied"
        errors.add(line, key, f"“{shown}” is negative; {what} is more than zero.")
        return None
    if amount == 0:
        if key == "amount":
            errors.add(line, key, "the amount is zero; leave the row out.")
        else:
            errors.add(
                line,
                key,
                "the amount applied is zero; leave the invoice number out, or leave the "
                "amount applied blank to apply what the invoice owes.",
            )
        return None
    return amount


def _show(value: object) -> str:
    if isinstance(value, date):
        return f"{value:%m/%d/%Y}"
    if isinstance(value, Decimal):
        return money.fmt(value)
    if isinstance(value, str) and value in METHOD_LABELS:
        return METHOD_LABELS[value]
    return f"“{value}”"


def _same(mine: object, theirs: object) -> bool:
    if isinstance(mine, str) and isinstance(theirs, str):
        return mine.upper() == theirs.upper()
    return mine == theirs


def _group(rows: list[Row], errors: Errors) -> list[PaymentRows]:
    """Gather the rows of each payment key. A later row's payment fields, where given, agree
    with the key's first row; where blank, they are the first row's."""
    groups: dict[str, list[Row]] = {}
    order: list[str] = []
    for row in rows:
        group_key = row.key or f"\x00{row.line}"  # a row without a key is a payment of its own
        found = groups.get(group_key)
        if found is None:
            groups[group_key] = [row]
            order.append(group_key)
            continue
        first = found[0]
        agree = True
        for name in PAYMENT_FIELDS:
            mine, theirs = getattr(row, name), getattr(first, name)
            if mine in (None, "") or _same(mine, theirs):
                continue
            agree = False
            label = LABELS[name]
            has = f"{label} {_show(theirs)}" if theirs not in (None, "") else f"no {label}"
            errors.add(
                row.line,
                name,
                f"payment key “{row.key}” has {has} on row {first.line}; one payment has one "
                f"{label} (leave it blank on the rows after the first).",
            )
        if agree:
            found.append(row)
    out: list[PaymentRows] = []
    for group_key in order:
        found = groups[group_key]
        first = found[0]
        if first.received_on is None or first.amount is None or not first.method:
            continue  # the key's first row has errors of its own: nothing to agree with
        payment = PaymentRows(
            key=first.key,
            received_on=first.received_on,
            department=first.department,
            method=first.method,
            amount=first.amount,
            customer_number=first.customer_number,
            payer=first.payer,
            check_number=first.check_number,
            reference=first.reference,
            rows=tuple(found),
        )
        if _check_payment(payment, errors):
            out.append(payment)
    return out


def _check_payment(payment: PaymentRows, errors: Errors) -> bool:
    """What can be checked without the database: an unidentified payment names its payer and
    is not applied, an invoice is named once per payment, and the amounts applied fit in it."""
    before = len(errors)
    named: dict[str, int] = {}
    applied = money.ZERO
    whose = f"payment key “{payment.key}”" if payment.key else "the payment"
    if not payment.customer_number and not payment.payer:
        errors.add(
            payment.first.line,
            "payer",
            f"{whose} has no customer number, so name the payer: it is recorded as "
            "unidentified until someone names the customer.",
        )
    for row in payment.applications:
        if not payment.customer_number:
            errors.add(
                row.line,
                "invoice_number",
                f"{whose} has no customer number, so it cannot be applied; give the customer "
                "number, or leave the invoice number blank to record it as unidentified.",
            )
            continue
        number = row.invoice_number.upper()
        if number in named:
            errors.add(
                row.line,
                "invoice_number",
                f"invoice “{row.invoice_number}” is also on row {named[number]} of {whose}; "
                "apply to it once.",
            )
            continue
        named[number] = row.line
        if row.amount_applied is not None:
            applied += row.amount_applied
            if applied > payment.amount:
                errors.add(
                    row.line,
                    "amount_applied",
                    f"the rows of {whose} apply {money.fmt(applied)}, more than the payment's "
                    f"{money.fmt(payment.amount)}.",
                )
                return False
    return len(errors) == before


# --- writing: the template a clerk fills in ---------------------------------------------------

HEADER = [c.label.title() for c in COLUMNS]
_MAY_4 = date(2026, 5, 4)
# key, received date, department, method, amount, customer number, payer, check number,
# reference, invoice number, amount applied (None: as much as the invoice owes)
EXAMPLE: list[list[Any]] = [
    ["P1", _MAY_4, "PRK", "check", Decimal("300.00"), "C000001", "Riverside Little League"]
    + ["1042", "", "INV-2026-000101", Decimal("250.00")],
    ["P1", _MAY_4, "PRK", "check", Decimal("300.00"), "C000001", "Riverside Little League"]
    + ["1042", "", "INV-2026-000102", None],
    ["P2", _MAY_4, "PRK", "cash", Decimal("45.00"), "C000002", ""]
    + ["", "Counter receipt 88", "INV-2026-000107", None],
    ["P3", _MAY_4, "PW", "money order", Decimal("120.00"), "", "J. Alvarez"]
    + ["", "MO 55120, no stub", "", None],
]


def _cell_text(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def template_csv(rows: Sequence[Sequence[Any]] = EXAMPLE) -> bytes:
    """The file layout as .csv: the header and example rows."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([_cell_text(v) for v in row])
    return out.getvalue().encode("utf-8")


def template_xlsx(rows: Sequence[Sequence[Any]] = EXAMPLE) -> bytes:
    """The file layout as .xlsx: the header (each title explained in a comment), example rows,
    real date cells, amounts to the cent, and text cells for numbers that are not amounts."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Payments"
    sheet.append(HEADER)
    for cell, column in zip(sheet[1], COLUMNS, strict=True):
        cell.font = Font(bold=True)
        if column.help:
            cell.comment = Comment(column.help, "Fiscus")
    for row in rows:
        sheet.append(list(row))
    formats = {
        "received_on": "yyyy-mm-dd",
        "amount": "#,##0.00",
        "amount_applied": "#,##0.00",
        # customer, check and invoice numbers stay text: "001042" keeps its zeros
        "customer_number": "@",
        "check_number": "@",
        "invoice_number": "@",
    }
    for i, column in enumerate(COLUMNS, 1):
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = column.width
        number_format = formats.get(column.key)
        if number_format:
            for n in range(2, max(len(rows), 200) + 2):
                sheet.cell(n, i).number_format = number_format
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

"""The billing upload: a department's invoices as a spreadsheet, one row per invoice LINE.

A .csv (UTF-8, with or without a BOM) or an .xlsx (its first sheet), with a header row:

    invoice key, customer number, invoice date, department, charge code, quantity
    [, unit price] [, line description] [, reference] [, terms] [, service from] [, service to]

The invoice key is the biller's own grouping key (their invoice or reference number): the rows
with the same key are the lines of one invoice, so they must agree on the customer, the invoice
date, the department, the reference and the terms. A blank unit price means the charge code's.

Pure: this module reads bytes and returns rows grouped into invoices, or sentences naming the row
and the field. It knows nothing of the database; the upload service checks customers, charge
codes, departments and terms. Row numbers are spreadsheet row numbers (the header is row 1).
The template (`template_csv`, `template_xlsx`) is written from the same column table.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
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

MAX_ERRORS = 50
KEY_LENGTH = 40
DESCRIPTION_LENGTH = 200
REFERENCE_LENGTH = 60
QUANTITY_MAX = Decimal("999999999.999")  # NUMERIC(12,3)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    required: bool
    aliases: tuple[str, ...] = ()
    width: int = 14


COLUMNS = (
    Column(
        "invoice_key",
        "invoice key",
        True,
        ("key", "invoice", "invoice number", "invoice no", "invoice id", "invoice ref", "group"),
        12,
    ),
    Column(
        "customer_number", "customer number", True, ("customer", "customer no", "customer id"), 16
    ),
    Column("invoice_date", "invoice date", True, ("date", "bill date", "billing date"), 13),
    Column("department", "department", True, ("department code", "dept", "dept code"), 12),
    Column("charge_code", "charge code", True, ("charge", "code", "item code", "fee code"), 14),
    Column("quantity", "quantity", True, ("qty", "units", "hours"), 10),
    Column("unit_price", "unit price", False, ("price", "rate", "unit cost"), 11),
    Column(
        "description",
        "line description",
        False,
        ("description", "line memo", "memo", "details"),
        32,
    ),
    Column(
        "reference",
        "reference",
        False,
        ("po", "po number", "purchase order", "customer reference", "reference po", "ref"),
        14,
    ),
    Column("terms", "terms", False, ("terms code", "payment terms"), 10),
    Column(
        "service_from", "service from", False, ("from", "service start", "service from date"), 13
    ),
    Column("service_to", "service to", False, ("to", "service end", "service to date"), 13),
)
LABELS = {c.key: c.label for c in COLUMNS}
# The fields every line of one invoice must agree on.
INVOICE_FIELDS = ("customer_number", "invoice_date", "department", "reference", "terms")


@dataclass(frozen=True)
class Row:
    """One line of the file, parsed but not yet checked against the database."""

    line: int
    invoice_key: str
    customer_number: str
    invoice_date: date
    department: str
    charge_code: str
    quantity: Decimal
    unit_price: Decimal | None = None
    description: str = ""
    reference: str = ""
    terms: str = ""
    service_from: date | None = None
    service_to: date | None = None


@dataclass(frozen=True)
class InvoiceRows:
    """The rows of one invoice key, in file order; the invoice fields come from the rows."""

    key: str
    rows: tuple[Row, ...]

    @property
    def first(self) -> Row:
        return self.rows[0]

    @property
    def reference(self) -> str:
        return next((r.reference for r in self.rows if r.reference), "")

    @property
    def terms(self) -> str:
        return next((r.terms for r in self.rows if r.terms), "")


class Errors(RowErrors):
    labels = LABELS
    limit = MAX_ERRORS


@dataclass
class Parsed:
    rows: list[Row]
    errors: Errors
    invoices: list[InvoiceRows]


# --- reading ---------------------------------------------------------------------------------


def parse(content: bytes, file_name: str, *, max_bytes: int | None = None) -> Parsed:
    """Read a billing file. Raises FileRefused when the file as a whole is unusable (too large,
    empty, not really a .csv or .xlsx); returns the rows grouped into invoices and every row
    error (up to MAX_ERRORS) otherwise. The size is checked before anything is read."""
    table, name = spreadsheet_rows(content, file_name, max_bytes=max_bytes)
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
    for line, record in table:
        if header is None:
            header = record
            positions = _header(record, errors)
            if errors:
                return Parsed(rows=[], errors=errors, invoices=[])
            continue
        if all(blank(v) for v in record):
            continue
        width = len(header)
        if len(record) > width and not all(blank(v) for v in record[width:]):
            errors.add(
                line,
                "",
                f"it has {len(record)} cells but the header has {width} columns; "
                f'put quotes around a value with a comma in it ("1,250.00").',
            )
            continue
        row = _row(line, record, positions, errors)
        if row is not None:
            rows.append(row)
    if header is None or all(blank(v) for v in header):
        raise FileRefused(f"{name} has no header row.", code="empty")
    if not rows and not errors:
        raise FileRefused(f"{name} has a header row but no invoice lines.", code="empty")
    return Parsed(rows=rows, errors=errors, invoices=_group(rows, errors))


def _header(record: Sequence[Any], errors: Errors) -> dict[str, int]:
    positions: dict[str, int] = {}
    for i, title in enumerate(record):
        key = _BY_NAME.get(_norm(title))
        if key is None:
            continue  # other columns are ignored
        if key in positions:
            errors.add(1, key, "the column appears twice in the header; keep one.")
            continue
        positions[key] = i
    for column in COLUMNS:
        if column.required and column.key not in positions:
            errors.add(1, column.key, f'the header has no "{column.label}" column; add it.')
    return positions


def _row(line: int, record: Sequence[Any], positions: dict[str, int], errors: Errors) -> Row | None:
    before = len(errors)

    def cell(key: str) -> Any:
        i = positions.get(key)
        return record[i] if i is not None and i < len(record) else None

    key = _text(line, "invoice_key", cell("invoice_key"), errors, required=True, limit=KEY_LENGTH)
    customer = _text(line, "customer_number", cell("customer_number"), errors, required=True)
    invoice_date = _date(line, "invoice_date", cell("invoice_date"), errors, required=True)
    department = _text(line, "department", cell("department"), errors, required=True)
    charge_code = _text(line, "charge_code", cell("charge_code"), errors, required=True)
    quantity = _quantity(line, cell("quantity"), errors)
    unit_price = _price(line, cell("unit_price"), errors)
    description = _text(line, "description", cell("description"), errors, limit=DESCRIPTION_LENGTH)
    reference = _text(line, "reference", cell("reference"), errors, limit=REFERENCE_LENGTH)
    terms = _text(line, "terms", cell("terms"), errors)
    service_from = _date(line, "service_from", cell("service_from"), errors)
    service_to = _date(line, "service_to", cell("service_to"), errors)
    if service_from and service_to and service_to < service_from:
        errors.add(
            line,
            "service_to",
            f"{service_to:%m/%d/%Y} is before the service start {service_from:%m/%d/%Y}.",
        )
    if len(errors) != before or invoice_date is None or quantity is None:
        return None
    return Row(
        line=line,
        invoice_key=key,
        customer_number=customer,
        invoice_date=invoice_date,
        department=department,
        charge_code=charge_code,
        quantity=quantity,
        unit_price=unit_price,
        description=description,
        reference=reference,
        terms=terms,
        service_from=service_from,
        service_to=service_to,
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
        value = int(value)  # a number typed into a spreadsheet: 1001.0 means "1001"
    if isinstance(value, datetime | date):
        value = value.strftime("%m/%d/%Y")
    text = "" if value is None else str(value).strip()
    if required and not text:
        errors.add(line, key, f"the {LABELS[key]} is empty.")
    if limit is not None and len(text) > limit:
        errors.add(line, key, f"it is longer than {limit} characters; shorten it.")
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
        errors.add(line, key, f"{value!r} is not a date; write it as YYYY-MM-DD or MM/DD/YYYY.")
        return None
    text = value.strip()
    if m := _ISO.match(text):
        year, month, day = (int(x) for x in m.groups())
    elif m := _US.match(text):
        month, day, year = (int(x) for x in m.groups())
    else:
        errors.add(line, key, f'"{text}" is not a date; write it as YYYY-MM-DD or MM/DD/YYYY.')
        return None
    try:
        return date(year, month, day)
    except ValueError:
        errors.add(line, key, f'"{text}" is not a real date.')
        return None


_QUANTITY = re.compile(r"^(?P<neg>-)?(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?$")


def _exact(value: Any) -> Any:
    """A spreadsheet number cell as the number the person typed: its shortest repr, exactly,
    never the binary float (10.005 stays 10.005 and is refused where three places are too many)."""
    if isinstance(value, float):
        try:
            return Decimal(repr(value))
        except InvalidOperation:  # pragma: no cover - repr of a float is always a number
            return str(value)
    return value


def _quantity(line: int, value: Any, errors: Errors) -> Decimal | None:
    if blank(value):
        errors.add(line, "quantity", "the quantity is empty.")
        return None
    if isinstance(value, bool):
        errors.add(line, "quantity", f"{value} is not a quantity.")
        return None
    value = _exact(value)
    if isinstance(value, int):
        quantity = Decimal(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            errors.add(line, "quantity", f"{value} is not a quantity.")
            return None
        quantity = value
    else:
        text = str(value).strip()
        m = _QUANTITY.match(text)
        if m is None:
            if re.match(r"^-?\d+,\d{1,2}$", text):
                errors.add(
                    line,
                    "quantity",
                    f'"{text}" uses a comma as the decimal mark; write it with a point.',
                )
            else:
                errors.add(line, "quantity", f'"{text}" is not a quantity.')
            return None
        quantity = Decimal(text.replace(",", ""))
    if quantity <= 0:
        errors.add(
            line,
            "quantity",
            f"{quantity} is not more than zero; use a credit memo for a credit.",
        )
        return None
    if quantity != quantity.quantize(Decimal("0.001")):
        errors.add(line, "quantity", f'"{quantity}" has more than three decimal places.')
        return None
    if quantity > QUANTITY_MAX:
        errors.add(line, "quantity", f"{quantity} is larger than Fiscus can hold.")
        return None
    return quantity.quantize(Decimal("0.001"))


def _price(line: int, value: Any, errors: Errors) -> Decimal | None:
    """The unit price, or None (blank: the charge code's price)."""
    if blank(value):
        return None
    if isinstance(value, bool):
        errors.add(line, "unit_price", f"{value} is not an amount.")
        return None
    try:
        price = money.parse_amount(_exact(value))
    except money.AmountError as exc:
        errors.add(line, "unit_price", exc.message)
        return None
    if price < 0:
        errors.add(
            line,
            "unit_price",
            f"{money.fmt(price)} is negative; use a credit memo for a credit.",
        )
        return None
    return price


def _group(rows: list[Row], errors: Errors) -> list[InvoiceRows]:
    """Gather the rows of each invoice key; each later row must agree with the key's first row
    on the invoice's own fields (a blank reference or terms agrees with anything)."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        rows_of_key = groups.setdefault(row.invoice_key, [])
        if rows_of_key:
            first = rows_of_key[0]
            agree = True
            for name in INVOICE_FIELDS:
                mine, theirs = getattr(row, name), getattr(first, name)
                if name in {"reference", "terms"}:
                    theirs = next((getattr(r, name) for r in rows_of_key if getattr(r, name)), "")
                    if not mine or not theirs:
                        continue
                same = (
                    mine == theirs
                    if isinstance(mine, date)
                    else str(mine).upper() == str(theirs).upper()
                )
                if not same:
                    agree = False
                    errors.add(
                        row.line,
                        name,
                        f'invoice key "{row.invoice_key}" has {LABELS[name]} '
                        f"{_show(theirs)} on row {first.line}; one invoice has one "
                        f"{LABELS[name]}.",
                    )
            if not agree:
                continue
        rows_of_key.append(row)
    return [InvoiceRows(key, tuple(found)) for key, found in groups.items()]


def _show(value: object) -> str:
    return f"{value:%m/%d/%Y}" if isinstance(value, date) else f'"{value}"'


# --- writing: the template a department fills in ---------------------------------------------

HEADER = [c.label.title() for c in COLUMNS]
EXAMPLE: list[list[Any]] = [
    [
        "PRK-0412",
        "C000001",
        date(2026, 5, 4),
        "PRK",
        "PRK-PAVILION",
        Decimal("1"),
        Decimal("250.00"),
        "Pavilion rental, May 2",
        "PO-7781",
        "net30",
        date(2026, 5, 2),
        date(2026, 5, 2),
    ],
    [
        "PRK-0412",
        "C000001",
        date(2026, 5, 4),
        "PRK",
        "PRK-STAFF",
        Decimal("3.5"),
        Decimal("42.00"),
        "Event staff, hours",
        "PO-7781",
        "net30",
        None,
        None,
    ],
    [
        "PRK-0413",
        "C000002",
        date(2026, 5, 4),
        "PRK",
        "PRK-FIELD",
        Decimal("2"),
        None,
        "Field lights (the charge code's price)",
        "",
        "",
        None,
        None,
    ],
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
    """The file layout as .xlsx: the header, example rows, real date cells, prices to the cent."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Invoice lines"
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    formats = {
        "invoice_date": "yyyy-mm-dd",
        "service_from": "yyyy-mm-dd",
        "service_to": "yyyy-mm-dd",
        "quantity": "#,##0.###",
        "unit_price": "#,##0.00",
    }
    for i, column in enumerate(COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(i)].width = column.width
        number_format = formats.get(column.key)
        if number_format:
            for n in range(2, len(rows) + 2):
                sheet.cell(n, i).number_format = number_format
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

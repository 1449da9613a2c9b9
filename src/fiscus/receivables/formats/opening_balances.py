"""The opening-balances file: each customer's open items on the day an agency moves to Fiscus.

A .csv (UTF-8, with or without a BOM) or an .xlsx (its first sheet), with a header row:

    customer number, document number, document date, due date, amount, description
    [, department] [, fund]

Pure: this module reads bytes and returns rows or sentences naming the row and the field. It
knows nothing of the database; the import service checks customers, departments and funds.
Row numbers are spreadsheet row numbers (the header is row 1).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fiscus import money
from fiscus.errors import FiscusError
from fiscus.receivables.formats.rows import RowErrors, blank

MAX_ERRORS = 50
DOCUMENT_NUMBER_LENGTH = 40
DESCRIPTION_LENGTH = 200


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    required: bool
    aliases: tuple[str, ...] = ()


COLUMNS = (
    Column("customer_number", "customer number", True, ("customer", "customer no", "customer id")),
    Column(
        "document_number",
        "document number",
        True,
        ("document", "document no", "invoice number", "invoice", "item number"),
    ),
    Column("document_date", "document date", True, ("invoice date", "date")),
    Column("due_date", "due date", True, ("due",)),
    Column("amount", "amount", True, ("open amount", "balance", "amount due")),
    Column("description", "description", True, ("memo",)),
    Column("department", "department", False, ("department code", "dept")),
    Column("fund", "fund", False, ("fund code",)),
)
LABELS = {c.key: c.label for c in COLUMNS}


class FileRefused(FiscusError):
    """The whole file cannot be read: not a .csv or .xlsx, empty, or too large."""

    code = "bad_file"


@dataclass(frozen=True)
class Row:
    """One row of the file, parsed but not yet checked against the database."""

    line: int
    customer_number: str
    document_number: str
    document_date: date
    due_date: date
    amount: Decimal
    description: str = ""
    department: str = ""
    fund: str = ""


class Errors(RowErrors):
    labels = LABELS
    limit = MAX_ERRORS


@dataclass
class Parsed:
    rows: list[Row]
    errors: Errors
    columns: list[str]  # the keys of the columns the header named


# --- reading ---------------------------------------------------------------------------------


def parse(content: bytes, file_name: str, *, max_bytes: int | None = None) -> Parsed:
    """Read an opening-balances file. Raises FileRefused when the file as a whole is unusable;
    returns the rows and every row error (up to MAX_ERRORS) otherwise."""
    table, name = spreadsheet_rows(content, file_name, max_bytes=max_bytes)
    return _read_table(table, name)


def spreadsheet_rows(
    content: bytes, file_name: str, *, max_bytes: int | None = None, verb: str = "imports"
) -> tuple[Iterator[tuple[int, list[Any]]], str]:
    """The rows of an uploaded .csv or .xlsx, with the file's bare name; every upload reads
    through here. Raises FileRefused when the file as a whole is unusable (too large, empty,
    not really a .csv or .xlsx); the size is checked before anything is read."""
    name = file_name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1] or "The file"
    if max_bytes is not None and len(content) > max_bytes:
        raise FileRefused(
            f"{name} is {size_text(len(content))}; "
            f"Fiscus {verb} files up to {size_text(max_bytes)}.",
            code="too_large",
        )
    if not content.strip(b"\xef\xbb\xbf \t\r\n"):
        raise FileRefused(f"{name} is empty.", code="empty")
    suffix = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    if suffix == "xlsx":
        return _xlsx_rows(content, name), name
    if suffix == "csv":
        return _csv_rows(content, name), name
    raise FileRefused(
        f"{name} is not a .csv or .xlsx file; save it from the spreadsheet as one of those.",
        code="bad_type",
    )


def size_text(n: int) -> str:
    """A file size for a sentence: "2 KB", "10 MB"."""
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
    if n >= 1024:
        return f"{n // 1024} KB"
    return f"{n} bytes"


def _csv_rows(content: bytes, name: str) -> Iterator[tuple[int, list[Any]]]:
    if content.startswith(b"PK\x03\x04"):
        raise FileRefused(
            f"{name} is an Excel workbook, not a .csv file; name it .xlsx or save it as CSV.",
            code="bad_type",
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused(
            f"{name} is not UTF-8 text; save it as “CSV UTF-8” and try again.", code="bad_type"
        ) from None
    if "\x00" in text:
        raise FileRefused(f"{name} is not a text file; it cannot be a .csv.", code="bad_type")
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise FileRefused(f"{name} is not a readable .csv file ({exc}).", code="bad_type") from None
    return ((n, record) for n, record in enumerate(records, 1))


def _xlsx_rows(content: bytes, name: str) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    if not content.startswith(b"PK\x03\x04"):
        looks = "text" if _looks_like_text(content) else "something else"
        raise FileRefused(
            f"{name} is not a real .xlsx workbook (it looks like {looks}); "
            f"save it from Excel as .xlsx, or name it .csv if it is a CSV file.",
            code="bad_type",
        )
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        book.close()
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, TypeError):
        raise FileRefused(
            f"{name} is not a readable .xlsx workbook; open it in Excel and save it again.",
            code="bad_type",
        ) from None
    return ((n, record) for n, record in enumerate(rows, 1))


def _looks_like_text(content: bytes) -> bool:
    try:
        content[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in content[:4096]


def _norm(header: object) -> str:
    text = "" if header is None else str(header)
    text = text.replace("\ufeff", "").strip().lower()
    text = re.sub(r"[\s_\-.#]+", " ", text).strip()
    return text


_BY_NAME = {
    name: c.key for c in COLUMNS for name in (_norm(c.label), c.key.replace("_", " "), *c.aliases)
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
                return Parsed(rows=[], errors=errors, columns=list(positions))
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
        raise FileRefused(f"{name} has a header row but no rows of balances.", code="empty")
    _check_duplicates(rows, errors)
    return Parsed(rows=rows, errors=errors, columns=list(positions))


def _header(record: Sequence[Any], errors: Errors) -> dict[str, int]:
    positions: dict[str, int] = {}
    for i, title in enumerate(record):
        key = _BY_NAME.get(_norm(title))
        if key is None:
            continue  # other columns (a PeopleSoft export has many) are ignored
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

    customer = _text(line, "customer_number", cell("customer_number"), errors, required=True)
    number = _text(line, "document_number", cell("document_number"), errors, required=True)
    if number and len(number) > DOCUMENT_NUMBER_LENGTH:
        errors.add(
            line,
            "document_number",
            f'"{number}" is longer than {DOCUMENT_NUMBER_LENGTH} characters.',
        )
    document_date = _date(line, "document_date", cell("document_date"), errors)
    due_date = _date(line, "due_date", cell("due_date"), errors)
    amount = _amount(line, cell("amount"), errors)
    description = _text(line, "description", cell("description"), errors)
    if len(description) > DESCRIPTION_LENGTH:
        errors.add(
            line, "description", f"it is longer than {DESCRIPTION_LENGTH} characters; shorten it."
        )
    department = _text(line, "department", cell("department"), errors)
    fund = _text(line, "fund", cell("fund"), errors)
    if document_date and due_date and due_date < document_date:
        errors.add(
            line,
            "due_date",
            f"{due_date:%m/%d/%Y} is before the document date {document_date:%m/%d/%Y}.",
        )
    if len(errors) != before or document_date is None or due_date is None or amount is None:
        return None
    return Row(
        line=line,
        customer_number=customer,
        document_number=number,
        document_date=document_date,
        due_date=due_date,
        amount=amount,
        description=description,
        department=department,
        fund=fund,
    )


def _text(line: int, key: str, value: Any, errors: Errors, *, required: bool = False) -> str:
    if isinstance(value, bool):
        errors.add(line, key, f"{value} is not text.")
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number typed into a spreadsheet: 1001.0 means "1001"
    text = "" if value is None else str(value).strip()
    if required and not text:
        errors.add(line, key, f"the {LABELS[key]} is empty.")
    return text


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def _date(line: int, key: str, value: Any, errors: Errors) -> date | None:
    label = LABELS[key]
    if blank(value):
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


def _amount(line: int, value: Any, errors: Errors) -> Decimal | None:
    if blank(value):
        errors.add(line, "amount", "the amount is empty.")
        return None
    if isinstance(value, bool):
        errors.add(line, "amount", f"{value} is not an amount.")
        return None
    if isinstance(value, float):
        # A spreadsheet number cell. Its shortest repr is the number the person typed: take that
        # exactly, never the binary float (10.005 stays 10.005 and is refused below).
        try:
            value = Decimal(repr(value))
        except InvalidOperation:  # pragma: no cover - repr of a float is always a number
            errors.add(line, "amount", f"{value!r} is not an amount.")
            return None
    try:
        amount = money.parse_amount(value)
    except money.AmountError as exc:
        errors.add(line, "amount", exc.message)
        return None
    if amount == 0:
        errors.add(line, "amount", "the amount is zero; leave the row out.")
        return None
    return amount


def _check_duplicates(rows: list[Row], errors: Errors) -> None:
    first: dict[str, int] = {}
    for row in rows:
        key = row.document_number.upper()
        if key in first:
            errors.add(
                row.line,
                "document_number",
                f'"{row.document_number}" is also on row {first[key]}; '
                f"each document number appears once.",
            )
        else:
            first[key] = row.line


# --- writing: the template an agency fills in ------------------------------------------------

HEADER = [c.label.title() for c in COLUMNS]
EXAMPLE = [
    [
        "C000001",
        "INV-88412",
        date(2026, 5, 14),
        date(2026, 6, 13),
        Decimal("1250.00"),
        "Facility rental, May",
        "PRK",
        "100",
    ],
    [
        "C000001",
        "INV-88590",
        date(2026, 6, 2),
        date(2026, 7, 2),
        Decimal("87.50"),
        "Field lights",
        "PRK",
        "100",
    ],
    [
        "C000002",
        "CM-1207",
        date(2026, 6, 20),
        date(2026, 6, 20),
        Decimal("-40.00"),
        "Overpayment, credit balance",
        "PW",
        "100",
    ],
    [
        "C000003",
        "INV-87001",
        date(2026, 3, 31),
        date(2026, 4, 30),
        Decimal("3120.75"),
        "Sewer connection fee",
        "PW",
        "100",
    ],
]


def template_csv(rows: Sequence[Sequence[Any]] = EXAMPLE) -> bytes:
    """The file layout as .csv: the header and example rows."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow(
            [v.isoformat() if isinstance(v, date) else ("" if v is None else str(v)) for v in row]
        )
    return out.getvalue().encode("utf-8")


def template_xlsx(rows: Sequence[Sequence[Any]] = EXAMPLE) -> bytes:
    """The file layout as .xlsx: the header, example rows, real date cells, amounts to the cent."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Opening balances"
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for n in range(2, len(rows) + 2):
        sheet.cell(n, 3).number_format = "yyyy-mm-dd"
        sheet.cell(n, 4).number_format = "yyyy-mm-dd"
        sheet.cell(n, 5).number_format = "#,##0.00;-#,##0.00"
    for letter, width in zip("ABCDEFGH", (16, 18, 15, 12, 12, 32, 12, 8), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

"""Bank statements exported as CSV, read through a saved column mapping.

Every bank's CSV export is different, so the agency saves a `CsvMapping` per bank account once
(`to_dict()` gives JSON to store, `CsvMapping.from_dict()` reads it back and checks it) and every
later export of that account is read with it:

- the layout: `delimiter`, `quote_char`, `encoding`; `header_lines` lines of bank metadata
  before the column header (if `has_header`), `footer_lines` lines after the data;
- the numbers: `decimal_separator` ("." or ","), `thousands_separator` ("," "." " " "'" or
  none); an amount may carry a sign, a trailing minus or parentheses ("(12.00)" is -12.00);
- the dates: `date_format` in strftime form ("%m/%d/%Y", "%d/%m/%y", "%Y-%m-%d");
- the columns, each by its header text (any case) or its position counting from 1:
  `date_column`; either `amount_column` (signed: + money in) or `debit_column` and
  `credit_column` (a debit is money out whatever its sign); optional `value_date_column`,
  `description_columns` (joined), `reference_column` (the bank's reference), `check_number_column`
  (the customer's reference), `payer_column`, `type_column`, and `balance_column` (the running
  balance after each line);
- the balances: `opening_balance_label` / `closing_balance_label` find a metadata or footer line
  whose first cell is that label ("Balance at start of period") and read the first amount after
  it. Without them, a running balance column implies the opening (the first balance less its
  line) and the closing (the last balance).

With a running balance, each line is checked: the balance before it plus its amount must be its
balance. A file listed newest first is recognised by its balances running the other way. A line
that does not tie, like an opening plus lines that is not the closing, is reported in the
statement's `problems`; a date or amount that cannot be read is refused with its row and column.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fiscus.cash.formats.statements import (
    BankStatement,
    BankTransaction,
    FormatError,
    amount_text,
    finish,
)

ColumnRef = str | int  # a header's text, or a position counting from 1
CENT = Decimal("0.01")
DECIMAL_SEPARATORS = (".", ",")
THOUSANDS_SEPARATORS = ("", ",", ".", " ", "'")
MAX_BALANCE_PROBLEMS = 10
SAMPLE_DATE = date(2026, 1, 31)


@dataclass
class CsvMapping:
    """How to read one bank's CSV export. See the module docstring for each setting."""

    date_column: ColumnRef
    amount_column: ColumnRef | None = None
    debit_column: ColumnRef | None = None
    credit_column: ColumnRef | None = None
    value_date_column: ColumnRef | None = None
    description_columns: list[ColumnRef] = field(default_factory=list)
    reference_column: ColumnRef | None = None
    check_number_column: ColumnRef | None = None
    payer_column: ColumnRef | None = None
    type_column: ColumnRef | None = None
    balance_column: ColumnRef | None = None
    delimiter: str = ","
    quote_char: str = '"'
    encoding: str = "utf-8"
    decimal_separator: str = "."
    thousands_separator: str = ","
    date_format: str = "%m/%d/%Y"
    header_lines: int = 0
    has_header: bool = True
    footer_lines: int = 0
    opening_balance_label: str = ""
    closing_balance_label: str = ""
    account: str = ""
    currency: str = "USD"

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Refuse a mapping that cannot read a file, naming the setting."""

        def refuse(setting: str, why: str) -> None:
            raise FormatError(f"the mapping's {setting} {why}", field=setting)

        columns = {
            f.name: getattr(self, f.name) for f in fields(self) if f.name.endswith("_column")
        }
        for setting, ref in [*columns.items()] + [
            ("description_columns", r) for r in self.description_columns
        ]:
            if ref is None:
                continue
            if isinstance(ref, bool) or not isinstance(ref, str | int):
                refuse(setting, "must be a column's header text or its position (1, 2, ...).")
            if isinstance(ref, int) and ref < 1:
                refuse(setting, "counts columns from 1.")
            if isinstance(ref, str) and not ref.strip():
                refuse(setting, "is blank.")
        if self.amount_column is None and (self.debit_column is None or self.credit_column is None):
            refuse("amount_column", "is needed, or else both a debit_column and a credit_column.")
        if self.amount_column is not None and (
            self.debit_column is not None or self.credit_column is not None
        ):
            refuse("amount_column", "and debit/credit columns cannot both be given; choose one.")
        if self.decimal_separator not in DECIMAL_SEPARATORS:
            refuse("decimal_separator", 'must be "." or ",".')
        if self.thousands_separator not in THOUSANDS_SEPARATORS:
            refuse("thousands_separator", 'must be ",", ".", a space, "\'" or nothing.')
        if self.thousands_separator == self.decimal_separator:
            refuse("thousands_separator", "cannot be the decimal separator too.")
        if len(self.delimiter) != 1:
            refuse("delimiter", "must be one character.")
        if len(self.quote_char) != 1:
            refuse("quote_char", "must be one character.")
        for setting in ("header_lines", "footer_lines"):
            value = getattr(self, setting)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                refuse(setting, "must be a whole number, 0 or more.")
        try:
            sample = SAMPLE_DATE.strftime(self.date_format)
            parsed = datetime.strptime(sample, self.date_format).date()  # noqa: DTZ007
        except ValueError:
            parsed = None
        if parsed != SAMPLE_DATE:
            refuse(
                "date_format", f'"{self.date_format}" does not give a whole date (e.g. %m/%d/%Y).'
            )
        try:
            "".encode(self.encoding)
        except LookupError:
            refuse("encoding", f'"{self.encoding}" is not a known text encoding.')

    def to_dict(self) -> dict[str, Any]:
        """The mapping as plain JSON-ready values."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CsvMapping:
        """Read a saved mapping back, refusing unknown settings and values of the wrong kind."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise FormatError(
                f'the mapping has an unknown setting "{unknown[0]}".', field=unknown[0]
            )
        if "date_column" not in data:
            raise FormatError("the mapping has no date_column.", field="date_column")
        values = dict(data)
        description = values.get("description_columns")
        if description is not None and not isinstance(description, list):
            values["description_columns"] = [description]
        for name in ("delimiter", "quote_char", "encoding", "decimal_separator",
                     "thousands_separator", "date_format", "opening_balance_label",
                     "closing_balance_label", "account", "currency"):  # fmt: skip
            if name in values and not isinstance(values[name], str):
                raise FormatError(f"the mapping's {name} must be text.", field=name)
        if "has_header" in values and not isinstance(values["has_header"], bool):
            raise FormatError("the mapping's has_header must be true or false.", field="has_header")
        return cls(**values)


@dataclass(frozen=True)
class _Row:
    line: int
    cells: list[str]

    @property
    def filled(self) -> bool:
        return any(c.strip() for c in self.cells)

    def cell(self, index: int) -> str:
        return self.cells[index].strip() if index < len(self.cells) else ""


def _rows(data: bytes, mapping: CsvMapping) -> list[_Row]:
    try:
        text = data.decode(mapping.encoding)
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise FormatError(
            f"the file is not {mapping.encoding} text (byte {e.start + 1}); check the mapping's "
            "encoding (banks often use cp1252).",
            line=line,
            where="Row",
        ) from None
    text = text.removeprefix("\ufeff")
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=mapping.delimiter, quotechar=mapping.quote_char
    )
    rows: list[_Row] = []  # every row, blank ones too: header and footer lines are counted
    start = 1
    try:
        for cells in reader:
            rows.append(_Row(start, cells))
            start = reader.line_num + 1
    except csv.Error as e:
        raise FormatError(f"the CSV is broken ({e}).", line=start, where="Row") from None
    while rows and not rows[-1].filled:
        rows.pop()  # blank lines at the end are not footer lines
    return rows


def _amount(text: str, mapping: CsvMapping, line: int, column: str) -> Decimal:
    """A bank amount under the mapping's separators: "1.533,50", "(12.00)", "50.00-", "+3"."""
    raw = text.strip().replace("\u00a0", " ")
    raw = re.sub(r"^[A-Z]{3}\s*|\s*[A-Z]{3}$|[$€£]", "", raw).strip()
    negative = False
    if raw.startswith("(") and raw.endswith(")"):
        negative, raw = True, raw[1:-1].strip()
    if raw.endswith("-"):
        negative, raw = not negative, raw[:-1].strip()
    if raw.startswith(("+", "-")):
        negative, raw = (not negative if raw[0] == "-" else negative), raw[1:].strip()
    thousands, point = mapping.thousands_separator, mapping.decimal_separator
    whole, _, fraction = raw.partition(point)
    if thousands and thousands in whole:
        groups = whole.split(thousands)
        if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
            whole = "?"  # separators in the wrong places: not an amount
        whole = whole.replace(thousands, "")
    plain = f"{whole}.{fraction}" if fraction else whole
    if not re.fullmatch(r"\d+(\.\d+)?", plain):
        example = f"1{thousands}234{point}50"
        raise FormatError(
            f'"{text.strip()}" is not an amount written like {example}.',
            line=line,
            field=column,
            where="Row",
        )
    try:
        value = Decimal(plain)
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise FormatError(
            f'"{text}" is not an amount.', line=line, field=column, where="Row"
        ) from None
    if value != value.quantize(CENT):
        raise FormatError(
            f'"{text.strip()}" has a fraction of a cent; Fiscus books whole cents.',
            line=line,
            field=column,
            where="Row",
        )
    value = value.quantize(CENT)
    return -value if negative else value


def _date(text: str, mapping: CsvMapping, line: int, column: str) -> date:
    try:
        return datetime.strptime(text.strip(), mapping.date_format).date()  # noqa: DTZ007
    except ValueError:
        example = SAMPLE_DATE.strftime(mapping.date_format)
        shown = f'"{text.strip()}" is not a date' if text.strip() else "the date is missing"
        raise FormatError(
            f"{shown}; the mapping expects dates like {example} ({mapping.date_format}).",
            line=line,
            field=column,
            where="Row",
        ) from None


class _Columns:
    """The mapping's columns resolved to positions in this file."""

    def __init__(self, mapping: CsvMapping, header: _Row | None, width: int) -> None:
        self.header = header
        self.width = width
        self.names: dict[int, str] = {}
        if header is not None:
            for i, name in enumerate(header.cells):
                self.names[i] = name.strip()

    def find(self, ref: ColumnRef | None, setting: str) -> int | None:
        if ref is None:
            return None
        if isinstance(ref, int):
            if ref > self.width:
                raise FormatError(
                    f"the mapping's {setting} is column {ref}, but the rows have only "
                    f"{self.width} columns.",
                    line=self.header.line if self.header else 1,
                    where="Row",
                )
            return ref - 1
        if self.header is None:
            raise FormatError(
                f'the mapping names the column "{ref}", but the file has no header row; give '
                "its position instead.",
                field=setting,
            )
        wanted = ref.strip().lower()
        for i, name in self.names.items():
            if name.lower() == wanted:
                return i
        raise FormatError(
            f'the header has no "{ref}" column (the mapping\'s {setting}).',
            line=self.header.line,
            where="Row",
        )

    def label(self, index: int) -> str:
        return self.names.get(index) or f"column {index + 1}"


def _labelled_balance(rows: list[_Row], label: str, mapping: CsvMapping) -> Decimal | None:
    if not label:
        return None
    wanted = label.strip().rstrip(":").lower()
    for row in rows:
        cells = [c.strip() for c in row.cells]
        filled = [i for i, c in enumerate(cells) if c]
        if not filled or cells[filled[0]].rstrip(":").strip().lower() != wanted:
            continue
        after = filled[1:]
        if not after:
            raise FormatError(
                f'the line "{label}" has no amount after it.', line=row.line, where="Row"
            )
        return _amount(cells[after[0]], mapping, row.line, cells[filled[0]])
    raise FormatError(
        f'the file has no "{label}" line among its header and footer lines; check the mapping\'s '
        "balance labels and header/footer line counts."
    )


def _chain(
    lines: list[tuple[BankTransaction, Decimal | None]],
) -> tuple[list[str], Decimal | None, Decimal | None]:
    """Check running balances in date order: (problems, implied opening, last balance)."""
    problems: list[str] = []
    running: Decimal | None = None
    opening: Decimal | None = None
    for transaction, balance in lines:
        if running is None:
            if balance is not None:
                opening = balance - transaction.amount
                running = balance
            continue
        running += transaction.amount
        if balance is not None:
            if balance != running:
                problems.append(
                    f"Row {transaction.line}: the balance {amount_text(balance)} is not the "
                    f"balance before it plus {amount_text(transaction.amount)} "
                    f"({amount_text(running)}): off by {amount_text(abs(balance - running))}."
                )
            running = balance
    return problems, opening, running


def parse_csv(data: bytes, mapping: CsvMapping) -> BankStatement:
    """Read a bank's CSV export with its saved mapping: one BankStatement."""
    mapping.check()
    rows = _rows(data, mapping)
    skip = mapping.header_lines
    header = None
    if mapping.has_header:
        if len(rows) <= skip:
            raise FormatError(
                f"the file has no column header after its {skip} metadata lines.", where="Row"
            )
        header = rows[skip]
        skip += 1
    end = len(rows) - mapping.footer_lines
    body = [r for r in rows[skip:end] if r.filled] if end > skip else []
    meta = rows[: mapping.header_lines] + rows[max(end, skip) :]
    width = max((len(r.cells) for r in [*body, *([header] if header else [])]), default=0)
    columns = _Columns(mapping, header, width)
    at = {
        name: columns.find(getattr(mapping, name), name)
        for name in (
            "date_column",
            "amount_column",
            "debit_column",
            "credit_column",
            "value_date_column",
            "reference_column",
            "check_number_column",
            "payer_column",
            "type_column",
            "balance_column",
        )
    }
    described = [columns.find(ref, "description_columns") for ref in mapping.description_columns]

    def text(row: _Row, name: str) -> str:
        index = at[name]
        return row.cell(index) if index is not None else ""

    lines: list[tuple[BankTransaction, Decimal | None]] = []
    for row in body:
        date_at = at["date_column"]
        assert date_at is not None  # the mapping requires it
        booked = _date(row.cell(date_at), mapping, row.line, columns.label(date_at))
        value_date = None
        if at["value_date_column"] is not None and text(row, "value_date_column"):
            index = at["value_date_column"]
            value_date = _date(row.cell(index), mapping, row.line, columns.label(index))
        amount = _row_amount(row, at, columns, mapping)
        balance = None
        if at["balance_column"] is not None and text(row, "balance_column"):
            index = at["balance_column"]
            balance = _amount(row.cell(index), mapping, row.line, columns.label(index))
        description = " ".join(row.cell(i) for i in described if i is not None and row.cell(i))
        transaction = BankTransaction(
            line=row.line,
            booked=booked,
            value_date=value_date,
            amount=amount,
            type_code=text(row, "type_column"),
            bank_reference=text(row, "reference_column"),
            customer_reference=text(row, "check_number_column"),
            text=description,
            payer=text(row, "payer_column"),
        )
        lines.append((transaction, balance))
    if not lines:
        raise FormatError("the file holds no statement lines under its header.", where="Row")
    statement = BankStatement(
        format="csv",
        account=mapping.account,
        currency=mapping.currency.upper(),
        line=lines[0][0].line,
        start=min(t.booked for t, _ in lines),
        end=max(t.booked for t, _ in lines),
        transactions=[t for t, _ in lines],
    )
    statement.opening = _labelled_balance(meta, mapping.opening_balance_label, mapping)
    statement.closing = _labelled_balance(meta, mapping.closing_balance_label, mapping)
    if at["balance_column"] is not None:
        _check_running(statement, lines)
    return finish(statement)


def _row_amount(
    row: _Row, at: dict[str, int | None], columns: _Columns, mapping: CsvMapping
) -> Decimal:
    if at["amount_column"] is not None:
        index = at["amount_column"]
        return _amount(row.cell(index), mapping, row.line, columns.label(index))
    debit_at, credit_at = at["debit_column"], at["credit_column"]
    assert debit_at is not None and credit_at is not None  # the mapping requires both
    debit, credit = row.cell(debit_at), row.cell(credit_at)
    out = abs(_amount(debit, mapping, row.line, columns.label(debit_at))) if debit else None
    into = abs(_amount(credit, mapping, row.line, columns.label(credit_at))) if credit else None
    if out and into:
        raise FormatError(
            f"both {columns.label(debit_at)} and {columns.label(credit_at)} hold an amount; a "
            "line is one or the other.",
            line=row.line,
            where="Row",
        )
    if out is None and into is None:
        raise FormatError(
            f"neither {columns.label(debit_at)} nor {columns.label(credit_at)} holds an amount.",
            line=row.line,
            where="Row",
        )
    return -out if out else (into or Decimal("0.00"))


def _check_running(
    statement: BankStatement, lines: list[tuple[BankTransaction, Decimal | None]]
) -> None:
    """Tie each running balance; a file whose balances run backwards is newest first."""
    forward = _chain(lines)
    backward = _chain(list(reversed(lines)))
    problems, opening, closing = forward
    if forward[0] and not backward[0]:
        problems, opening, closing = backward
        statement.notes.append("The file lists the newest line first; its balances run upwards.")
    statement.problems.extend(problems[:MAX_BALANCE_PROBLEMS])
    if len(problems) > MAX_BALANCE_PROBLEMS:
        statement.problems.append(
            f"... and {len(problems) - MAX_BALANCE_PROBLEMS} more lines whose balance does not tie."
        )
    if opening is not None and statement.opening is None:
        statement.opening = opening
        statement.opening_implied = True
        statement.notes.append(
            f"The opening balance {amount_text(opening)} is implied: the first line's balance "
            "less its amount."
        )
    elif opening is not None and statement.opening is not None and statement.opening != opening:
        statement.problems.append(
            f"The opening balance {amount_text(statement.opening)} is not the first line's "
            f"balance less its amount ({amount_text(opening)})."
        )
    if statement.closing is None:
        statement.closing = closing
    elif closing is not None and statement.closing != closing:
        statement.problems.append(
            f"The closing balance {amount_text(statement.closing)} is not the last line's "
            f"balance ({amount_text(closing)})."
        )

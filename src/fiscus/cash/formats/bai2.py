"""BAI2 cash management balance reporting files, read tolerantly and checked strictly.

A BAI2 file is a file header (01), groups (02 ... 98, one per bank and as-of date), accounts in
each group (03 ... 49) and the account's transactions (16). An 88 record continues the record
before it. Every trailer carries a control total and a record count, and all of them are checked:

- 49 account trailer: the sum of every amount in the account's 03 record (status and summary
  amounts) and 16 records, and the number of records from its 03 to its 49, both included, with
  every 88 counted. Availability amounts (funds types S and D) are not in the sum.
- 98 group trailer: the sum of its accounts' control totals, the number of accounts, and the
  number of records from its 02 to its 98, both included.
- 99 file trailer: the sum of the groups' control totals, the number of groups, and the number of
  records in the file, 01 and 99 included.

Banks bend the layout, so the records are first normalised, line by line:

- One physical line may hold several records, each ending in "/" ("... PPD/ 16,142,500,...").
- A record that does not end in "/" may run on to the next physical line (a line that does not
  start with a record type continues it); detail records may lack the "/" altogether.
- An 88 record continues the previous record: its fields follow that record's fields, so an 03
  whose last type code has its amount on the next 88 reads as one record, and a 16's text runs on
  into its 88s. Continued text is joined with a space, or with nothing when the line was cut at
  the file's physical record length (80 unless the file header gives one) without a "/".

Amounts are whole numbers in the currency's smallest unit (cents; no decimals for JPY, three for
BHD, KWD and the like). A 16's direction comes from its type code: 100-399 and 920-959 are money
in, 400-699 and 960-999 money out. Type 890 (non-monetary information) is skipped with a note.
The statement's opening balance is the 010 (opening ledger), its closing the 015 (closing
ledger); a difference from the lines is reported, as is a difference between the 100/400 totals
and the detail lines. Dates are YYMMDD.

Pure: `parse_bai2(bytes)` returns one BankStatement per account of each group, or raises a
FormatError naming the physical line of the first thing wrong.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from fiscus.cash.formats.statements import (
    BankStatement,
    BankTransaction,
    FormatError,
    amount_text,
    finish,
)

RECORD_TYPES = ("01", "02", "03", "16", "49", "88", "98", "99")
RECORD_NAMES = {
    "01": "file header",
    "02": "group header",
    "03": "account",
    "16": "transaction",
    "49": "account trailer",
    "88": "continuation",
    "98": "group trailer",
    "99": "file trailer",
}
DEFAULT_RECORD_LENGTH = 80
DEFAULT_CURRENCY = "USD"
# Currencies whose smallest unit is not the cent (ISO 4217 minor units).
MINOR_UNITS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip
FUNDS_TYPES = ("", "0", "1", "2", "S", "V", "D", "Z")
NON_MONETARY = "890"

# Where a new record starts inside a physical line: after a "/" and optional blanks, a record
# type and a comma (a 16 also needs its three-digit type code, so "INV/16,000" stays text).
_NEXT_RECORD = re.compile(r"/\s*(?=(?:01|02|03|49|88|98|99),|16,\d{3},)")
_RECORD_START = re.compile(r"^(\d\d),")


@dataclass
class _Piece:
    """A record's own body, or one 88 continuation's body, without the "/" terminator."""

    line: int
    text: str
    terminated: bool
    width: int  # length of the last physical line this piece ends on


@dataclass
class _Record:
    code: str
    line: int
    pieces: list[_Piece]

    @property
    def count(self) -> int:
        """Records for the trailer counts: the record and each of its 88s."""
        return len(self.pieces)

    @property
    def name(self) -> str:
        return RECORD_NAMES[self.code]


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return text.replace("\x1a", "")  # a DOS end-of-file mark


def _records(text: str) -> tuple[list[_Record], int]:
    """Split the text into logical records, 88s attached; return them and the last line."""
    records: list[_Record] = []
    last_line = 0
    for number, raw in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        line = raw.strip()
        if not line:
            continue
        last_line = number
        splits = list(_NEXT_RECORD.finditer(line))
        starts = [0, *(m.end() for m in splits)]
        ends = [*(m.start() + 1 for m in splits), len(line)]  # each keeps its "/"
        for start, end in zip(starts, ends, strict=True):
            segment = line[start:end].rstrip()
            terminated = segment.endswith("/")
            body = segment[:-1] if terminated else segment
            match = _RECORD_START.match(segment)
            if match is None:
                last = records[-1].pieces[-1] if records else None
                if last is None or last.terminated:
                    raise FormatError(
                        "this line does not start with a BAI2 record type (01, 02, 03, 16, 49, "
                        "88, 98 or 99) and does not continue the record before it.",
                        line=number,
                    )
                last.text += body  # the record runs on from the line before
                last.terminated = terminated
                last.width = len(line)
                continue
            code = match.group(1)
            if code not in RECORD_TYPES:
                raise FormatError(
                    f'"{code}" is not a BAI2 record type (01, 02, 03, 16, 49, 88, 98 or 99).',
                    line=number,
                )
            piece = _Piece(number, body[3:], terminated, len(line))
            if code == "88":
                if not records:
                    raise FormatError(
                        "a continuation record (88) has no record before it to continue.",
                        line=number,
                        field="continuation",
                    )
                records[-1].pieces.append(piece)
            else:
                records.append(_Record(code, number, [piece]))
    return records, last_line


class _Fields:
    """The comma-separated fields of a record and its 88s, read one by one.

    A continuation starts a new field: the record boundary is a field boundary.
    """

    def __init__(self, record: _Record, record_length: int) -> None:
        self.record = record
        self.pieces = record.pieces
        self.record_length = record_length
        self.index = 0
        self.pos = 0
        self.ended_piece = False  # the field read last was the last of its record or 88

    @property
    def line(self) -> int:
        """The physical line of the field read last."""
        return self.pieces[min(self.index, len(self.pieces) - 1)].line

    def next(self) -> str | None:
        while self.index < len(self.pieces):
            text = self.pieces[self.index].text
            if self.pos > len(text):
                self.index += 1
                self.pos = 0
                continue
            end = text.find(",", self.pos)
            if end == -1:
                value, self.pos = text[self.pos :], len(text) + 1
            else:
                value, self.pos = text[self.pos : end], end + 1
            self.ended_piece = end == -1
            return value.strip()
        return None

    def take(self) -> str:
        value = self.next()
        return "" if value is None else value

    def rest(self) -> str:
        """The text field: everything left, continuations joined."""
        parts: list[tuple[str, bool]] = []
        for i in range(self.index, len(self.pieces)):
            piece = self.pieces[i]
            if i == self.index:
                if self.pos > len(piece.text):
                    continue
                chunk = piece.text[self.pos :]
            else:
                chunk = piece.text
            cut = not piece.terminated and piece.width >= self.record_length
            parts.append((chunk, cut))
        text = ""
        previous_cut = False
        for chunk, cut in parts:
            if previous_cut:
                text += chunk
            elif text.strip():
                text = text.rstrip() + " " + chunk.lstrip()
            else:
                text = chunk.lstrip()
            previous_cut = cut
        self.index, self.pos = len(self.pieces), 0
        return text.strip()


def _date(text: str, line: int, field: str, what: str) -> date:
    if not re.fullmatch(r"\d{6}", text):
        raise FormatError(f'the {what} "{text}" is not a date (YYMMDD).', line=line, field=field)
    yy, mm, dd = int(text[:2]), int(text[2:4]), int(text[4:])
    try:
        return date(2000 + yy if yy < 70 else 1900 + yy, mm, dd)
    except ValueError:
        raise FormatError(
            f'the {what} "{text}" is not a date (YYMMDD).', line=line, field=field
        ) from None


def _units(text: str, line: int, field: str, what: str, *, signed: bool = True) -> int:
    """An amount in the currency's smallest unit, as an integer; blank is zero."""
    value = text.strip()
    if not value:
        return 0
    if not re.fullmatch(r"[+-]?\d+", value):
        raise FormatError(f'the {what} "{value}" is not an amount.', line=line, field=field)
    if value.startswith("-") and not signed:
        raise FormatError(
            f'the {what} "{value}" has a minus sign; a detail record gives its direction by its '
            "type code.",
            line=line,
            field=field,
        )
    return int(value)


def _number(text: str, line: int, field: str, what: str) -> int:
    value = text.strip().lstrip("+")
    if not value.isdigit():
        shown = f'"{text.strip()}"' if text.strip() else "missing"
        raise FormatError(
            f"the {what} is {shown}; it must be a whole number.", line=line, field=field
        )
    return int(value)


def _money(units: int, currency: str) -> Decimal:
    return Decimal(units).scaleb(-MINOR_UNITS.get(currency, 2))


def _units_text(units: int, currency: str = "") -> str:
    return amount_text(_money(units, currency))


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _type_code(text: str, line: int, field: str) -> str:
    if not re.fullmatch(r"\d{3}", text):
        raise FormatError(
            f'the type code "{text}" is not a three-digit BAI2 type code.', line=line, field=field
        )
    return text


def _direction(code: str, line: int) -> int:
    """+1 for a credit type code, -1 for a debit; refuses codes that are neither."""
    n = int(code)
    if 100 <= n <= 399 or 920 <= n <= 959:
        return 1
    if 400 <= n <= 699 or 960 <= n <= 999:
        return -1
    if n < 100 or 900 <= n <= 919:
        why = "is a balance (status) code; a transaction needs a credit or debit type code"
    elif 700 <= n <= 799:
        why = "is a loan code, which does not say whether money came in or went out"
    else:
        why = "is not a BAI2 credit (100-399) or debit (400-699) type code"
    raise FormatError(f"type code {code} {why}.", line=line, field="transaction")


def _funds(fields: _Fields, funds_type: str, field: str) -> date | None:
    """Consume the fields a funds type brings with it; return the value date of type V."""
    kind = funds_type.upper()
    if kind not in FUNDS_TYPES:
        raise FormatError(
            f'the funds type "{funds_type}" is not one of 0, 1, 2, S, V, D or Z.',
            line=fields.line,
            field=field,
        )
    if kind == "S":  # immediate, one-day and two-or-more-day availability
        for what in ("immediate availability", "one-day availability", "later availability"):
            _units(fields.take(), fields.line, field, what)
    elif kind == "V":  # value date and time
        value_date = _date(fields.take(), fields.line, field, "value date")
        fields.take()  # the time; banks write it every which way and nothing needs it
        return value_date
    elif kind == "D":  # distributed availability: a count, then (days, amount) pairs
        count = _number(fields.take(), fields.line, field, "number of availability distributions")
        for _ in range(count):
            _number(fields.take(), fields.line, field, "availability days")
            _units(fields.take(), fields.line, field, "availability amount")
    return None


@dataclass
class _Account:
    record: _Record
    number: str
    currency: str
    records: int = 0
    units: int = 0  # the control total so far
    status: dict[str, int] = field(default_factory=dict)
    summary: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    transactions: list[BankTransaction] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    details: int = 0


@dataclass
class _Group:
    record: _Record
    originator: str
    status: str
    as_of: date
    currency: str
    records: int = 0
    units: int = 0
    accounts: int = 0
    statements: list[BankStatement] = field(default_factory=list)


class _Reader:
    def __init__(self, records: list[_Record], last_line: int) -> None:
        self.records = records
        self.last_line = last_line
        self.record_length = DEFAULT_RECORD_LENGTH
        self.file_id = ""
        self.file_records = 0
        self.file_units = 0
        self.groups = 0
        self.group: _Group | None = None
        self.account: _Account | None = None
        self.statements: list[BankStatement] = []
        self.seen: Counter[str] = Counter()  # identities are numbered across the file

    def read(self) -> list[BankStatement]:
        if not self.records:
            raise FormatError("the file holds no BAI2 records.")
        first = self.records[0]
        if first.code != "01":
            raise FormatError(
                "a BAI2 file starts with a file header (01).", line=first.line, field=first.name
            )
        handlers: dict[str, Callable[[_Record], None]] = {
            "02": self.group_header,
            "03": self.account_record,
            "16": self.transaction,
            "49": self.account_trailer,
            "98": self.group_trailer,
        }
        self.file_header(first)
        for i, record in enumerate(self.records[1:], start=1):
            self.file_records += record.count
            if self.group is not None:
                self.group.records += record.count
            if record.code == "99":
                self.file_trailer(record)
                if i != len(self.records) - 1:
                    after = self.records[i + 1]
                    raise FormatError(
                        f"there is a record ({after.code}) after the file trailer (99) on line "
                        f"{record.line}.",
                        line=after.line,
                    )
                return self.statements
            if record.code == "01":
                raise FormatError(
                    f"a second file header (01) before the file trailer (99) of the file that "
                    f"starts on line {first.line}.",
                    line=record.line,
                    field=record.name,
                )
            handlers[record.code](record)
        raise FormatError(
            "the file ends without a file trailer (99); it may have been cut short.",
            line=self.last_line,
            field="file trailer",
        )

    # -- records --------------------------------------------------------------------------

    def fields(self, record: _Record) -> _Fields:
        return _Fields(record, self.record_length)

    def file_header(self, record: _Record) -> None:
        f = self.fields(record)
        self.file_records = record.count
        f.take()  # sender
        f.take()  # receiver
        _date(f.take(), f.line, record.name, "creation date")
        f.take()  # creation time: banks write it as HHMM, HH:MM:SS or not at all
        self.file_id = f.take()
        length = f.take()
        if length.isdigit() and int(length) > 0:
            self.record_length = int(length)
        f.take()  # block size
        version = f.take()
        if version != "2":
            raise FormatError(
                f'the version is "{version}"; Fiscus reads BAI version 2 files.',
                line=record.line,
                field=record.name,
            )

    def group_header(self, record: _Record) -> None:
        self.close_open(record)
        f = self.fields(record)
        f.take()  # ultimate receiver
        originator = f.take()
        status = f.take()
        if status not in ("1", "2", "3", "4"):
            raise FormatError(
                f'the group status "{status}" is not 1 (update), 2 (deletion), 3 (correction) '
                "or 4 (test only).",
                line=f.line,
                field=record.name,
            )
        as_of = _date(f.take(), f.line, record.name, "as-of date")
        f.take()  # as-of time
        currency = f.take().upper() or DEFAULT_CURRENCY
        self.check_currency(currency, f.line, record.name)
        self.group = _Group(record, originator, status, as_of, currency, records=record.count)
        self.groups += 1

    def account_record(self, record: _Record) -> None:
        group = self.group
        if group is None:
            raise FormatError(
                "this account has no group header (02) before it.",
                line=record.line,
                field=record.name,
            )
        if self.account is not None:
            self.missing_trailer(self.account.record, "account trailer (49)", record)
        f = self.fields(record)
        number = f.take()
        if not number:
            raise FormatError("the account number is missing.", line=record.line, field=record.name)
        currency = f.take().upper() or group.currency
        self.check_currency(currency, f.line, record.name)
        account = _Account(record, number, currency, records=record.count)
        while (code := f.next()) is not None:
            line = f.line
            if not code and f.ended_piece:
                continue  # a comma before the "/": no field, and an 88 may follow
            amount, count, funds = f.take(), f.take(), f.take()
            if not code:
                if amount or count:
                    raise FormatError(
                        f'the amount "{amount or count}" has no type code before it.',
                        line=line,
                        field=record.name,
                    )
                continue
            _type_code(code, line, record.name)
            units = _units(amount, line, record.name, f"amount of type code {code}")
            _funds(f, funds, record.name)
            account.units += units
            n = int(code)
            if n < 100 or 900 <= n <= 919:
                account.status[code] = units
            else:
                items = _number(count, line, record.name, "item count") if count else None
                account.summary[code] = (units, items)
        self.account = account

    def transaction(self, record: _Record) -> None:
        account, group = self.account, self.group
        if account is None or group is None:
            raise FormatError(
                "this transaction has no account (03) before it.",
                line=record.line,
                field=record.name,
            )
        account.records += record.count
        f = self.fields(record)
        code = _type_code(f.take(), record.line, record.name)
        amount = f.take()
        if not amount:
            raise FormatError("the amount is missing.", line=f.line, field=record.name)
        units = _units(amount, f.line, record.name, "amount", signed=False)
        value_date = _funds(f, f.take(), record.name)
        bank_reference = f.take()
        customer_reference = f.take()
        text = f.rest()
        account.units += units
        account.details += 1
        if code == NON_MONETARY:
            account.notes.append(
                f"Line {record.line}: type code 890 (non-monetary information) carries no money; "
                f"it was not imported as a line{': ' + text if text else ''}."
            )
            return
        sign = _direction(code, record.line)
        account.transactions.append(
            BankTransaction(
                line=record.line,
                booked=group.as_of,
                value_date=value_date,
                amount=sign * _money(units, account.currency),
                type_code=code,
                bank_reference=bank_reference,
                customer_reference=customer_reference,
                text=text,
            )
        )

    def account_trailer(self, record: _Record) -> None:
        account, group = self.account, self.group
        if account is None or group is None:
            raise FormatError(
                "this account trailer has no account (03) before it.",
                line=record.line,
                field=record.name,
            )
        account.records += record.count
        f = self.fields(record)
        said_units = _units(f.take(), f.line, record.name, "control total")
        said_records = _number(f.take(), f.line, record.name, "record count")
        if said_records != account.records:
            raise FormatError(
                f"the record count says {said_records} but the account holds {account.records} "
                "records.",
                line=record.line,
                field=record.name,
            )
        if said_units != account.units:
            raise FormatError(
                f"the control total says {_units_text(said_units)} but the account's amounts add "
                f"up to {_units_text(account.units)}.",
                line=record.line,
                field=record.name,
            )
        group.units += account.units
        group.accounts += 1
        group.statements.append(self.statement(account, group))
        self.account = None

    def group_trailer(self, record: _Record) -> None:
        group = self.group
        if group is None:
            raise FormatError(
                "this group trailer has no group header (02) before it.",
                line=record.line,
                field=record.name,
            )
        if self.account is not None:
            self.missing_trailer(self.account.record, "account trailer (49)", record)
        f = self.fields(record)
        said_units = _units(f.take(), f.line, record.name, "control total")
        said_accounts = _number(f.take(), f.line, record.name, "account count")
        said_records = _number(f.take(), f.line, record.name, "record count")
        if said_accounts != group.accounts:
            raise FormatError(
                f"the account count says {said_accounts} but the group holds {group.accounts} "
                "accounts.",
                line=record.line,
                field=record.name,
            )
        if said_records != group.records:
            raise FormatError(
                f"the record count says {said_records} but the group holds {group.records} "
                "records.",
                line=record.line,
                field=record.name,
            )
        if said_units != group.units:
            raise FormatError(
                f"the control total says {_units_text(said_units)} but the group's accounts add "
                f"up to {_units_text(group.units)}.",
                line=record.line,
                field=record.name,
            )
        self.file_units += group.units
        self.statements.extend(group.statements)
        self.group = None

    def file_trailer(self, record: _Record) -> None:
        self.close_open(record)
        f = self.fields(record)
        said_units = _units(f.take(), f.line, record.name, "control total")
        said_groups = _number(f.take(), f.line, record.name, "group count")
        said_records = _number(f.take(), f.line, record.name, "record count")
        if said_groups != self.groups:
            raise FormatError(
                f"the group count says {said_groups} but the file holds {self.groups} groups.",
                line=record.line,
                field=record.name,
            )
        if said_records != self.file_records:
            raise FormatError(
                f"the record count says {said_records} but the file holds {self.file_records} "
                "records.",
                line=record.line,
                field=record.name,
            )
        if said_units != self.file_units:
            raise FormatError(
                f"the control total says {_units_text(said_units)} but the file's groups add up "
                f"to {_units_text(self.file_units)}.",
                line=record.line,
                field=record.name,
            )

    # -- helpers --------------------------------------------------------------------------

    def close_open(self, record: _Record) -> None:
        """Before a 02 or 99: no account and no group may still be open."""
        if self.account is not None:
            self.missing_trailer(self.account.record, "account trailer (49)", record)
        if self.group is not None:
            self.missing_trailer(self.group.record, "group trailer (98)", record)

    def missing_trailer(self, opened: _Record, trailer: str, at: _Record) -> None:
        raise FormatError(
            f"the {opened.name} that starts on line {opened.line} has no {trailer} before this "
            f"{at.name}.",
            line=at.line,
            field=at.name,
        )

    def check_currency(self, currency: str, line: int, field: str) -> None:
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise FormatError(
                f'the currency "{currency}" is not a three-letter currency code.',
                line=line,
                field=field,
            )

    def statement(self, account: _Account, group: _Group) -> BankStatement:
        currency = account.currency
        statement = BankStatement(
            format="bai2",
            account=account.number,
            currency=currency,
            bank_id=group.originator,
            statement_id=f"{self.file_id}/{group.as_of.isoformat()}/{account.number}",
            line=account.record.line,
            start=group.as_of,
            end=group.as_of,
            opening=_money(account.status["010"], currency) if "010" in account.status else None,
            closing=_money(account.status["015"], currency) if "015" in account.status else None,
            transactions=account.transactions,
            notes=list(account.notes),
        )
        if group.status == "2":
            statement.problems.append(
                f"The bank marks the group on line {group.record.line} as a deletion of an "
                "earlier report: its lines should not be booked."
            )
        elif group.status == "4":
            statement.problems.append(
                f"The bank marks the group on line {group.record.line} as a test only: its "
                "lines should not be booked."
            )
        elif group.status == "3":
            statement.notes.append(
                f"The bank sends the group on line {group.record.line} as a correction of an "
                "earlier report."
            )
        for code, label, sign in (("100", "credits", 1), ("400", "debits", -1)):
            if code not in account.summary:
                continue
            said, items = account.summary[code]
            lines = [t for t in account.transactions if (t.amount < 0) == (sign < 0)]
            total = abs(sum((t.amount for t in lines), Decimal(0)))
            if total != _money(said, currency) or (items is not None and items != len(lines)):
                in_items = f" in {_plural(items, 'item')}" if items is not None else ""
                statement.problems.append(
                    f"The bank's total {label} are {_units_text(said, currency)}{in_items}, but "
                    f"the {label[:-1]} lines add up to {amount_text(total)} in "
                    f"{_plural(len(lines), 'line')}: some lines may be missing from the file."
                )
        return finish(statement, seen=self.seen)


def parse_bai2(data: bytes) -> list[BankStatement]:
    """Read a BAI2 file: one BankStatement per account of each group, in file order."""
    records, last_line = _records(_decode(data))
    return _Reader(records, last_line).read()

"""Lockbox deposits: the bank's BAI lockbox transmission, or our own CSV layout.

`parse_lockbox(data, file_name)` tells the two apart by their content and returns one
`LockboxFile`: the lockbox, the deposit date, and the payments (checks) with their remittance
lines (the invoices the payer says the check pays).

BAI lockbox transmission
------------------------
Fixed-width records, one per line, told apart by their first character. Banks often do not pad
a record with spaces to its full width, so a short record is read as if it were padded.

    1  immediate address header: priority 1-2, destination 3-12, origin 13-22, date YYMMDD
       23-28, time HHMM 29-32 (columns from 0)
    2  service record: destination and origin 1-20, reference 21-30, service type 31-33,
       record size 34-36, blocking factor 37-40, format 41
    5  lockbox header: batch 1-3, reference 4-6, lockbox 7-13, deposit date YYMMDD 14-19
    6  check: batch 1-3, item 4-6, amount in cents 7-16, routing 17-25, account 26-35, check
       number 36-45, check date MMDDYY 46-51, remitter 52-81, payee 82-
    4  overflow of the check before it: batch 1-3, item 4-6, overflow type 7, sequence 8-9,
       last-overflow indicator 10 (9 = last), then the data (an invoice number or memo)
    7  batch total: batch 1-3, item 4-6, lockbox 7-13, deposit date 14-19, checks 20-22,
       amount in cents 23-32
    8  lockbox total: batch 1-3, item 4-6, lockbox 7-13, deposit date 14-19, checks 20-23,
       amount in cents 24-33
    9  trailer: the number of records in the file, 1 and 9 included, 1-6

Every batch total (7) and the lockbox total (8) must match its checks in number and amount, the
trailer (9) the number of records; a mismatch is refused with its line. Each overflow record (4)
becomes a remittance line whose invoice number is its data; the BAI layout carries no amount
per invoice there, so `amount` is None. One file is one lockbox deposit: a second lockbox or
deposit date is refused (import them as separate files).

Our CSV layout
--------------
For a lockbox service (or a clerk) that sends a spreadsheet instead: UTF-8 CSV with a header
row, one row per remittance line (an invoice a check pays):

    deposit date, batch, item, check number, check amount, remitter, routing, account,
    customer number, invoice number, amount paid

- `deposit date` (YYYY-MM-DD or MM/DD/YYYY), `batch`, `item` (the check's sequence number in its
  batch) and `check amount` are required; the other columns may be left out or left blank.
- The rows with the same batch and item are the lines of one check. They must agree on the check
  number, check amount, remitter, routing and account; a later row may leave them blank.
- When the rows of a check give amounts paid, every row of it must give one and they must add up
  to the check amount; a mismatch is refused naming the rows. A check with no amounts paid is
  applied by the cash application rules instead.
- Every row has the same deposit date: one file is one deposit.

`lockbox_csv_template()` gives the header and two example checks.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from fiscus import money
from fiscus.cash.formats.statements import FormatError, amount_text
from fiscus.errors import FiscusError

CSV_COLUMNS = (
    "deposit date",
    "batch",
    "item",
    "check number",
    "check amount",
    "remitter",
    "routing",
    "account",
    "customer number",
    "invoice number",
    "amount paid",
)
CSV_REQUIRED = ("deposit date", "batch", "item", "check amount")
CHECK_FIELDS = ("check number", "check amount", "remitter", "routing", "account")
EXAMPLE = (
    ("2026-03-16", "1", "1", "10452", "1250.00", "Lakeside Youth Soccer", "121000358",
     "000123456789", "C000123", "INV-2026-000101", "1000.00"),
    ("2026-03-16", "1", "1", "", "", "", "", "", "C000123", "INV-2026-000117", "250.00"),
    ("2026-03-16", "1", "2", "3381", "75.00", "Maria Ortega", "026009593", "4410098812",
     "C004410", "", ""),
)  # fmt: skip


@dataclass(frozen=True)
class RemittanceLine:
    """One invoice (or memo) a check says it pays."""

    line: int
    invoice_number: str
    amount: Decimal | None = None
    customer_number: str = ""


@dataclass(frozen=True)
class LockboxPayment:
    """One check in the deposit."""

    line: int
    batch: str
    item: int
    amount: Decimal
    check_number: str
    check_date: date | None
    routing: str
    account: str  # the payer's bank account as sent; show `masked_account`
    remitter: str
    payee: str = ""
    remittance: tuple[RemittanceLine, ...] = ()
    identity: str = ""  # lockbox, deposit date, batch and item: the same on re-import

    @property
    def masked_account(self) -> str:
        return mask(self.account)


@dataclass(frozen=True)
class LockboxBatch:
    number: str
    count: int
    total: Decimal
    line: int  # the batch total record's line (BAI) or the batch's first row (CSV)


@dataclass
class LockboxFile:
    format: str  # "bai" | "csv"
    lockbox: str
    deposit_date: date
    payments: list[LockboxPayment]
    total: Decimal
    count: int
    batches: list[LockboxBatch] = field(default_factory=list)


def mask(account: str) -> str:
    """All but the last four characters hidden: "******5555"."""
    account = account.strip()
    return "*" * (len(account) - 4) + account[-4:] if len(account) > 4 else account


def looks_like_bai_lockbox(head: bytes) -> bool:
    """A BAI lockbox transmission starts with a type 1 record, then a type 2."""
    lines = [ln.strip() for ln in head.splitlines() if ln.strip()][:2]
    return (
        len(lines) == 2
        and re.match(rb"^1\d{2}", lines[0]) is not None
        and lines[1].startswith(b"2")
        and b"," not in lines[0]
    )


# -- BAI lockbox ------------------------------------------------------------------------------

RECORD_NAMES = {
    "1": "header",
    "2": "service record",
    "5": "lockbox header",
    "6": "check",
    "4": "overflow",
    "7": "batch total",
    "8": "lockbox total",
    "9": "trailer",
}


@dataclass(frozen=True)
class _Record:
    line: int
    text: str

    @property
    def kind(self) -> str:
        return self.text[:1]

    @property
    def name(self) -> str:
        return RECORD_NAMES.get(self.kind, "record")

    def raw(self, start: int, end: int) -> str:
        return self.text[start:end].ljust(end - start) if end else self.text[start:]

    def digits(self, start: int, end: int, what: str) -> str:
        value = self.raw(start, end)
        if not value.isdigit():
            raise FormatError(
                f'the {what} (columns {start + 1}-{end}) is "{value.strip()}"; it must be '
                f"{end - start} digits.",
                line=self.line,
                field=self.name,
            )
        return value

    def number(self, start: int, end: int, what: str) -> int:
        return int(self.digits(start, end, what))

    def cents(self, start: int, end: int, what: str) -> Decimal:
        return Decimal(self.number(start, end, what)).scaleb(-2)

    def date(self, start: int, what: str, *, month_first: bool = False) -> date | None:
        value = self.digits(start, start + 6, what)
        if month_first:
            if value == "000000":
                return None
            mm, dd, yy = value[:2], value[2:4], value[4:]
        else:
            yy, mm, dd = value[:2], value[2:4], value[4:]
        try:
            return date(2000 + int(yy), int(mm), int(dd))
        except ValueError:
            form = "MMDDYY" if month_first else "YYMMDD"
            raise FormatError(
                f'the {what} "{value}" is not a date ({form}).', line=self.line, field=self.name
            ) from None


def _bai_records(data: bytes) -> list[_Record]:
    text = data.decode("cp1252", errors="replace").removeprefix("\ufeff")
    records = []
    for number, raw in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        line = raw.rstrip()
        if line:
            records.append(_Record(number, line))
    return records


def _parse_bai(data: bytes) -> LockboxFile:
    records = _bai_records(data)
    if not records or records[0].kind != "1":
        line = records[0].line if records else None
        raise FormatError(
            "a BAI lockbox file starts with a header record (type 1).", line=line, field="header"
        )
    header = records[0]
    header.date(23, "transmission date")
    lockbox = ""
    deposit: date | None = None
    lockbox_line = 0
    payments: list[LockboxPayment] = []
    batches: list[LockboxBatch] = []
    batch_checks: list[LockboxPayment] = []
    lockbox_checks: list[LockboxPayment] = []
    remittance: list[RemittanceLine] = []
    current: LockboxPayment | None = None
    lockbox_closed = False

    def close_check() -> None:
        nonlocal current, remittance
        if current is not None:
            done = replace(current, remittance=tuple(remittance))
            payments.append(done)
            batch_checks.append(done)
            lockbox_checks.append(done)
        current, remittance = None, []

    for index, record in enumerate(records[1:], start=1):
        kind = record.kind
        if kind == "2":
            if index != 1:
                raise FormatError(
                    "the service record (type 2) must follow the header.", line=record.line
                )
        elif kind == "5":
            close_check()
            number = record.digits(7, 14, "lockbox number")
            day = record.date(14, "deposit date")
            if lockbox and (number != lockbox or day != deposit):
                raise FormatError(
                    f"a second lockbox deposit ({number} of {day}) after lockbox {lockbox} of "
                    f"{deposit} on line {lockbox_line}; import each deposit as its own file.",
                    line=record.line,
                    field=record.name,
                )
            lockbox, deposit, lockbox_line = number, day, record.line
            lockbox_closed = False
        elif kind == "6":
            close_check()
            if not lockbox or lockbox_closed:
                raise FormatError(
                    "this check has no lockbox header (type 5) before it.",
                    line=record.line,
                    field=record.name,
                )
            batch = record.digits(1, 4, "batch number")
            item = record.number(4, 7, "item number")
            assert deposit is not None
            current = LockboxPayment(
                line=record.line,
                batch=batch,
                item=item,
                amount=record.cents(7, 17, "check amount"),
                routing=record.raw(17, 26).strip(),
                account=record.raw(26, 36).strip(),
                check_number=record.raw(36, 46).strip().lstrip("0"),
                check_date=record.date(46, "check date", month_first=True)
                if record.raw(46, 52).strip()
                else None,
                remitter=record.raw(52, 82).strip(),
                payee=record.raw(82, 0).strip(),
                identity=f"lockbox|{lockbox}|{deposit.isoformat()}|{batch}|{item}",
            )
        elif kind == "4":
            batch = record.digits(1, 4, "batch number")
            item = record.number(4, 7, "item number")
            if current is None or (batch, item) != (current.batch, current.item):
                raise FormatError(
                    f"this overflow record (batch {batch}, item {item}) does not follow its check.",
                    line=record.line,
                    field=record.name,
                )
            memo = record.raw(11, 0).strip()
            if memo:
                remittance.append(RemittanceLine(line=record.line, invoice_number=memo))
        elif kind == "7":
            close_check()
            batch = record.digits(1, 4, "batch number")
            _same_lockbox(record, lockbox, deposit)
            count = record.number(20, 23, "number of checks")
            total = record.cents(23, 33, "batch total")
            checks = [p for p in batch_checks if p.batch == batch]
            others = [p for p in batch_checks if p.batch != batch]
            if others:
                raise FormatError(
                    f"the batch total is for batch {batch}, but the checks before it on lines "
                    f"{', '.join(str(p.line) for p in others)} are in batch {others[0].batch}.",
                    line=record.line,
                    field=record.name,
                )
            _tie(record, "batch", count, total, checks)
            batches.append(LockboxBatch(batch, count, total, record.line))
            batch_checks = []
        elif kind == "8":
            close_check()
            if batch_checks:
                raise FormatError(
                    f"the check on line {batch_checks[0].line} has no batch total (type 7) "
                    "before the lockbox total.",
                    line=record.line,
                    field=record.name,
                )
            _same_lockbox(record, lockbox, deposit)
            count = record.number(20, 24, "number of checks")
            total = record.cents(24, 34, "lockbox total")
            _tie(record, "lockbox", count, total, lockbox_checks)
            lockbox_checks = []
            lockbox_closed = True
        elif kind == "9":
            close_check()
            said = record.number(1, 7, "record count")
            if said != len(records):
                raise FormatError(
                    f"the record count says {said} but the file holds {len(records)} records.",
                    line=record.line,
                    field=record.name,
                )
            if index != len(records) - 1:
                raise FormatError(
                    "there is a record after the trailer (type 9).",
                    line=records[index + 1].line,
                )
            if not lockbox_closed or deposit is None:
                raise FormatError(
                    "the lockbox has no lockbox total (type 8) before the trailer.",
                    line=record.line,
                    field=record.name,
                )
            return LockboxFile(
                format="bai",
                lockbox=lockbox,
                deposit_date=deposit,
                payments=payments,
                total=sum((p.amount for p in payments), Decimal("0.00")),
                count=len(payments),
                batches=batches,
            )
        else:
            raise FormatError(
                f'"{kind}" is not a lockbox record type (1, 2, 5, 6, 4, 7, 8 or 9).',
                line=record.line,
            )
    raise FormatError(
        "the file ends without a trailer (type 9); it may have been cut short.",
        line=records[-1].line,
        field="trailer",
    )


def _same_lockbox(record: _Record, lockbox: str, deposit: date | None) -> None:
    number = record.digits(7, 14, "lockbox number")
    day = record.date(14, "deposit date")
    if not lockbox:
        raise FormatError(
            "this total has no lockbox header (type 5) before it.",
            line=record.line,
            field=record.name,
        )
    if number != lockbox or day != deposit:
        raise FormatError(
            f"the total is for lockbox {number} of {day}, but the deposit is lockbox {lockbox} "
            f"of {deposit}.",
            line=record.line,
            field=record.name,
        )


def _tie(
    record: _Record, what: str, count: int, total: Decimal, checks: list[LockboxPayment]
) -> None:
    actual = sum((p.amount for p in checks), Decimal("0.00"))
    if count != len(checks):
        raise FormatError(
            f"the {what} total counts {count} checks but the {what} holds {len(checks)}.",
            line=record.line,
            field=record.name,
        )
    if total != actual:
        raise FormatError(
            f"the {what} total says {amount_text(total)} but its checks add up to "
            f"{amount_text(actual)}.",
            line=record.line,
            field=record.name,
        )


# -- our CSV layout ---------------------------------------------------------------------------

_CsvRow = tuple[int, list[str]]  # the row's line and its cells


def lockbox_csv_template() -> bytes:
    """The CSV layout: the header and example rows (two checks, the first paying two invoices)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(EXAMPLE)
    return out.getvalue().encode("utf-8")


def _key(name: str) -> str:
    return " ".join(name.strip().lower().replace("_", " ").split())


def _csv_date(text: str, line: int) -> date:
    for form in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(text, form).date()  # noqa: DTZ007
        except ValueError:
            continue
    raise FormatError(
        f'"{text}" is not a date; write it as 2026-03-16 or 03/16/2026.'
        if text
        else "the deposit date is missing.",
        line=line,
        field="deposit date",
        where="Row",
    )


def _csv_amount(text: str, line: int, column: str) -> Decimal:
    try:
        return money.parse_amount(text)
    except FiscusError as e:
        reason = e.message[:1].lower() + e.message[1:]
        raise FormatError(reason, line=line, field=column, where="Row") from None


def _rows_text(lines: list[int]) -> str:
    return ("Row " if len(lines) == 1 else "Rows ") + ", ".join(str(n) for n in lines)


def _parse_csv(data: bytes) -> LockboxFile:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise FormatError(
            "the lockbox CSV is not UTF-8 text; save it as CSV UTF-8.",
            line=data[: e.start].count(b"\n") + 1,
            where="Row",
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[_CsvRow] = []
    start = 1
    for cells in reader:
        if any(c.strip() for c in cells):
            rows.append((start, [c.strip() for c in cells]))
        start = reader.line_num + 1
    if not rows:
        raise FormatError("the lockbox file is empty.")
    header_line, header = rows[0]
    keys = [_key(h) for h in header]
    for i, key in enumerate(keys):
        if key and key not in CSV_COLUMNS:
            raise FormatError(
                f'the header has a column "{header[i]}" that the lockbox layout does not have '
                f"({', '.join(CSV_COLUMNS)}).",
                line=header_line,
                where="Row",
            )
    for name in CSV_REQUIRED:
        if name not in keys:
            raise FormatError(
                f'the header has no "{name}" column; add it.', line=header_line, where="Row"
            )
    at = {key: i for i, key in enumerate(keys) if key}

    def cell(cells: list[str], name: str) -> str:
        i = at.get(name)
        return cells[i] if i is not None and i < len(cells) else ""

    deposit: date | None = None
    deposit_row = 0
    groups: dict[tuple[str, int], list[_CsvRow]] = {}
    for line, cells in rows[1:]:
        day = _csv_date(cell(cells, "deposit date"), line)
        if deposit is None:
            deposit, deposit_row = day, line
        elif day != deposit:
            raise FormatError(
                f"the deposit date {day.isoformat()} differs from {deposit.isoformat()} on row "
                f"{deposit_row}; one file is one deposit.",
                line=line,
                field="deposit date",
                where="Row",
            )
        batch = cell(cells, "batch")
        if not batch:
            raise FormatError("the batch is missing.", line=line, field="batch", where="Row")
        item_text = cell(cells, "item")
        if not item_text.isdigit():
            raise FormatError(
                f'the item is "{item_text}"; it must be the check\'s number in its batch '
                "(1, 2, ...)."
                if item_text
                else "the item is missing.",
                line=line,
                field="item",
                where="Row",
            )
        groups.setdefault((batch, int(item_text)), []).append((line, cells))
    if deposit is None:
        raise FormatError(
            "the lockbox file has a header but no rows.", line=header_line, where="Row"
        )
    payments = [
        _csv_payment(batch, item, group, cell, deposit) for (batch, item), group in groups.items()
    ]
    batches: dict[str, list[LockboxPayment]] = {}
    for p in payments:
        batches.setdefault(p.batch, []).append(p)
    return LockboxFile(
        format="csv",
        lockbox="",
        deposit_date=deposit,
        payments=payments,
        total=sum((p.amount for p in payments), Decimal("0.00")),
        count=len(payments),
        batches=[
            LockboxBatch(
                number,
                len(checks),
                sum((c.amount for c in checks), Decimal("0.00")),
                checks[0].line,
            )
            for number, checks in batches.items()
        ],
    )


def _csv_payment(
    batch: str,
    item: int,
    group: list[_CsvRow],
    cell: Callable[[list[str], str], str],
    deposit: date,
) -> LockboxPayment:
    """The rows of one check made into one payment, checked against each other."""
    lines = [line for line, _ in group]
    agreed: dict[str, str] = {}
    for name in CHECK_FIELDS:
        for line, cells in group:
            value = cell(cells, name)
            if not value:
                continue
            if name in agreed and value != agreed[name]:
                raise FormatError(
                    f'the {name} "{value}" differs from "{agreed[name]}" on an earlier row of '
                    f"batch {batch}, item {item}; the rows of one check must agree.",
                    line=line,
                    field=name,
                    where="Row",
                )
            agreed.setdefault(name, value)
    if "check amount" not in agreed:
        raise FormatError(
            f"batch {batch}, item {item} has no check amount.",
            line=lines[0],
            field="check amount",
            where="Row",
        )
    amount = _csv_amount(agreed["check amount"], lines[0], "check amount")
    if amount <= 0:
        raise FormatError(
            "the check amount must be more than zero.",
            line=lines[0],
            field="check amount",
            where="Row",
        )
    remittance = []
    paid_rows: list[int] = []
    unpaid_rows: list[int] = []
    for line, cells in group:
        paid_text = cell(cells, "amount paid")
        paid = _csv_amount(paid_text, line, "amount paid") if paid_text else None
        (paid_rows if paid is not None else unpaid_rows).append(line)
        invoice, customer = cell(cells, "invoice number"), cell(cells, "customer number")
        if invoice or customer or paid is not None:
            remittance.append(
                RemittanceLine(
                    line=line, invoice_number=invoice, amount=paid, customer_number=customer
                )
            )
    if paid_rows and unpaid_rows:
        raise FormatError(
            f"{_rows_text(paid_rows).lower()} of check {agreed.get('check number', item)} "
            f"{'gives' if len(paid_rows) == 1 else 'give'} an amount paid and "
            f"{_rows_text(unpaid_rows).lower()} {'does' if len(unpaid_rows) == 1 else 'do'} "
            "not; give one on every row of the check or on none.",
            line=unpaid_rows[0],
            field="amount paid",
            where="Row",
        )
    if paid_rows:
        paid_total = sum((r.amount for r in remittance if r.amount is not None), Decimal("0.00"))
        if paid_total != amount:
            raise FormatError(
                f"the amounts paid on {_rows_text(paid_rows).lower()} add up to "
                f"{amount_text(paid_total)}, but the check is for {amount_text(amount)}.",
                line=paid_rows[0],
                field="amount paid",
                where="Row",
            )
    return LockboxPayment(
        line=lines[0],
        batch=batch,
        item=item,
        amount=amount,
        check_number=agreed.get("check number", ""),
        check_date=None,
        routing=agreed.get("routing", ""),
        account=agreed.get("account", ""),
        remitter=agreed.get("remitter", ""),
        remittance=tuple(remittance),
        identity=f"lockbox-csv|{deposit.isoformat()}|{batch}|{item}",
    )


def parse_lockbox(data: bytes, file_name: str) -> LockboxFile:
    """Read a lockbox deposit: a BAI lockbox transmission or our CSV layout."""
    name = f"The file {file_name}" if file_name else "The file"
    if not data.strip():
        raise FormatError(f"{name} is empty.")
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if looks_like_bai_lockbox(head):
        return _parse_bai(data)
    first = head.splitlines()[0].decode("utf-8", errors="replace") if head else ""
    if "," in first and any(_key(c) == "deposit date" for c in first.split(",")):
        return _parse_csv(data)
    if head.startswith(b"01,"):
        raise FormatError(f"{name} is a BAI2 bank statement; import it as a bank file.")
    raise FormatError(
        f"{name} is neither a BAI lockbox transmission (its first record starts with 1) nor a "
        'lockbox CSV with a "deposit date" column (see the template).'
    )

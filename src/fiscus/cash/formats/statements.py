"""Bank statements read from files: the common result of every format, and the dispatcher.

`parse_statement(data, file_name)` looks at the bytes, not the file name, and hands them to the
parser of their format: BAI2 (`bai2.py`), ISO 20022 camt.053 and camt.054 (`camt.py`), OFX
(`ofx.py`), or a CSV export read through a saved column mapping (`csvmap.py`). Every parser
returns `BankStatement`s, one per account and statement (a BAI2 file with two days of two
accounts gives four), each holding its `BankTransaction`s.

Two kinds of trouble are kept apart:

- A file that cannot be read as what it claims to be (a trailer that does not tie, a date that is
  not a date, an amount with a fraction of a cent) is refused with a `FormatError` naming the line
  and the field, and nothing of it is returned.
- A statement that reads cleanly but does not add up (opening balance plus the lines is not the
  closing balance, the bank's own totals differ from its lines) is returned with a sentence in
  `problems`, so the clerk sees it and decides; it is never hidden and never "corrected".

Pure: bytes in, dataclasses out; no database, no settings.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from fiscus.errors import FiscusError

if TYPE_CHECKING:
    from fiscus.cash.formats.csvmap import CsvMapping

FORMATS = ("bai2", "camt053", "ofx", "csv")
CENT = Decimal("0.01")
IDENTITY_LENGTH = 255  # the longest identity; a longer one is replaced by its SHA-256


class FormatError(FiscusError):
    """A bank or lockbox file that cannot be read, with the line and the field that are wrong.

    `line` is the 1-based physical line (or CSV row) where the trouble is, None when it is the
    file as a whole; `field` names the record or column ("account trailer", "Amount").
    """

    code = "bad_bank_file"

    def __init__(
        self, reason: str, *, line: int | None = None, field: str = "", where: str = "Line"
    ):
        if line is not None and field:
            message = f"{where} {line}, {field}: {reason}"
        elif line is not None:
            message = f"{where} {line}: {reason}"
        else:
            message = reason[:1].upper() + reason[1:]
        super().__init__(message)
        self.line = line
        self.field = field
        self.reason = reason


@dataclass(frozen=True, kw_only=True)
class BankTransaction:
    """One line of a bank statement. `amount` is signed: + money into the account, - out."""

    line: int  # 1-based physical line where the record starts (XML: the element's line)
    booked: date
    amount: Decimal
    value_date: date | None = None
    type_code: str = ""  # BAI type code ("142"), camt domain code ("PMNT-RCDT-ESCT"), OFX TRNTYPE
    bank_reference: str = ""
    customer_reference: str = ""  # check number, end-to-end id, structured creditor reference
    text: str = ""  # remittance or memo text, continuation records joined
    payer: str = ""  # the counterparty's name, when the format has it
    identity: str = ""  # stable within the statement: the same on re-import, distinct per line


@dataclass(kw_only=True)
class BankStatement:
    """One account's statement for one period (a BAI2 account-day, a camt Stmt, an OFX STMTRS)."""

    format: str  # "bai2" | "camt053" | "ofx" | "csv"
    account: str
    currency: str
    bank_id: str = ""
    statement_id: str = ""
    line: int = 1  # where the statement starts in the file
    start: date | None = None
    end: date | None = None
    opening: Decimal | None = None
    closing: Decimal | None = None
    opening_implied: bool = False  # True when the file gives no opening balance (OFX)
    transactions: list[BankTransaction] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the statement does not add up: show them
    notes: list[str] = field(default_factory=list)  # worth knowing, nothing wrong

    @property
    def total(self) -> Decimal:
        """The lines added up: credits less debits."""
        return sum((t.amount for t in self.transactions), Decimal("0.00"))

    @property
    def credits(self) -> Decimal:
        return sum((t.amount for t in self.transactions if t.amount > 0), Decimal("0.00"))

    @property
    def debits(self) -> Decimal:
        """The money out, as a negative amount."""
        return sum((t.amount for t in self.transactions if t.amount < 0), Decimal("0.00"))


def amount_text(value: Decimal) -> str:
    """An amount for a sentence: "31,070.11", "-0.02". Never rounds: 1.005 stays 1.005."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        return f"{value:,f}"
    return f"{value.quantize(CENT):,f}"  # adds zeros only


def check_balances(statement: BankStatement) -> None:
    """Report, in `problems`, a closing balance that is not the opening plus the lines."""
    if statement.opening is None or statement.closing is None:
        return
    lines = statement.total
    expected = statement.opening + lines
    if expected != statement.closing:
        off = abs(statement.closing - expected)
        statement.problems.append(
            f"The closing balance {amount_text(statement.closing)} does not equal the opening "
            f"balance {amount_text(statement.opening)} plus the lines {amount_text(lines)} "
            f"({amount_text(expected)}): off by {amount_text(off)}."
        )


def content_key(t: BankTransaction) -> str:
    """What tells two lines of one statement apart when the bank gives no unique id."""
    return "|".join(
        (t.booked.isoformat(), str(t.amount), t.type_code, t.bank_reference, t.customer_reference)
    )


def assign_identities(
    statement: BankStatement,
    keys: Iterable[str] | None = None,
    seen: Counter[str] | None = None,
) -> None:
    """Give each line its `identity`: format, bank, account, key, and the ordinal of that key.

    `keys` are the parser's unique ids per line (an OFX FITID, a camt AcctSvcrRef); without them
    (or where one is blank) the line's content stands in. Lines with the same key are told apart
    by their order, counted across the whole file when the parser passes one `seen` for all its
    statements (a BAI2 file may report the same account twice in a day). So the same file parsed
    again gives the same identities, and two lines of one file never share one.
    """
    given = list(keys) if keys is not None else [""] * len(statement.transactions)
    seen = Counter() if seen is None else seen
    numbered = []
    for t, key in zip(statement.transactions, given, strict=True):
        base = "|".join(
            (
                statement.format,
                statement.bank_id,
                statement.account,
                f"id:{key}" if key else content_key(t),
            )
        )
        seen[base] += 1
        identity = f"{base}|{seen[base]}"
        if len(identity) > IDENTITY_LENGTH:
            identity = "sha256:" + hashlib.sha256(identity.encode()).hexdigest()
        numbered.append(replace(t, identity=identity))
    statement.transactions = numbered


def finish(
    statement: BankStatement,
    keys: Iterable[str] | None = None,
    seen: Counter[str] | None = None,
) -> BankStatement:
    """The last step of every parser: identities, then the balance check."""
    assign_identities(statement, keys, seen)
    check_balances(statement)
    return statement


def parse_statement(
    data: bytes, file_name: str, *, mapping: CsvMapping | None = None
) -> list[BankStatement]:
    """Read a bank file of any supported format, told apart by its content.

    BAI2 starts with "01,"; camt.053/camt.054 is XML in an ISO 20022 camt namespace; OFX has an
    "OFXHEADER" or an <OFX> element; anything else is read as CSV with `mapping`, and refused
    without one. Raises FormatError naming the line and field of the first thing wrong.
    """
    from fiscus.cash.formats import bai2, camt, csvmap, lockbox, ofx

    name = f"The file {file_name}" if file_name else "The file"
    if not data.strip():
        raise FormatError(f"{name} is empty.")
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    upper = head.upper()
    if head.startswith(b"01,"):
        return bai2.parse_bai2(data)
    if b"OFXHEADER" in upper or b"<OFX>" in upper:
        return ofx.parse_ofx(data)
    if head.startswith(b"<"):
        return camt.parse_camt(data)
    if head.startswith(b"PK\x03\x04"):
        raise FormatError(
            f"{name} is a spreadsheet (.xlsx); save it from the spreadsheet as CSV and import that."
        )
    if head.startswith(b"%PDF"):
        raise FormatError(f"{name} is a PDF; ask the bank for BAI2, camt.053, OFX or CSV.")
    if lockbox.looks_like_bai_lockbox(head):
        raise FormatError(f"{name} is a lockbox file; import it as a lockbox, not a statement.")
    if mapping is None:
        raise FormatError(
            f"{name} is not a BAI2, camt.053, camt.054 or OFX file. If it is a CSV export from "
            "the bank, choose or save a column mapping for it first."
        )
    return [csvmap.parse_csv(data, mapping)]

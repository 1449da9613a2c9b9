"""NACHA ACH return files and notifications of change, read and checked strictly.

When an ACH entry the agency originated cannot be posted (no money, account closed, payment
stopped), the receiving bank (RDFI) sends it back as a return entry; when an entry posted but a
detail of it was wrong (the account number changed), the bank sends a notification of change
(NOC, SEC code COR) instead. Both arrive as NACHA files from the agency's bank (the ODFI).
`parse_returns(data, file_name)` reads one and returns an `AchReturnFile`: the file header and
every returned entry or notification (`AchReturn`) with its batch, its addenda and its code.

Layout
------
Fixed-width records of 94 characters, one per line, told apart by their first character. The
positions below are 1-based and inclusive, as the NACHA rules number them. Banks sometimes do not
pad a record with spaces to its full width, so a short record is read as if it were padded; a
longer one is refused. A file sent without line breaks (records back to back) is cut every 94
characters, and its "lines" are then the record numbers.

    1  file header: priority code 2-3, immediate destination 4-13, immediate origin 14-23, file
       creation date YYMMDD 24-29, file creation time HHMM 30-33, file id modifier 34, record
       size 35-37, blocking factor 38-39, format code 40, immediate destination name 41-63,
       immediate origin name 64-86, reference code 87-94
    5  batch header: service class code 2-4 (200 mixed, 220 credits, 225 debits), company name
       5-20, company discretionary data 21-40, company identification 41-50, standard entry
       class (SEC) code 51-53 (WEB, PPD, CCD, POS, COR ...), company entry description 54-63,
       company descriptive date 64-69, effective entry date YYMMDD 70-75 (zeros or blanks in
       many return files: no date), settlement date (Julian) 76-78, originator status code 79,
       originating DFI identification 80-87, batch number 88-94
    6  entry detail: transaction code 2-3, receiving DFI identification 4-11, check digit 12,
       DFI account number 13-29, amount in cents 30-39, individual identification number
       40-54, individual (receiver) name 55-76, discretionary data 77-78, addenda record
       indicator 79, trace number 80-94
    7  addenda, return (type 99): addenda type code 2-3, return reason code 4-6, original entry
       trace number 7-21, date of death YYMMDD 22-27 (R14, R15; blank otherwise), original
       receiving DFI identification 28-35, addenda information 36-79, trace number 80-94
    7  addenda, dishonored return (type 99, codes R61-R70, sent by the ODFI): reason code 4-6,
       original entry trace number 7-21, original receiving DFI 28-35, return trace number
       39-53, return settlement date 54-56, return reason code 57-58 (the two digits of the
       R code being dishonored), addenda information 59-79, trace number 80-94
    7  addenda, contested dishonored return (type 99, codes R71-R77): as the dishonored return,
       plus the date the original entry was returned YYMMDD 22-27, original settlement date
       36-38, dishonored return trace number 59-73, its settlement date 74-76 and its reason
       code 77-78 (two digits)
    7  addenda, notification of change (type 98): change code 4-6, original entry trace number
       7-21, original receiving DFI identification 28-35, corrected data 36-64, trace number
       80-94
    8  batch control: service class code 2-4, entry/addenda count 5-10, entry hash 11-20,
       total debit entry dollar amount 21-32, total credit entry dollar amount 33-44, company
       identification 45-54, message authentication code 55-73, reserved 74-79, originating
       DFI identification 80-87, batch number 88-94
    9  file control: batch count 2-7, block count 8-13, entry/addenda count 14-21, entry hash
       22-31, total debit entry dollar amount 32-43, total credit entry dollar amount 44-55

After the file control, lines of 9s may pad the file to a multiple of ten records (a block).

Transaction codes
-----------------
The first digit is the account (2 checking, 3 savings, 4 general ledger, 5 loan), the second the
entry: 1 return or NOC of a credit, 2 credit, 3 credit prenote, 4 zero-dollar credit, 6 return or
NOC of a debit, 7 debit, 8 debit prenote, 9 zero-dollar debit (55 is a loan debit). So 26 and 36
are a debit the agency collected coming back (money leaves the agency's account: `signed_amount`
is negative), 21 and 31 a credit the agency paid (a refund) coming back (money returns to it).
The batch and file controls count an entry of codes x1-x4 among the credits, x5-x9 among the
debits, and so does this parser.

Checks
------
Each refusal is a `FormatError` naming the line and the record, and nothing of the file is
returned:

- the record order: a file header first, then batches (a batch header, its entries each
  followed by exactly one addenda 99 or 98, a batch control), then the file control and only
  padding after it; a file without a file header, a batch without its batch control, a file
  without a file control (cut short) are refused;
- every entry carries its return (99) or notification (98) addenda (indicator 1): an entry
  without one is not a return, so the file is not a return file;
- numbers are digits (amounts, counts, hashes, traces), dates are dates, transaction codes are
  NACHA's, the receiving DFI's check digit fits its routing number, and no two entries of the
  file share a trace number;
- each batch control matches its batch header (service class, company, batch number) and its
  entries: the entry/addenda count, the entry hash (the sum of the 8-digit receiving DFI
  identifications, its last 10 digits), the total debits and the total credits;
- the file control matches the batches: their number, the entry/addenda count, the entry hash
  and both totals. The block count is read but not checked: many banks leave out the padding;
- a notification of change moves no money: its entry's amount must be zero.

A return reason code must be R and two digits; one not in `RETURN_REASONS` (such as R97, which
some banks use for their own reasons) is accepted and flagged `nonstandard_code`, never refused.
Change codes are treated alike (C and two digits, `CHANGE_CODES`).

Pure: bytes in, dataclasses out; no database, no settings. Account numbers are returned as sent;
show `masked_account`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from typing import TypedDict

from fiscus.cash.formats.lockbox import mask
from fiscus.cash.formats.statements import FormatError, amount_text

RECORD_LENGTH = 94
HASH_MODULUS = 10**10  # the entry hash keeps its last 10 digits
ZERO = Decimal("0.00")

RECORD_NAMES = {
    "1": "file header",
    "5": "batch header",
    "6": "entry detail",
    "7": "addenda",
    "8": "batch control",
    "9": "file control",
}

ACCOUNT_TYPES = {"2": "checking", "3": "savings", "4": "general ledger", "5": "loan"}

TRANSACTION_CODES = {
    "21": "return or notification of change of a checking credit",
    "22": "checking credit",
    "23": "checking credit prenotification",
    "24": "zero-dollar checking credit with remittance data",
    "26": "return or notification of change of a checking debit",
    "27": "checking debit",
    "28": "checking debit prenotification",
    "29": "zero-dollar checking debit with remittance data",
    "31": "return or notification of change of a savings credit",
    "32": "savings credit",
    "33": "savings credit prenotification",
    "34": "zero-dollar savings credit with remittance data",
    "36": "return or notification of change of a savings debit",
    "37": "savings debit",
    "38": "savings debit prenotification",
    "39": "zero-dollar savings debit with remittance data",
    "41": "return or notification of change of a general ledger credit",
    "42": "general ledger credit",
    "43": "general ledger credit prenotification",
    "44": "zero-dollar general ledger credit with remittance data",
    "46": "return or notification of change of a general ledger debit",
    "47": "general ledger debit",
    "48": "general ledger debit prenotification",
    "49": "zero-dollar general ledger debit with remittance data",
    "51": "return or notification of change of a loan credit",
    "52": "loan credit",
    "53": "loan credit prenotification",
    "54": "zero-dollar loan credit with remittance data",
    "55": "loan debit (reversals only)",
    "56": "return or notification of change of a loan debit",
}
CREDIT_DIGITS = "1234"  # the second digit of a transaction code on the credit side

# Return reason codes of the NACHA Operating Rules (Appendix Four), in short.
RETURN_REASONS = {
    "R01": "Insufficient funds",
    "R02": "Account closed",
    "R03": "No account/unable to locate account",
    "R04": "Invalid account number structure",
    "R05": "Unauthorized debit to consumer account using corporate SEC code",
    "R06": "Returned per ODFI's request",
    "R07": "Authorization revoked by customer",
    "R08": "Payment stopped",
    "R09": "Uncollected funds",
    "R10": "Customer advises originator is not known or not authorized to debit",
    "R11": "Customer advises entry not in accordance with the terms of the authorization",
    "R12": "Account sold to another DFI",
    "R13": "Invalid ACH routing number",
    "R14": "Representative payee deceased or unable to continue in that capacity",
    "R15": "Beneficiary or account holder (other than a representative payee) deceased",
    "R16": "Account frozen/entry returned per OFAC instruction",
    "R17": "File record edit criteria/entry initiated under questionable circumstances",
    "R18": "Improper effective entry date",
    "R19": "Amount field error",
    "R20": "Non-transaction account",
    "R21": "Invalid company identification",
    "R22": "Invalid individual ID number",
    "R23": "Credit entry refused by receiver",
    "R24": "Duplicate entry",
    "R25": "Addenda error",
    "R26": "Mandatory field error",
    "R27": "Trace number error",
    "R28": "Routing number check digit error",
    "R29": "Corporate customer advises not authorized",
    "R30": "RDFI not participant in check truncation program",
    "R31": "Permissible return entry (CCD and CTX only)",
    "R32": "RDFI non-settlement",
    "R33": "Return of XCK entry",
    "R34": "Limited participation DFI",
    "R35": "Return of improper debit entry",
    "R36": "Return of improper credit entry",
    "R37": "Source document presented for payment",
    "R38": "Stop payment on source document",
    "R39": "Improper source document/source document presented for payment",
    "R40": "Return of ENR entry by federal government agency",
    "R41": "Invalid transaction code (ENR)",
    "R42": "Routing number/check digit error (ENR)",
    "R43": "Invalid DFI account number (ENR)",
    "R44": "Invalid individual ID number/identification number (ENR)",
    "R45": "Invalid individual name/company name (ENR)",
    "R46": "Invalid representative payee indicator (ENR)",
    "R47": "Duplicate enrollment (ENR)",
    "R50": "State law affecting RCK acceptance",
    "R51": "Item related to RCK entry is ineligible or RCK entry is improper",
    "R52": "Stop payment on item related to RCK entry",
    "R53": "Item and RCK entry presented for payment",
    "R61": "Misrouted return",
    "R62": "Return of erroneous or reversing debit",
    "R67": "Duplicate return",
    "R68": "Untimely return",
    "R69": "Field error(s)",
    "R70": "Permissible return entry not accepted/return not requested by ODFI",
    "R71": "Misrouted dishonored return",
    "R72": "Untimely dishonored return",
    "R73": "Timely original return",
    "R74": "Corrected return",
    "R75": "Return not a duplicate",
    "R76": "No errors found",
    "R77": "Non-acceptance of R62 dishonored return",
    "R80": "IAT entry coding error",
    "R81": "Non-participant in IAT program",
    "R82": "Invalid foreign receiving DFI identification",
    "R83": "Foreign receiving DFI unable to settle",
    "R84": "Entry not processed by gateway",
    "R85": "Incorrectly coded outbound international payment",
}
DISHONORED = frozenset(f"R{n}" for n in range(61, 71))  # the ODFI refuses a return
CONTESTED = frozenset(f"R{n}" for n in range(71, 78))  # the RDFI contests the refusal

# Change codes of a notification of change (addenda 98): what the corrected data corrects.
CHANGE_CODES = {
    "C01": "Incorrect DFI account number",
    "C02": "Incorrect routing number",
    "C03": "Incorrect routing number and incorrect DFI account number",
    "C04": "Incorrect individual name/receiving company name",
    "C05": "Incorrect transaction code",
    "C06": "Incorrect DFI account number and incorrect transaction code",
    "C07": "Incorrect routing number, DFI account number and transaction code",
    "C08": "Incorrect receiving DFI identification (IAT only)",
    "C09": "Incorrect individual identification number",
    "C10": "Incorrect company name",
    "C11": "Incorrect company identification",
    "C12": "Incorrect company name and company identification",
    "C13": "Addenda format error",
}

_CODE = {"99": re.compile(r"R\d\d"), "98": re.compile(r"C\d\d")}
_ROUTING_WEIGHTS = (3, 7, 1, 3, 7, 1, 3, 7)


@dataclass(frozen=True, kw_only=True)
class AchReturn:
    """One returned entry, or one notification of change, with its batch and its addenda."""

    line: int  # the entry detail's line
    addenda_line: int
    batch_number: str
    company_name: str
    company_id: str
    sec_code: str  # WEB, PPD, CCD, POS, COR ...
    service_class: str  # 200 mixed, 220 credits only, 225 debits only
    effective_date: date | None
    transaction_code: str  # 26: a checking debit coming back; 21: a checking credit
    amount: Decimal  # never negative; zero for a notification; see `signed_amount`
    receiving_dfi: str  # the routing number in the entry, check digit included (9 digits)
    account: str  # the DFI account number as sent; show `masked_account`
    individual_id: str
    receiver_name: str
    trace: str  # the return entry's own trace number
    is_notification: bool  # a notification of change (addenda 98): moves no money
    reason_code: str = ""  # R01 ... for a return
    change_code: str = ""  # C01 ... for a notification of change
    reason: str = ""  # the code's words; "" for a non-standard code
    nonstandard_code: bool = False  # the code is not in RETURN_REASONS / CHANGE_CODES
    original_trace: str  # the trace number of the agency's entry that came back
    original_receiving_dfi: str
    date_of_death: date | None = None  # R14, R15
    addenda_information: str = ""
    corrected_data: str = ""  # a notification's corrected value (C01: the new account number)
    return_trace: str = ""  # dishonored and contested: the trace of the return entry
    return_reason_code: str = ""  # dishonored and contested: the code of that return
    dishonored_trace: str = ""  # contested: the trace of the dishonored return
    dishonored_reason_code: str = ""  # contested: the code of the dishonored return
    returned_on: date | None = None  # contested: the date the original entry was returned
    addenda_trace: str = ""
    identity: str = ""  # the same on re-import: the trace, the code and the original trace

    @property
    def code(self) -> str:
        return self.reason_code or self.change_code

    @property
    def account_type(self) -> str:
        return ACCOUNT_TYPES[self.transaction_code[0]]

    @property
    def side(self) -> str:
        """The side of the entry that came back: "debit" or "credit"."""
        return "credit" if self.transaction_code[1] in CREDIT_DIGITS else "debit"

    @property
    def is_return_of_debit(self) -> bool:
        """Money the agency collected by ACH, coming back out of its account."""
        return not self.is_notification and self.side == "debit"

    @property
    def is_return_of_credit(self) -> bool:
        """Money the agency paid by ACH (a refund), coming back into its account."""
        return not self.is_notification and self.side == "credit"

    @property
    def signed_amount(self) -> Decimal:
        """The effect on the agency's bank account: - a returned debit, + a returned credit."""
        if self.is_notification:
            return ZERO
        return -self.amount if self.side == "debit" else self.amount

    @property
    def is_dishonored(self) -> bool:
        return self.reason_code in DISHONORED

    @property
    def is_contested(self) -> bool:
        return self.reason_code in CONTESTED

    @property
    def masked_account(self) -> str:
        return mask(self.account)


@dataclass(frozen=True, kw_only=True)
class AchBatch:
    """One batch as its header and its control give it (checked against its entries)."""

    line: int  # the batch header's line
    control_line: int
    number: str
    service_class: str
    company_name: str
    company_id: str
    sec_code: str
    description: str
    effective_date: date | None
    originating_dfi: str
    entry_addenda_count: int
    entry_hash: str
    total_debit: Decimal
    total_credit: Decimal


@dataclass(frozen=True, kw_only=True)
class AchReturnFile:
    """A NACHA return file: the header, the batches and every return or notification in them."""

    file_name: str
    immediate_destination: str
    immediate_origin: str
    destination_name: str
    origin_name: str
    creation_date: date
    creation_time: time | None
    file_id_modifier: str
    reference_code: str
    batches: tuple[AchBatch, ...]
    entries: tuple[AchReturn, ...]
    # the file control, checked against the batches
    batch_count: int
    block_count: int
    entry_addenda_count: int
    entry_hash: str
    total_debit: Decimal
    total_credit: Decimal

    @property
    def returns(self) -> tuple[AchReturn, ...]:
        return tuple(e for e in self.entries if not e.is_notification)

    @property
    def notifications(self) -> tuple[AchReturn, ...]:
        return tuple(e for e in self.entries if e.is_notification)

    @property
    def returned_debits(self) -> Decimal:
        """The debits the agency collected that came back."""
        return sum((e.amount for e in self.entries if e.is_return_of_debit), ZERO)

    @property
    def returned_credits(self) -> Decimal:
        """The credits the agency paid out that came back."""
        return sum((e.amount for e in self.entries if e.is_return_of_credit), ZERO)


def looks_like_nacha(head: bytes) -> bool:
    """A NACHA file starts with its file header: record type 1, priority code 01."""
    return re.match(rb"^101[ \d]\d{9}", head.lstrip(b"\xef\xbb\xbf")) is not None


def routing_check_digit(identification: str) -> int:
    """The check digit of an 8-digit DFI identification (weights 3, 7, 1, modulus 10)."""
    total = sum(int(d) * w for d, w in zip(identification, _ROUTING_WEIGHTS, strict=True))
    return (10 - total % 10) % 10


# -- records ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Record:
    line: int
    text: str  # padded with spaces to 94 characters

    @property
    def kind(self) -> str:
        return self.text[:1]

    @property
    def name(self) -> str:
        return RECORD_NAMES.get(self.kind, "record")

    @property
    def is_padding(self) -> bool:
        return set(self.text.rstrip()) == {"9"}

    def raw(self, first: int, last: int) -> str:
        """Positions `first` to `last`, 1-based and inclusive, as the NACHA rules give them."""
        return self.text[first - 1 : last]

    def strip(self, first: int, last: int) -> str:
        return self.raw(first, last).strip()

    def refuse(self, reason: str) -> FormatError:
        return FormatError(reason, line=self.line, field=self.name)

    def digits(self, first: int, last: int, what: str) -> str:
        value = self.raw(first, last)
        if not (value.isascii() and value.isdigit()):
            width = last - first + 1
            raise self.refuse(
                f'the {what} ({_positions(first, last)}) is "{value.strip()}"; it must be '
                f"{'a digit' if width == 1 else f'{width} digits'}."
            )
        return value

    def number(self, first: int, last: int, what: str) -> int:
        return int(self.digits(first, last, what))

    def cents(self, first: int, last: int, what: str) -> Decimal:
        return Decimal(self.number(first, last, what)).scaleb(-2)

    def date(self, first: int, what: str, *, optional: bool = False) -> date | None:
        last = first + 5
        value = self.raw(first, last)
        if optional and value.strip() in ("", "000000"):
            return None
        self.digits(first, last, what)
        yy, mm, dd = int(value[:2]), int(value[2:4]), int(value[4:])
        try:
            return date((2000 if yy < 69 else 1900) + yy, mm, dd)  # the strptime %y pivot
        except ValueError:
            raise self.refuse(
                f'the {what} (positions {first}-{last}) "{value}" is not a date (YYMMDD).'
            ) from None

    def time(self, first: int, what: str) -> time | None:
        last = first + 3
        value = self.raw(first, last)
        if not value.strip():
            return None
        self.digits(first, last, what)
        try:
            return time(int(value[:2]), int(value[2:]))
        except ValueError:
            raise self.refuse(
                f'the {what} (positions {first}-{last}) "{value}" is not a time (HHMM).'
            ) from None


def _a(name: str) -> str:
    return f"an {name}" if name[:1] in "aeiou" else f"a {name}"


def _positions(first: int, last: int) -> str:
    return f"position {first}" if first == last else f"positions {first}-{last}"


def _decode(data: bytes) -> str:
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return text.replace("\x1a", "")  # a DOS end-of-file mark


def _records(data: bytes) -> list[_Record]:
    raw = re.split(r"\r\n|\r|\n", _decode(data))
    lines = [line.rstrip() for line in raw]
    filled = [line for line in raw if line.strip()]
    if len(filled) == 1 and len(filled[0].rstrip()) > RECORD_LENGTH:
        whole = filled[0]
        pieces = [whole[i : i + RECORD_LENGTH] for i in range(0, len(whole), RECORD_LENGTH)]
        pieces = [piece.rstrip() for piece in pieces if piece.strip()]
        if all(piece[:1] in RECORD_NAMES for piece in pieces):  # records back to back
            lines = pieces
    records = []
    for number, line in enumerate(lines, start=1):
        if not line:
            continue
        record = _Record(number, line.ljust(RECORD_LENGTH))
        if len(line) > RECORD_LENGTH:
            raise record.refuse(
                f"the record is {len(line)} characters long; a NACHA record is {RECORD_LENGTH}."
            )
        records.append(record)
    return records


# -- the reader -------------------------------------------------------------------------------


@dataclass
class _Entry:
    """An entry detail waiting for its addenda."""

    record: _Record
    transaction_code: str
    receiving_dfi: str
    amount: Decimal
    account: str
    individual_id: str
    receiver_name: str
    trace: str
    addenda_line: int = 0


@dataclass
class _Batch:
    record: _Record
    number: str
    service_class: str
    company_name: str
    company_id: str
    sec_code: str
    description: str
    effective_date: date | None
    originating_dfi: str
    records: int = 0  # entry and addenda records
    hash: int = 0
    debits: Decimal = ZERO
    credits: Decimal = ZERO
    entries: list[AchReturn] = field(default_factory=list)


@dataclass
class _Reader:
    header: _Record
    batches: list[AchBatch] = field(default_factory=list)
    entries: list[AchReturn] = field(default_factory=list)
    traces: dict[str, int] = field(default_factory=dict)  # trace number -> its entry's line
    batch: _Batch | None = None
    entry: _Entry | None = None

    def read(self, record: _Record) -> None:
        kind = record.kind
        if kind == "1":
            raise record.refuse(
                f"a second file header (the first is on line {self.header.line}); import each "
                "file on its own."
            )
        if kind not in RECORD_NAMES:
            raise FormatError(
                f'"{kind}" is not a NACHA record type (1, 5, 6, 7, 8 or 9).', line=record.line
            )
        if kind != "7":
            self.close_entry(record)
        if kind == "5":
            self.batch_header(record)
        elif kind == "6":
            self.entry_detail(record)
        elif kind == "7":
            self.addenda(record)
        elif kind == "8":
            self.batch_control(record)

    def close_entry(self, following: _Record | None) -> None:
        """The entry before `following` (None: the end of the file) must have had its addenda."""
        entry, self.entry = self.entry, None
        if entry is None or entry.addenda_line:
            return
        after = (
            f"line {following.line} is {_a(following.name)}"
            if following is not None
            else "the file ends"
        )
        raise entry.record.refuse(
            f"the entry (trace {entry.trace}) says it has an addenda record (indicator 1), but "
            f"{after}; a return entry carries its return (99) or notification of change (98) "
            "addenda."
        )

    def batch_header(self, record: _Record) -> None:
        if self.batch is not None:
            raise record.refuse(
                f"batch {self.batch.number} (line {self.batch.record.line}) has no batch control "
                "(type 8) before this batch header."
            )
        self.batch = _Batch(
            record=record,
            service_class=record.digits(2, 4, "service class code"),
            company_name=record.strip(5, 20),
            company_id=record.strip(41, 50),
            sec_code=record.strip(51, 53),
            description=record.strip(54, 63),
            effective_date=record.date(70, "effective entry date", optional=True),
            originating_dfi=record.strip(80, 87),
            number=record.digits(88, 94, "batch number"),
        )

    def entry_detail(self, record: _Record) -> None:
        batch = self.batch
        if batch is None:
            raise record.refuse("this entry detail has no batch header (type 5) before it.")
        code = record.digits(2, 3, "transaction code")
        if code not in TRANSACTION_CODES:
            raise record.refuse(
                f"the transaction code (positions 2-3) is {code}, which is not a NACHA "
                "transaction code."
            )
        dfi = record.digits(4, 11, "receiving DFI identification")
        check = int(record.digits(12, 12, "check digit"))
        if check != routing_check_digit(dfi):
            raise record.refuse(
                f"the check digit {check} does not fit the receiving DFI identification {dfi} "
                f"(it would be {routing_check_digit(dfi)}); the routing number is mistyped."
            )
        amount = record.cents(30, 39, "amount")
        trace = record.digits(80, 94, "trace number")
        indicator = record.raw(79, 79)
        if indicator != "1":
            raise record.refuse(
                f'the addenda record indicator (position 79) is "{indicator.strip()}", but every '
                "entry of a return file carries its return (99) or notification of change (98) "
                "addenda (indicator 1); is this a file of payments rather than of returns?"
            )
        if trace in self.traces:
            raise record.refuse(
                f"the trace number {trace} is already used by the entry on line "
                f"{self.traces[trace]}; each entry of a file has its own."
            )
        self.traces[trace] = record.line
        self.entry = _Entry(
            record=record,
            transaction_code=code,
            receiving_dfi=f"{dfi}{check}",
            amount=amount,
            account=record.strip(13, 29),
            individual_id=record.strip(40, 54),
            receiver_name=record.strip(55, 76),
            trace=trace,
        )
        batch.records += 1
        batch.hash += int(dfi)
        if code[1] in CREDIT_DIGITS:
            batch.credits += amount
        else:
            batch.debits += amount

    def addenda(self, record: _Record) -> None:
        entry, batch = self.entry, self.batch
        if entry is None or batch is None:
            raise record.refuse("this addenda has no entry detail (type 6) before it.")
        if entry.addenda_line:
            raise record.refuse(
                f"the entry on line {entry.record.line} already has its addenda on line "
                f"{entry.addenda_line}; a return or notification of change carries one."
            )
        kind = record.raw(2, 3)
        if kind not in _CODE:
            raise record.refuse(
                f'the addenda type code (positions 2-3) is "{kind.strip()}"; a return file '
                "carries 99 (return) or 98 (notification of change) addenda."
            )
        is_notification = kind == "98"
        code = record.raw(4, 6)
        if not _CODE[kind].fullmatch(code):
            what, example = (
                ("change code", "C01") if is_notification else ("return reason code", "R01")
            )
            raise record.refuse(
                f'the {what} (positions 4-6) is "{code.strip()}"; it must be {example[0]} and '
                f"two digits ({example})."
            )
        if is_notification and entry.amount:
            raise entry.record.refuse(
                f"the entry is a notification of change (the addenda 98 on line {record.line}) "
                f"but carries {amount_text(entry.amount)}; a notification moves no money."
            )
        entry.addenda_line = record.line
        batch.records += 1
        table = CHANGE_CODES if is_notification else RETURN_REASONS
        original_trace = record.digits(7, 21, "original entry trace number")
        found = AchReturn(
            line=entry.record.line,
            addenda_line=record.line,
            batch_number=batch.number,
            company_name=batch.company_name,
            company_id=batch.company_id,
            sec_code=batch.sec_code,
            service_class=batch.service_class,
            effective_date=batch.effective_date,
            transaction_code=entry.transaction_code,
            amount=entry.amount,
            receiving_dfi=entry.receiving_dfi,
            account=entry.account,
            individual_id=entry.individual_id,
            receiver_name=entry.receiver_name,
            trace=entry.trace,
            is_notification=is_notification,
            reason_code="" if is_notification else code,
            change_code=code if is_notification else "",
            reason=table.get(code, ""),
            nonstandard_code=code not in table,
            original_trace=original_trace,
            original_receiving_dfi=record.strip(28, 35),
            addenda_trace=record.strip(80, 94),
            identity=f"ach|{entry.trace}|{code}|{original_trace}",
            **_addenda_fields(record, code, is_notification),
        )
        batch.entries.append(found)

    def batch_control(self, record: _Record) -> None:
        batch, self.batch = self.batch, None
        if batch is None:
            raise record.refuse("this batch control has no batch header (type 5) before it.")
        header = f"batch header (line {batch.record.line})"
        service_class = record.digits(2, 4, "service class code")
        if service_class != batch.service_class:
            raise record.refuse(
                f"the service class code is {service_class} but the {header} says "
                f"{batch.service_class}."
            )
        number = record.digits(88, 94, "batch number")
        if number != batch.number:
            raise record.refuse(
                f"the batch number is {number} but the {header} says {batch.number}."
            )
        company_id = record.strip(45, 54)
        if company_id != batch.company_id:
            raise record.refuse(
                f'the company identification is "{company_id}" but the {header} says '
                f'"{batch.company_id}".'
            )
        where = f"batch {batch.number}"
        count = record.number(5, 10, "entry/addenda count")
        if count != batch.records:
            raise record.refuse(
                f"the entry/addenda count says {count} records but {where} holds {batch.records}."
            )
        entry_hash = _check_hash(
            record, 11, 20, batch.hash, f"the receiving DFI identifications of {where}"
        )
        total_debit = _check_total(record, 21, "debit", batch.debits, where)
        total_credit = _check_total(record, 33, "credit", batch.credits, where)
        self.batches.append(
            AchBatch(
                line=batch.record.line,
                control_line=record.line,
                number=batch.number,
                service_class=batch.service_class,
                company_name=batch.company_name,
                company_id=batch.company_id,
                sec_code=batch.sec_code,
                description=batch.description,
                effective_date=batch.effective_date,
                originating_dfi=batch.originating_dfi,
                entry_addenda_count=count,
                entry_hash=entry_hash,
                total_debit=total_debit,
                total_credit=total_credit,
            )
        )
        self.entries.extend(batch.entries)

    def file_control(self, record: _Record, file_name: str) -> AchReturnFile:
        if self.batch is not None:
            raise record.refuse(
                f"batch {self.batch.number} (line {self.batch.record.line}) has no batch control "
                "(type 8) before the file control."
            )
        batches = self.batches
        count = record.number(2, 7, "batch count")
        if count != len(batches):
            raise record.refuse(
                f"the batch count says {count} but the file holds {len(batches)} "
                f"{'batch' if len(batches) == 1 else 'batches'}."
            )
        records = sum(b.entry_addenda_count for b in batches)
        said = record.number(14, 21, "entry/addenda count")
        if said != records:
            raise record.refuse(
                f"the entry/addenda count says {said} records but the batches hold {records}."
            )
        hashes = sum(int(b.entry_hash) for b in batches)
        header = self.header
        return AchReturnFile(
            file_name=file_name,
            immediate_destination=header.strip(4, 13),
            immediate_origin=header.strip(14, 23),
            destination_name=header.strip(41, 63),
            origin_name=header.strip(64, 86),
            creation_date=_required(header.date(24, "file creation date")),
            creation_time=header.time(30, "file creation time"),
            file_id_modifier=header.strip(34, 34),
            reference_code=header.strip(87, 94),
            batches=tuple(batches),
            entries=tuple(self.entries),
            batch_count=count,
            block_count=record.number(8, 13, "block count"),
            entry_addenda_count=said,
            entry_hash=_check_hash(record, 22, 31, hashes, "the entry hashes of the batches"),
            total_debit=_check_total(
                record, 32, "debit", sum((b.total_debit for b in batches), ZERO), "the batches"
            ),
            total_credit=_check_total(
                record, 44, "credit", sum((b.total_credit for b in batches), ZERO), "the batches"
            ),
        )


def _required(value: date | None) -> date:
    assert value is not None  # a date read without optional=True is never None
    return value


class _Details(TypedDict, total=False):
    """The fields of an addenda that differ by its kind."""

    date_of_death: date | None
    addenda_information: str
    corrected_data: str
    return_trace: str
    return_reason_code: str
    dishonored_trace: str
    dishonored_reason_code: str
    returned_on: date | None


def _addenda_fields(record: _Record, code: str, is_notification: bool) -> _Details:
    """The fields of an addenda that differ by its kind: NOC, return, dishonored, contested."""
    if is_notification:
        return {"corrected_data": record.strip(36, 64)}
    if code in CONTESTED:
        return {
            "returned_on": record.date(22, "date original entry returned", optional=True),
            "return_trace": record.strip(39, 53),
            "return_reason_code": _two_digit_code(record, 57),
            "dishonored_trace": record.strip(59, 73),
            "dishonored_reason_code": _two_digit_code(record, 77),
        }
    if code in DISHONORED:
        return {
            "return_trace": record.strip(39, 53),
            "return_reason_code": _two_digit_code(record, 57),
            "addenda_information": record.strip(59, 79),
        }
    return {
        "date_of_death": record.date(22, "date of death", optional=True),
        "addenda_information": record.strip(36, 79),
    }


def _two_digit_code(record: _Record, first: int) -> str:
    value = record.strip(first, first + 1)
    return f"R{value}" if value else ""


def _check_hash(record: _Record, first: int, last: int, total: int, summed: str) -> str:
    said = record.digits(first, last, "entry hash")
    actual = f"{total % HASH_MODULUS:010d}"
    if said != actual:
        raise record.refuse(
            f"the entry hash (positions {first}-{last}) says {said} but {summed} add up to "
            f"{actual} (its last 10 digits)."
        )
    return said


def _check_total(record: _Record, first: int, side: str, actual: Decimal, of: str) -> Decimal:
    last = first + 11
    said = record.cents(first, last, f"total {side} entry dollar amount")
    if said != actual:
        raise record.refuse(
            f"the total {side} entry dollar amount (positions {first}-{last}) says "
            f"{amount_text(said)} but the {side}s of {of} add up to {amount_text(actual)}."
        )
    return said


def parse_returns(data: bytes, file_name: str = "") -> AchReturnFile:
    """Read a NACHA return or notification-of-change file; refuse it whole if anything is wrong.

    Raises FormatError naming the line and the record of the first thing wrong.
    """
    name = f"The file {file_name}" if file_name else "The file"
    if not data.strip():
        raise FormatError(f"{name} is empty.")
    records = _records(data)
    header = records[0]
    if header.kind != "1":
        this = (
            f"{_a(header.name)} (type {header.kind})"
            if header.kind in RECORD_NAMES
            else f'starts with "{header.kind}"'
        )
        raise FormatError(
            f"a NACHA file starts with a file header (type 1); this line is {this}.",
            line=header.line,
            field="file header",
        )
    header.date(24, "file creation date")
    header.time(30, "file creation time")
    reader = _Reader(header)
    result: AchReturnFile | None = None
    for record in records[1:]:
        if result is not None:
            if not record.is_padding:
                raise record.refuse(
                    "there is a record after the file control (type 9); only padding lines of "
                    "9s may follow it."
                )
        elif record.is_padding:
            reader.close_entry(record)
            raise FormatError(
                "a padding line of 9s comes before the file control (type 9); the file control "
                "is missing.",
                line=record.line,
                field="file control",
            )
        elif record.kind == "9":
            reader.close_entry(record)
            result = reader.file_control(record, file_name)
        else:
            reader.read(record)
    if result is None:
        reader.close_entry(None)
        last = records[-1]
        if reader.batch is not None:
            raise FormatError(
                f"the file ends inside batch {reader.batch.number} (line "
                f"{reader.batch.record.line}), without its batch control (type 8) or the file "
                "control (type 9); it may have been cut short.",
                line=last.line,
                field="file control",
            )
        raise FormatError(
            "the file ends without a file control (type 9); it may have been cut short.",
            line=last.line,
            field="file control",
        )
    return result

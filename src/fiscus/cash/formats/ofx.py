"""Open Financial Exchange (OFX) bank and credit-card statements: 1.x SGML and 2.x XML.

OFX 1.x is SGML: an aggregate (`<STMTTRN>`) is closed (`</STMTTRN>`), but a value element
(`<TRNAMT>-34.51`) usually is not. OFX 2.x is the same vocabulary as XML, with every element
closed. One small reader below takes both: an element is a value when it holds text or is never
closed anywhere in the file, and it ends at the next tag. (We read it ourselves rather than take
ofxtools or ofxparse: the part a bank statement needs is a page of code, the reader keeps the line
of every element for the error messages, and it takes dates as the bank wrote them, where
ofxtools converts them to UTC and so may move a late-evening line to the next day.)

Each `STMTRS` (bank) or `CCSTMTRS` (credit card) is one BankStatement:

- account `ACCTID`, bank `BANKID`, currency `CURDEF`, period `DTSTART`..`DTEND`;
- each `STMTTRN`: `TRNAMT` (already signed: + in, - out), `DTPOSTED` (booked), `DTAVAIL`
  (value date), `TRNTYPE` (type code), `FITID` (bank reference; also the line's identity, as
  OFX promises it is unique in the account), `CHECKNUM` or `REFNUM` (customer reference),
  `NAME` or `PAYEE/NAME` (payer), `MEMO` (text);
- the closing balance is the ledger balance (`LEDGERBAL/BALAMT`). OFX gives no opening balance,
  so the opening is implied as the closing less the lines; `opening_implied` is set and a note
  says so. (It is only as good as the bank's list: lines after DTEND are not in it.)

Dates are YYYYMMDD[HHMMSS[.XXX]][offset], e.g. 20090401122017.000[-5:EST]; the date is taken as
written, in the bank's zone, not moved to UTC. Amounts with a fraction of a cent are refused.
"""

from __future__ import annotations

import bisect
import html
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from fiscus.cash.formats.statements import (
    BankStatement,
    BankTransaction,
    FormatError,
    amount_text,
    finish,
)

CENT = Decimal("0.01")
_TAG = re.compile(r"<(/?)([A-Za-z0-9_.]+)\s*>|<[?!][^>]*>")
_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})(\d{0,6})(\.\d+)?\s*(\[[^\]]*\])?")


@dataclass
class Node:
    tag: str
    line: int
    children: list[Node] = field(default_factory=list)
    text: str = ""

    def child(self, *path: str) -> Node | None:
        node: Node | None = self
        for name in path:
            if node is None:
                return None
            node = next((c for c in node.children if c.tag == name), None)
        return node

    def value(self, *path: str) -> str:
        node = self.child(*path)
        return node.text if node is not None else ""

    def all(self, name: str) -> list[Node]:
        """The outermost elements named `name` below this one, in document order."""
        found: list[Node] = []
        for c in self.children:
            if c.tag == name:
                found.append(c)
            else:
                found.extend(c.all(name))
        return found


def _decode(data: bytes) -> str:
    head = data[:1024].upper()
    if b"ENCODING:UTF-8" in head or b'ENCODING="UTF-8"' in head or b"<?XML" in head:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
    return data.decode("cp1252", errors="replace")


def read_sgml(text: str) -> Node:
    """Read OFX SGML or XML into Nodes; the root is a pseudo-node holding <OFX>."""
    start = text.upper().find("<OFX>")
    if start == -1:
        raise FormatError("the file has an OFX header but no <OFX> element.", line=1)
    newlines = [i for i, ch in enumerate(text) if ch == "\n"]

    def line_of(offset: int) -> int:
        return bisect.bisect_right(newlines, offset - 1) + 1

    closed = {m.group(2).upper() for m in _TAG.finditer(text, start) if m.group(1)}
    if "OFX" not in closed:
        raise FormatError(
            "the file ends without </OFX>; it may have been cut short.",
            line=line_of(len(text.rstrip())),
            field="OFX",
        )
    root = Node("", 1)
    stack = [root]
    pos = start
    for match in _TAG.finditer(text, start):
        chunk = text[pos : match.start()].strip()
        pos = match.end()
        if chunk:
            if len(stack) == 1:
                raise FormatError(
                    f'the text "{chunk[:40]}" stands outside any element.',
                    line=line_of(match.start()),
                )
            stack[-1].text += html.unescape(chunk)
        if match.group(2) is None:
            continue  # a processing instruction or comment
        tag = match.group(2).upper()
        if not match.group(1):
            top = stack[-1]
            if len(stack) > 1 and (top.text or top.tag not in closed):
                stack.pop()  # a value element ends where the next tag begins
            node = Node(tag, line_of(match.start()))
            stack[-1].children.append(node)
            stack.append(node)
            continue
        if not any(n.tag == tag for n in stack[1:]):
            raise FormatError(
                f"</{tag}> closes an element that is not open.", line=line_of(match.start())
            )
        while stack[-1].tag != tag:
            stack.pop()
        stack.pop()
    if len(stack) > 1 and (stack[-1].text or stack[-1].tag not in closed):
        stack.pop()  # the last value element
    if len(stack) > 1:
        opened = stack[1]
        raise FormatError(
            f"the file ends before <{opened.tag}>, opened on line {opened.line}, is closed; it may "
            "have been cut short.",
            line=line_of(len(text.rstrip())),
            field=opened.tag,
        )
    return root


def _date(node: Node | None, where: str) -> date | None:
    if node is None or not node.text:
        return None
    match = _DATE.fullmatch(node.text.strip())
    try:
        if match is None:
            raise ValueError
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise FormatError(
            f'"{node.text}" is not an OFX date (YYYYMMDD, then the time if any).',
            line=node.line,
            field=where,
        ) from None


def _amount(node: Node | None, where: str, parent: Node) -> Decimal:
    if node is None or not node.text.strip():
        raise FormatError(f"the amount ({where}) is missing.", line=parent.line, field=where)
    text = node.text.strip()
    plain = text.replace(",", ".") if re.fullmatch(r"[+-]?\d+,\d+", text) else text
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", plain):
        raise FormatError(f'"{text}" is not an amount.', line=node.line, field=where)
    try:
        value = Decimal(plain)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise FormatError(f'"{text}" is not an amount.', line=node.line, field=where) from None
    if value != value.quantize(CENT):
        raise FormatError(
            f'the amount "{text}" has a fraction of a cent; Fiscus books whole cents and does '
            "not round the bank's amounts.",
            line=node.line,
            field=where,
        )
    return value.quantize(CENT)


def _check_number(text: str) -> str:
    """A check number; "0", which some banks send for "none", is none."""
    return "" if text.strip("0 ") == "" else text


def _transaction(node: Node) -> tuple[BankTransaction, str]:
    booked = _date(node.child("DTPOSTED"), "DTPOSTED")
    if booked is None:
        raise FormatError(
            "the posting date (DTPOSTED) is missing.", line=node.line, field="STMTTRN"
        )
    fitid = node.value("FITID")
    transaction = BankTransaction(
        line=node.line,
        booked=booked,
        value_date=_date(node.child("DTAVAIL"), "DTAVAIL"),
        amount=_amount(node.child("TRNAMT"), "TRNAMT", node),
        type_code=node.value("TRNTYPE"),
        bank_reference=fitid,
        customer_reference=_check_number(node.value("CHECKNUM")) or node.value("REFNUM"),
        text=node.value("MEMO"),
        payer=node.value("NAME") or node.value("PAYEE", "NAME"),
    )
    return transaction, fitid


def _statement(node: Node, seen: Counter[str]) -> BankStatement:
    account = node.child("BANKACCTFROM") or node.child("CCACCTFROM")
    if account is None or not account.value("ACCTID"):
        raise FormatError(
            "the statement names no account (BANKACCTFROM or CCACCTFROM with ACCTID).",
            line=node.line,
            field=node.tag,
        )
    period = node.child("BANKTRANLIST")
    statement = BankStatement(
        format="ofx",
        account=account.value("ACCTID"),
        currency=node.value("CURDEF").upper(),
        bank_id=account.value("BANKID"),
        line=node.line,
        start=_date(period.child("DTSTART") if period else None, "DTSTART"),
        end=_date(period.child("DTEND") if period else None, "DTEND"),
    )
    keys: list[str] = []
    for trn in period.all("STMTTRN") if period else []:
        transaction, fitid = _transaction(trn)
        statement.transactions.append(transaction)
        keys.append(fitid)
        action = trn.value("CORRECTACTION")
        if action:
            statement.problems.append(
                f"Line {trn.line}: the bank sends this line to {action.lower()} its earlier line "
                f"{trn.value('CORRECTFITID')}; check that line by hand."
            )
    ledger = node.child("LEDGERBAL")
    if ledger is not None:
        statement.closing = _amount(ledger.child("BALAMT"), "LEDGERBAL/BALAMT", ledger)
        statement.opening = statement.closing - statement.total
        statement.opening_implied = True
        as_of = _date(ledger.child("DTASOF"), "LEDGERBAL/DTASOF")
        statement.notes.append(
            f"The opening balance {amount_text(statement.opening)} is implied: OFX gives only "
            f"the ledger balance ({amount_text(statement.closing)}"
            f"{f' as of {as_of.isoformat()}' if as_of else ''}), less the lines."
        )
    return finish(statement, keys, seen)


def parse_ofx(data: bytes) -> list[BankStatement]:
    """Read an OFX file: one BankStatement per bank or credit-card statement in it."""
    root = read_sgml(_decode(data))
    nodes = root.all("STMTRS") + root.all("CCSTMTRS")
    if not nodes:
        for status in root.all("STATUS"):
            code = status.value("CODE")
            if code and code != "0":
                raise FormatError(
                    f"the bank answered with error {code}"
                    f"{': ' + status.value('MESSAGE') if status.value('MESSAGE') else ''} "
                    "instead of a statement.",
                    line=status.line,
                    field="STATUS",
                )
        raise FormatError("the OFX file holds no bank or credit-card statement (STMTRS).")
    nodes.sort(key=lambda n: n.line)
    seen: Counter[str] = Counter()  # identities are numbered across the file
    return [_statement(n, seen) for n in nodes]

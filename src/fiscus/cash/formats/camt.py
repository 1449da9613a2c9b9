"""ISO 20022 bank-to-customer statements (camt.053) and debit/credit notifications (camt.054).

Elements are found by their local names, so every version of the message reads the same way
(camt.053.001.02, .04, .08 and later; camt.054 likewise): a `Stmt` (or a notification's `Ntfctn`)
is one BankStatement, each booked `Ntry` one BankTransaction.

- Amounts: `Amt` with its `Ccy`; the sign comes from `CdtDbtInd` (CRDT in, DBIT out). An amount
  written with more decimals is accepted only when they are zeros ("8.850" is 8.85); a real
  fraction of a cent ("8.855") is refused with its line, because Fiscus books whole cents and
  will not round what the bank says.
- Balances: the opening is the OPBD (opening booked) balance, or PRCD (previous closing); the
  closing is CLBD. A notification has none.
- References: `bank_reference` is the entry's AcctSvcrRef; `customer_reference` the structured
  creditor reference(s) (`CdtrRefInf/Ref`), else the end-to-end id, else the check number; the
  text is the unstructured remittance (`Ustrd`) and additional remittance information; the payer
  is the debtor's name on a credit and the creditor's on a debit.
- An entry booked in a batch with several transaction details (`TxDtls`) that each carry their
  own amount, adding up to the entry, becomes one line per detail, so each payment can be
  applied; otherwise the entry is one line with the details' references joined.
- Entries not booked (`Sts` PDNG or INFO) are left out, with a note.
- The transaction summary (`TxsSummry`), when present, is checked against the entries.

The XML is read with the standard library's expat parser, refusing any DOCTYPE: with no DTD
there are no entity definitions, so neither entity expansion ("billion laughs") nor external
entities can reach the reader. (That is what defusedxml's forbid_dtd does; expat also gives the
line of every element, which the error messages need and ElementTree drops.)
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from xml.parsers import expat

from fiscus.cash.formats.statements import (
    BankStatement,
    BankTransaction,
    FormatError,
    amount_text,
    finish,
)

CENT = Decimal("0.01")
SUPPORTED = {"053": "Stmt", "054": "Ntfctn"}
OPENING_CODES = ("OPBD", "PRCD")
CLOSING_CODES = ("CLBD",)
NOT_PROVIDED = "NOTPROVIDED"


@dataclass(slots=True)
class Element:
    """An XML element by its local name, with the line its start tag is on."""

    tag: str
    line: int
    attrib: dict[str, str]
    children: list[Element] = field(default_factory=list)
    text: str = ""

    def child(self, *path: str) -> Element | None:
        node: Element | None = self
        for name in path:
            if node is None:
                return None
            node = next((c for c in node.children if c.tag == name), None)
        return node

    def all(self, *path: str) -> list[Element]:
        """Every element at the end of `path` (each step may match several)."""
        nodes = [self]
        for name in path:
            nodes = [c for n in nodes for c in n.children if c.tag == name]
        return nodes

    def value(self, *path: str) -> str:
        node = self.child(*path)
        return node.text.strip() if node is not None else ""

    def descendants(self, name: str) -> list[Element]:
        """The outermost elements named `name` below this one, in document order."""
        found: list[Element] = []
        for c in self.children:
            if c.tag == name:
                found.append(c)
            else:
                found.extend(c.descendants(name))
        return found


def _refuse_dtd(*_args: object) -> None:
    raise FormatError(
        "the XML declares a DOCTYPE; bank statements have none, and Fiscus does not read "
        "one (it could define entities that expand without end or fetch outside files)."
    )


def read_xml(data: bytes) -> tuple[Element, str]:
    """Parse XML safely into Elements; return the root and its namespace."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.ExternalEntityRefHandler = _refuse_dtd  # type: ignore[assignment]
    parser.buffer_text = True  # one call per run of text, not one per line of it
    parser.buffer_size = 1 << 16
    stack: list[Element] = []
    root: list[Element] = []
    namespaces: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        namespace, _, local = name.rpartition("}")
        element = Element(local, parser.CurrentLineNumber, attrs)
        if stack:
            stack[-1].children.append(element)
        else:
            namespaces.append(namespace)
            root.append(element)
        stack.append(element)

    def end(_name: str) -> None:
        stack.pop()

    def characters(text: str) -> None:
        if stack:
            stack[-1].text += text

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    try:
        parser.Parse(data, True)
    except expat.ExpatError as e:
        raise FormatError(
            f"the XML is broken ({expat.ErrorString(e.code)}).", line=e.lineno
        ) from None
    return root[0], namespaces[0]


def _date(element: Element | None, where: str) -> date | None:
    """A `Dt` or `DtTm` inside `element`, as the date written (the time zone is not applied)."""
    if element is None:
        return None
    node = element.child("Dt") or element.child("DtTm")
    if node is None:
        node = element if element.tag in ("Dt", "DtTm", "FrDtTm", "ToDtTm") else None
    if node is None:
        return None
    text = node.text.strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise FormatError(
            f'"{text}" is not a date (YYYY-MM-DD).', line=node.line, field=f"{where}/{node.tag}"
        ) from None


def _amount(element: Element | None, where: str, parent: Element) -> tuple[Decimal, str]:
    """An amount and its currency; refuses one that is not whole cents."""
    if element is None:
        raise FormatError("the amount (Amt) is missing.", line=parent.line, field=where)
    text = element.text.strip()
    if not re.fullmatch(r"\d+(\.\d+)?", text):
        raise FormatError(f'"{text}" is not an amount.', line=element.line, field=where)
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise FormatError(f'"{text}" is not an amount.', line=element.line, field=where) from None
    if value != value.quantize(CENT):
        raise FormatError(
            f'the amount "{text}" has a fraction of a cent. Fiscus books whole cents and does not '
            "round the bank's amounts; ask the bank for the statement in whole cents.",
            line=element.line,
            field=where,
        )
    return value.quantize(CENT), element.attrib.get("Ccy", "").upper()


def _sign(parent: Element, where: str) -> int:
    indicator = parent.value("CdtDbtInd")
    if indicator == "CRDT":
        return 1
    if indicator == "DBIT":
        return -1
    node = parent.child("CdtDbtInd")
    raise FormatError(
        f'the credit/debit indicator is "{indicator}"; it must be CRDT or DBIT.'
        if indicator
        else "the credit/debit indicator (CdtDbtInd) is missing.",
        line=node.line if node is not None else parent.line,
        field=f"{where}/CdtDbtInd",
    )


def _party_name(party: Element | None) -> str:
    if party is None:
        return ""
    return party.value("Nm") or party.value("Pty", "Nm")


def _unique(values: list[str]) -> list[str]:
    seen: list[str] = []
    for v in values:
        v = " ".join(v.split())
        if v and v not in seen:
            seen.append(v)
    return seen


@dataclass
class _Details:
    """What the transaction details of an entry say, gathered."""

    creditor_refs: list[str]
    end_to_end: list[str]
    checks: list[str]
    texts: list[str]
    debtors: list[str]
    creditors: list[str]
    other_refs: list[str]


def _details(nodes: list[Element]) -> _Details:
    d = _Details([], [], [], [], [], [], [])
    for tx in nodes:
        refs = tx.child("Refs")
        if refs is not None:
            e2e = refs.value("EndToEndId")
            if e2e and e2e.upper() != NOT_PROVIDED:
                d.end_to_end.append(e2e)
            d.checks.append(refs.value("ChqNb"))
            d.other_refs.extend(p.value("Ref") for p in refs.all("Prtry"))
        for ustrd in tx.all("RmtInf", "Ustrd"):
            d.texts.append(ustrd.text)
        for strd in tx.all("RmtInf", "Strd"):
            d.creditor_refs.extend(r.text for r in strd.all("CdtrRefInf", "Ref"))
            d.texts.extend(a.text for a in strd.all("AddtlRmtInf"))
        if not tx.all("RmtInf"):
            d.texts.append(tx.value("AddtlTxInf"))
        parties = tx.child("RltdPties")
        if parties is not None:
            d.debtors.append(_party_name(parties.child("Dbtr")))
            d.debtors.append(_party_name(parties.child("UltmtDbtr")))
            d.creditors.append(_party_name(parties.child("Cdtr")))
            d.creditors.append(_party_name(parties.child("UltmtCdtr")))
    for name in ("creditor_refs", "end_to_end", "checks", "texts", "debtors", "creditors"):
        setattr(d, name, _unique(getattr(d, name)))
    d.other_refs = _unique(d.other_refs)
    return d


@dataclass(frozen=True)
class _Common:
    """What every line cut from one entry shares."""

    booked: date
    value_date: date | None
    type_code: str
    reversal: bool


def _type_code(entry: Element) -> str:
    code = entry.child("BkTxCd")
    if code is None:
        return ""
    domain = code.child("Domn")
    if domain is not None:
        parts = [domain.value("Cd"), domain.value("Fmly", "Cd"), domain.value("Fmly", "SubFmlyCd")]
        return "-".join(p for p in parts if p)
    return code.value("Prtry", "Cd")


def _status(entry: Element) -> str:
    return entry.value("Sts", "Cd") or entry.value("Sts")


class _Reader:
    def __init__(self, root: Element, kind: str) -> None:
        self.root = root
        self.kind = kind
        self.seen: Counter[str] = Counter()  # identities are numbered across the file

    def statements(self) -> list[BankStatement]:
        name = SUPPORTED[self.kind]
        nodes = self.root.descendants(name)
        if not nodes:
            raise FormatError(
                f"the camt.{self.kind} message holds no {name} element.", line=self.root.line
            )
        return [self.statement(node) for node in nodes]

    def statement(self, node: Element) -> BankStatement:
        account = node.child("Acct")
        if account is None:
            raise FormatError("the account (Acct) is missing.", line=node.line, field=node.tag)
        number = account.value("Id", "IBAN") or account.value("Id", "Othr", "Id")
        if not number:
            raise FormatError(
                "the account has no IBAN or other identification.",
                line=account.line,
                field=f"{node.tag}/Acct/Id",
            )
        balances = node.all("Bal")
        entries = node.all("Ntry")
        currency = account.value("Ccy").upper()
        if not currency:
            first = [b.child("Amt") for b in balances] + [e.child("Amt") for e in entries]
            currency = next((a.attrib.get("Ccy", "") for a in first if a is not None), "")
        servicer = account.child("Svcr", "FinInstnId")
        bank_id = ""
        if servicer is not None:
            bank_id = servicer.value("BIC") or servicer.value("BICFI") or servicer.value("Nm")
        statement = BankStatement(
            format="camt053",
            account=number,
            currency=currency.upper(),
            bank_id=bank_id,
            statement_id=node.value("Id"),
            line=node.line,
        )
        if self.kind == "054":
            statement.notes.append(
                "A camt.054 debit/credit notification: it lists entries but no balances."
            )
        keys: list[str] = []
        skipped: dict[str, int] = {}
        for entry in entries:
            status = _status(entry)
            if status and status != "BOOK":
                skipped[status] = skipped.get(status, 0) + 1
                continue
            for transaction in self.entry(entry, statement):
                statement.transactions.append(transaction)
                keys.append(transaction.bank_reference)
        for status, count in skipped.items():
            what = {"PDNG": "pending", "INFO": "for information"}.get(status, status)
            entries_were = "entry was" if count == 1 else "entries were"
            statement.notes.append(
                f"{count} {entries_were} left out as {status} ({what}): only booked entries are "
                "lines."
            )
        period = node.child("FrToDt")
        statement.start = _date(period.child("FrDtTm") if period else None, "FrToDt")
        statement.end = _date(period.child("ToDtTm") if period else None, "FrToDt")
        booked = [t.booked for t in statement.transactions]
        if statement.start is None and booked:
            statement.start = min(booked)
        if statement.end is None and booked:
            statement.end = max(booked)
        self.balances(statement, balances, node.tag)  # their dates, when there is nothing else
        self.summary(statement, node, entries)
        return finish(statement, keys, self.seen)

    def balances(self, statement: BankStatement, balances: list[Element], where: str) -> None:
        for balance in balances:
            code = balance.value("Tp", "CdOrPrtry", "Cd") or balance.value(
                "Tp", "CdOrPrtry", "Prtry"
            )
            if code not in OPENING_CODES + CLOSING_CODES:
                continue
            path = f"{where}/Bal"
            amount, currency = _amount(balance.child("Amt"), f"{path}/Amt", balance)
            amount *= _sign(balance, path)
            label = "opening" if code in OPENING_CODES else "closing"
            if currency and statement.currency and currency != statement.currency:
                statement.problems.append(
                    f"Line {balance.line}: the {label} balance ({code}) is in {currency}, but the "
                    f"account is in {statement.currency}."
                )
            if label == "opening":
                if statement.opening is None or code == "OPBD":
                    statement.opening = amount
                    statement.start = statement.start or _date(balance.child("Dt"), path)
            elif statement.closing is None:
                statement.closing = amount
                statement.end = statement.end or _date(balance.child("Dt"), path)

    def entry(self, entry: Element, statement: BankStatement) -> list[BankTransaction]:
        amount, currency = _amount(entry.child("Amt"), "Ntry/Amt", entry)
        sign = _sign(entry, "Ntry")
        booked = _date(entry.child("BookgDt"), "Ntry/BookgDt") or _date(
            entry.child("ValDt"), "Ntry/ValDt"
        )
        if booked is None:
            raise FormatError(
                "the entry has no booking date (BookgDt).", line=entry.line, field="Ntry"
            )
        if currency and statement.currency and currency != statement.currency:
            statement.problems.append(
                f"Line {entry.line}: the entry of {amount_text(amount)} is in {currency}, but "
                f"the account is in {statement.currency}."
            )
        common = _Common(
            booked=booked,
            value_date=_date(entry.child("ValDt"), "Ntry/ValDt"),
            type_code=_type_code(entry),
            reversal=entry.value("RvslInd").lower() in ("true", "1"),
        )
        details = entry.all("NtryDtls", "TxDtls")
        parts = self.split(details, amount * sign, currency) if len(details) > 1 else None
        if parts is None:
            return [self.transaction(entry, details, amount * sign, entry.line, common)]
        return [
            self.transaction(entry, [tx], part, tx.line, common)
            for tx, part in zip(details, parts, strict=True)
        ]

    def split(self, details: list[Element], total: Decimal, currency: str) -> list[Decimal] | None:
        """Each detail's signed amount, when every one has its own and they add up."""
        parts: list[Decimal] = []
        for tx in details:
            node = tx.child("Amt") or tx.child("AmtDtls", "TxAmt", "Amt")
            if node is None:
                return None
            amount, ccy = _amount(node, "TxDtls/Amt", tx)
            if ccy and currency and ccy != currency:
                return None
            sign = (
                _sign(tx, "TxDtls")
                if tx.child("CdtDbtInd") is not None
                else (1 if total >= 0 else -1)
            )
            parts.append(sign * amount)
        return parts if sum(parts, Decimal("0.00")) == total else None

    def transaction(
        self,
        entry: Element,
        details: list[Element],
        amount: Decimal,
        line: int,
        common: _Common,
    ) -> BankTransaction:
        d = _details(details)
        bank_reference = entry.value("AcctSvcrRef") or next(
            (r for tx in details if (r := tx.value("Refs", "AcctSvcrRef"))), ""
        )
        reference = d.creditor_refs or d.end_to_end or d.checks or d.other_refs
        texts = d.texts or _unique([entry.value("AddtlNtryInf")])
        if common.reversal:
            texts = ["Reversal.", *texts]
        payer = (d.debtors if amount >= 0 else d.creditors) or [""]
        return BankTransaction(
            line=line,
            amount=amount,
            bank_reference=bank_reference,
            customer_reference="; ".join(reference),
            text=" ".join(texts),
            payer=payer[0],
            booked=common.booked,
            value_date=common.value_date,
            type_code=common.type_code,
        )

    def summary(self, statement: BankStatement, node: Element, entries: list[Element]) -> None:
        summary = node.child("TxsSummry")
        if summary is None:
            return
        said = summary.value("TtlNtries", "NbOfNtries")
        if said.isdigit() and int(said) != len(entries):
            statement.problems.append(
                f"Line {summary.line}: the transaction summary counts {said} entries, but the "
                f"statement holds {len(entries)}."
            )
        net = summary.child("TtlNtries", "TtlNetNtry")
        if net is not None and net.child("Amt") is not None:
            amount, _ = _amount(net.child("Amt"), "TxsSummry/TtlNetNtry/Amt", net)
            amount *= _sign(net, "TxsSummry/TtlNetNtry")
            booked = sum(
                (_amount(e.child("Amt"), "Ntry/Amt", e)[0] * _sign(e, "Ntry") for e in entries),
                Decimal("0.00"),
            )
            if amount != booked:
                statement.problems.append(
                    f"Line {summary.line}: the transaction summary's net total is "
                    f"{amount_text(amount)}, but the entries add up to {amount_text(booked)}."
                )


def message_kind(namespace: str) -> str | None:
    """ "053" for urn:iso:std:iso:20022:tech:xsd:camt.053.001.08, None for anything else."""
    match = re.search(r"camt\.(\d{3})\.\d{3}\.\d{2}", namespace)
    return match.group(1) if match else None


def parse_camt(data: bytes) -> list[BankStatement]:
    """Read a camt.053 statement or camt.054 notification: one BankStatement per Stmt/Ntfctn."""
    root, namespace = read_xml(data)
    kind = message_kind(namespace)
    if kind is None:
        # an envelope around the Document: look for the camt namespace inside
        kind = message_kind(data[:4096].decode("utf-8", errors="replace"))
    if kind not in SUPPORTED:
        what = (
            f"an ISO 20022 camt.{kind} message"
            if kind
            else f"XML of another kind ({namespace or root.tag})"
        )
        raise FormatError(
            f"the file is {what}, not a bank statement (camt.053) or debit/credit notification "
            "(camt.054).",
            line=root.line,
        )
    return _Reader(root, kind).statements()

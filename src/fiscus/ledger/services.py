"""Posting to the general ledger. The one way any event reaches the GL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from fiscus import audit, db, money
from fiscus.errors import FiscusError
from fiscus.ledger import chain
from fiscus.ledger.models import JournalEntry, JournalLine
from fiscus.organization.models import Account, Department, Fund
from fiscus.organization.services import next_numbers, period_for

CHAIN = "gl"


class LedgerError(FiscusError):
    code = "unbalanced"


@dataclass(frozen=True)
class Line:
    """One journal line: a debit or a credit to fund / department / account."""

    account: Account
    fund: Fund
    debit: Decimal = money.ZERO
    credit: Decimal = money.ZERO
    department: Department | None = None
    memo: str = ""

    @classmethod
    def dr(cls, account: Account, fund: Fund, amount: Decimal, **kw: Any) -> Line:
        return cls(account, fund, debit=amount, **kw)

    @classmethod
    def cr(cls, account: Account, fund: Fund, amount: Decimal, **kw: Any) -> Line:
        return cls(account, fund, credit=amount, **kw)

    @classmethod
    def mirror(cls, line: Any) -> Line:
        """The other side of `line` (a Line or a posted JournalLine): debit and credit swapped."""
        return cls(
            line.account,
            line.fund,
            debit=line.credit,
            credit=line.debit,
            department=line.department,
            memo=line.memo,
        )


@dataclass
class EntrySpec:
    on: date
    memo: str
    lines: Sequence[Line]
    source: str = ""
    reverses: JournalEntry | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def check_lines(lines: Sequence[Line]) -> None:
    """Refuse an entry that is not balanced within each fund it touches."""
    _checked(lines)


def _checked(lines: Sequence[Line]) -> list[tuple[Decimal, Decimal]]:
    """check_lines, returning each line's (debit, credit) in cents for the caller to write."""
    if len(lines) < 2:
        raise LedgerError("A journal entry needs at least two lines.")
    per_fund: dict[int, Decimal] = defaultdict(lambda: money.ZERO)
    amounts = []
    for n, line in enumerate(lines, 1):
        debit, credit = money.cents(line.debit), money.cents(line.credit)
        if debit < 0 or credit < 0:
            raise LedgerError(f"Line {n}: debits and credits are never negative.")
        if (debit == 0) == (credit == 0):
            raise LedgerError(f"Line {n}: give either a debit or a credit, not both or neither.")
        per_fund[line.fund.pk] += debit - credit
        amounts.append((debit, credit))
    for fund_id, net in per_fund.items():
        if net != 0:
            fund = Fund.objects.get(pk=fund_id)
            raise LedgerError(
                f"The entry does not balance in fund {fund.code}: debits exceed credits by "
                f"{money.fmt(net)}."
            )
    return amounts


def canonical(entry: JournalEntry, lines: Sequence[JournalLine]) -> dict[str, Any]:
    """What the hash covers: the entry and its lines, as stored."""
    return _payload(
        entry.number,
        entry.seq,
        entry.date,
        entry.period_id,
        entry.memo,
        entry.source,
        entry.reverses_id,
        entry.posted_by_id,
        entry.posted_at.astimezone(UTC).isoformat(),
        [
            [
                ln.line_no,
                ln.fund_id,
                ln.department_id,
                ln.account_id,
                str(money.cents(ln.debit)),
                str(money.cents(ln.credit)),
                ln.memo,
            ]
            for ln in sorted(lines, key=lambda x: x.line_no)
        ],
    )


def _payload(
    number: str,
    seq: int,
    on: date,
    period_id: int,
    memo: str,
    source: str,
    reverses_id: int | None,
    posted_by_id: int,
    posted_at_utc: str,
    lines: list[list[Any]],
) -> dict[str, Any]:
    """The hashed form of an entry; `lines` as [line_no, fund, department, account, debit,
    credit, memo] in line order, amounts as text in cents. Posting and verify() both use it."""
    return {
        "number": number,
        "seq": seq,
        "date": on.isoformat(),
        "period": period_id,
        "memo": memo,
        "source": source,
        "reverses": reverses_id,
        "posted_by": posted_by_id,
        "posted_at": posted_at_utc,
        "lines": lines,
    }


ENTRY_COLUMNS = (
    "id",
    "number",
    "seq",
    "date",
    "period_id",
    "memo",
    "source",
    "reverses_id",
    "posted_by_id",
    "posted_at",
    "prev_hash",
    "hash",
)
LINE_COLUMNS = (
    "entry_id",
    "line_no",
    "fund_id",
    "department_id",
    "account_id",
    "debit",
    "credit",
    "memo",
)


@transaction.atomic
def post_entries(specs: Sequence[EntrySpec], *, by: AbstractBaseUser) -> list[JournalEntry]:
    """Post many entries in one transaction: checked first, then written in bulk, in order.

    The rows are written as plain values (fiscus.db.insert_rows: one COPY per table on
    PostgreSQL) with ids drawn first, so each entry's lines, hash and returned instance are
    made once, without Django building and preparing a model instance per row.
    """
    if not specs:
        return []
    periods = {}
    amounts = []
    for spec in specs:
        amounts.append(_checked(spec.lines))
        if spec.on not in periods:
            periods[spec.on] = period_for(spec.on)
    per_date: dict[date, int] = defaultdict(int)
    for spec in specs:
        per_date[spec.on] += 1
    numbers = {on: iter(next_numbers("JE", on, count)) for on, count in per_date.items()}
    head = chain.head(CHAIN)
    posted_at = timezone.now()
    posted_at_utc = posted_at.astimezone(UTC).isoformat()
    posted_by_id = by.pk
    ids = db.allocate_ids(JournalEntry, len(specs))
    entries: list[JournalEntry] = []
    line_rows: list[tuple[Any, ...]] = []
    link = chain.link

    def entry_rows() -> Iterator[tuple[Any, ...]]:
        """The entries' rows, made as COPY sends them (the server stores one batch while the
        next is hashed); their lines and instances are collected on the way."""
        prev, seq = head.last_hash, head.seq
        for spec, entry_id, cents in zip(specs, ids, amounts, strict=True):
            seq += 1
            number = next(numbers[spec.on])
            period = periods[spec.on]
            memo = spec.memo[:200]
            reverses_id = spec.reverses.pk if spec.reverses is not None else None
            hashed_lines = []
            for n, (ln, (debit, credit)) in enumerate(zip(spec.lines, cents, strict=True), 1):
                department_id = ln.department.pk if ln.department is not None else None
                line_memo = ln.memo[:200]
                fund_id, account_id = ln.fund.pk, ln.account.pk
                line_rows.append(
                    (entry_id, n, fund_id, department_id, account_id, debit, credit, line_memo)
                )
                hashed_lines.append(
                    [n, fund_id, department_id, account_id, str(debit), str(credit), line_memo]
                )
            payload = _payload(
                number,
                seq,
                spec.on,
                period.pk,
                memo,
                spec.source,
                reverses_id,
                posted_by_id,
                posted_at_utc,
                hashed_lines,
            )
            digest = link(prev, payload)
            row = (
                entry_id,
                number,
                seq,
                spec.on,
                period.pk,
                memo,
                spec.source,
                reverses_id,
                posted_by_id,
                posted_at,
                prev,
                digest,
            )
            entries.append(
                db.as_saved(
                    JournalEntry,
                    dict(zip(ENTRY_COLUMNS, row, strict=True)),
                    {"period": period, "posted_by": by, "reverses": spec.reverses},
                )
            )
            prev = digest
            yield row

    db.insert_rows(JournalEntry, ENTRY_COLUMNS, entry_rows())
    db.insert_rows(JournalLine, LINE_COLUMNS, line_rows)
    seq, prev = entries[-1].seq, entries[-1].hash
    head.seq, head.last_hash = seq, prev
    head.save()
    return entries


def post_entry(
    *,
    on: date,
    memo: str,
    lines: Sequence[Line],
    by: AbstractBaseUser,
    source: str = "",
    reverses: JournalEntry | None = None,
) -> JournalEntry:
    """Post one balanced entry; audited."""
    with transaction.atomic():
        entry = post_entries(
            [EntrySpec(on=on, memo=memo, lines=lines, source=source, reverses=reverses)], by=by
        )[0]
        audit.record("journal.posted", entry, by=by, source=source)
    return entry


@transaction.atomic
def reverse_entry(
    entry: JournalEntry, *, on: date, by: AbstractBaseUser, reason: str
) -> JournalEntry:
    """Post the mirror image of a posted entry. The original is left as it was."""
    if not reason.strip():
        raise FiscusError("Say why the entry is reversed.", code="reason_required")
    if JournalEntry.objects.filter(reverses=entry).exists():
        raise FiscusError(f"{entry.number} has already been reversed.", code="already_reversed")
    lines = list(entry.lines.select_related("account", "fund", "department"))
    if any(ln.account.role == Account.Role.AR_CONTROL for ln in lines):
        # AR control moves only together with the receivable ledger: such an entry is undone
        # by the receivables action that mirrors it (a credit memo, a reversed application).
        raise FiscusError(
            f"{entry.number} posts to AR control; correct it through the customer's account "
            "(a credit memo or a reversed application), not by reversing the entry.",
            code="ar_entry",
        )
    mirror = [Line.mirror(ln) for ln in lines]
    return post_entry(
        on=on,
        memo=f"Reversal of {entry.number}: {reason}"[:200],
        lines=mirror,
        by=by,
        source="reversal",
        reverses=entry,
    )


def verify(
    progress: Callable[[int], None] | None = None,
) -> tuple[int, list[tuple[int, str, str]]]:
    """Check the GL hash chain. Returns (entries checked, [(seq, number, problem)])."""
    from fiscus.ledger.models import Chain

    problems: list[tuple[int, str, str]] = []
    numbers: dict[int, str] = {}
    count = 0

    def records() -> Iterator[tuple[int, str, str, dict[str, Any]]]:
        nonlocal count
        batch = 2000
        last = 0
        while True:
            entries = list(JournalEntry.objects.filter(seq__gt=last).order_by("seq")[:batch])
            if not entries:
                return
            lines: dict[int, list[JournalLine]] = defaultdict(list)
            for ln in JournalLine.objects.filter(entry__in=entries):
                lines[ln.entry_id].append(ln)
            for e in entries:
                count += 1
                numbers[e.seq] = e.number
                yield e.seq, e.prev_hash, e.hash, canonical(e, lines[e.pk])
            if progress:
                progress(len(entries))
            last = entries[-1].seq

    last_seq, last_hash = 0, chain.GENESIS
    for seq, problem in chain.walk(records()):
        problems.append((seq, numbers.get(seq, "?"), problem))
    tail = JournalEntry.objects.order_by("-seq").values_list("seq", "hash").first()
    if tail:
        last_seq, last_hash = tail
    head = Chain.objects.filter(name=CHAIN).first()
    if head and (head.seq, head.last_hash) != (last_seq, last_hash):
        problems.append((head.seq, "?", "the chain head does not match the last entry"))
    return count, problems

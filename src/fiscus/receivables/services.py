"""Posting to the receivable ledger, always together with the general ledger.

Every event here writes its GL entry and its receivable rows in one transaction (DESIGN §3).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date
from decimal import Decimal
from hashlib import sha256
from json.encoder import encode_basestring_ascii as _json_text  # json.dumps's, ensure_ascii
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone

from fiscus import audit, db, money
from fiscus.db import lock
from fiscus.errors import FiscusError
from fiscus.ledger import chain
from fiscus.ledger.models import JournalEntry
from fiscus.ledger.services import EntrySpec, Line, post_entries
from fiscus.organization.models import Account, Department, Fund
from fiscus.organization.services import account, next_numbers, period_for
from fiscus.receivables.models import Application, Item, ReceivableEntry

if TYPE_CHECKING:
    from fiscus.customers.models import Customer

CHAIN = "ar"
PREFIX: dict[str, str] = {  # TextChoices hash and compare as their values
    Item.Kind.INVOICE: "INV",
    Item.Kind.DEBIT_MEMO: "DM",
    Item.Kind.FEE: "FEE",
    Item.Kind.FINANCE_CHARGE: "FC",
    Item.Kind.CREDIT_MEMO: "CM",
    Item.Kind.PAYMENT: "PMT",
    Item.Kind.OPENING_BALANCE: "OB",
}
KINDS = frozenset(Item.Kind.values)
Progress = Callable[[int], None]


class ReceivableError(FiscusError):
    code = "refused"


@dataclass(frozen=True)
class Offset:
    """The other side of an item's posting: revenue for an invoice, cash for a payment."""

    account: Account
    amount: Decimal  # positive
    department: Department | None = None
    memo: str = ""


@dataclass
class ItemSpec:
    customer: Customer
    kind: str
    amount: Decimal  # signed: + the customer owes, - the customer is owed
    fund: Fund
    document_date: date
    due_date: date
    offsets: Sequence[Offset]
    department: Department | None = None
    number: str | None = None
    description: str = ""
    reference: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _check_item(spec: ItemSpec, n: int) -> Decimal:
    """Refuse an item that cannot post; returns its amount in cents."""
    where = f"Item {n}" if n else "The item"
    if spec.kind not in KINDS:
        raise ReceivableError(f"{where}: unknown kind {spec.kind!r}.")
    amount = money.cents(spec.amount)
    if amount == 0:
        raise ReceivableError(f"{where}: the amount is zero.")
    is_credit_kind = spec.kind in Item.CREDIT_KINDS
    if is_credit_kind and amount > 0 or spec.kind in Item.DEBIT_KINDS and amount < 0:
        kind = spec.kind.replace("_", " ")
        article = "an" if kind[0] in "aeiou" else "a"
        raise ReceivableError(f"{where}: {article} {kind} cannot be {amount}.")
    if spec.due_date < spec.document_date:
        raise ReceivableError(f"{where}: the due date is before the document date.")
    offsets = sum((money.cents(o.amount) for o in spec.offsets), money.ZERO)
    if any(o.amount <= 0 for o in spec.offsets) or offsets != abs(amount):
        raise ReceivableError(
            f"{where}: its lines add up to {money.fmt(offsets)}, not {money.fmt(abs(amount))}."
        )
    return amount


def _numbers_taken(numbers: list[str]) -> set[str]:
    """Which of `numbers` are already posted (one array parameter on PostgreSQL, not 5,000)."""
    if not db.is_postgres():
        return set(Item.objects.filter(number__in=numbers).values_list("number", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT number FROM {Item._meta.db_table} WHERE number = ANY(%s)", [numbers]
        )
        return {row[0] for row in cursor.fetchall()}


def _gl_lines(spec: ItemSpec, ar_control: Account, amount: Decimal | None = None) -> list[Line]:
    amount = money.cents(spec.amount) if amount is None else amount
    dept = spec.department
    if amount > 0:  # DR AR control; CR revenue (or the opening-balance account)
        lines = [Line.dr(ar_control, spec.fund, amount, department=dept)]
        lines += [
            Line.cr(o.account, spec.fund, o.amount, department=o.department or dept, memo=o.memo)
            for o in spec.offsets
        ]
    else:  # CR AR control; DR cash, revenue or contra
        lines = [
            Line.dr(o.account, spec.fund, o.amount, department=o.department or dept, memo=o.memo)
            for o in spec.offsets
        ]
        lines.append(Line.cr(ar_control, spec.fund, -amount, department=dept))
    return lines


def _summarize(lines: Sequence[Line]) -> list[Line]:
    """Net lines by fund / department / account into one debit or credit each."""
    totals: dict[tuple[int, int | None, int], list[Any]] = {}
    for ln in lines:
        # .id, not .pk (a property): this runs for every line of a bulk posting
        key = (ln.fund.id, ln.department.id if ln.department else None, ln.account.id)
        if key not in totals:
            totals[key] = [ln.account, ln.fund, ln.department, money.ZERO]
        totals[key][3] += ln.debit - ln.credit
    out = []
    for acct, fund, dept, net in totals.values():
        if net > 0:
            out.append(Line.dr(acct, fund, net, department=dept))
        elif net < 0:
            out.append(Line.cr(acct, fund, -net, department=dept))
    return out


RECEIVABLE_COLUMNS = (
    "id",
    "seq",
    "customer_id",
    "item_id",
    "amount",
    "effective_date",
    "recorded_at",
    "source",
    "source_ref",
    "journal_entry_id",
    "recorded_by_id",
    "fund_id",
    "department_id",
    "due_date",
    "document_date",
    "is_credit",
    "prev_hash",
    "hash",
)
ITEM_COLUMNS = (
    "id",
    "number",
    "kind",
    "customer_id",
    "fund_id",
    "department_id",
    "document_date",
    "due_date",
    "posted_on",
    "amount",
    "open_amount",
    "description",
    "reference",
    "journal_entry_id",
    "disputed",
    "posted_by_id",
    "posted_at",
)


def write_entries(
    rows: Sequence[tuple[Item, Decimal, str, str, date, JournalEntry | None]],
    *,
    by: AbstractBaseUser,
    new_items: bool = False,
) -> list[ReceivableEntry]:
    """Append receivable rows (item, amount, source, source_ref, effective_date, journal entry),
    hash-chained, and keep each item's cached open amount in step.

    `new_items` says the items were just created with `open_amount` already equal to the rows.
    """
    written = _write_rows(rows, by=by, new_items=new_items)
    return [
        db.as_saved(
            ReceivableEntry,
            dict(zip(RECEIVABLE_COLUMNS, row, strict=True)),
            {"item": item, "journal_entry": je, "recorded_by": by},
        )
        for row, (item, *_, je) in zip(written, rows, strict=True)
    ]


def _write_rows(
    rows: Sequence[tuple[Item, Decimal, str, str, date, JournalEntry | None]],
    *,
    by: AbstractBaseUser,
    new_items: bool = False,
    locked: bool = False,
) -> list[tuple[Any, ...]]:
    """What write_entries does, returning the rows as value tuples (RECEIVABLE_COLUMNS).

    `locked` says each item's `open_amount` is current: the item was read under its row lock
    (or created) in this transaction and has not changed since, so it is not read again.
    """
    written = _append(rows, by=by)
    if new_items:
        return written
    per_item: dict[int, Decimal] = defaultdict(lambda: money.ZERO)
    for row in written:
        per_item[row[3]] += row[4]
    current: dict[int, Decimal]
    if locked:
        current = {}
        for item, *_ in rows:
            current.setdefault(item.pk, item.open_amount)
    else:
        current = dict(
            Item.objects.select_for_update()
            .filter(pk__in=per_item)
            .order_by("pk")
            .values_list("pk", "open_amount")
        )
    # The new open amount is computed here, in Decimal, and written as a value: SQLite does
    # `open_amount + delta` in floating point, so 137.85 - 136.47 - 1.38 came out a hair
    # below zero there and the item_open_within_amount constraint refused a valid posting.
    new = {item_id: money.cents(current[item_id] + delta) for item_id, delta in per_item.items()}
    _set_open_amounts(new)
    # Keep the callers' copies in step, so `application.debit_item.open_amount` is true.
    for item, *_ in rows:
        item.open_amount = new[item.pk]
    return written


def _set_open_amounts(values: dict[int, Decimal]) -> None:
    """Write each item's new open amount: one statement on PostgreSQL, however many items.

    The rows are written in id order: the order their locks are taken in, and roughly the order
    they lie in the table and its indexes (at 20,000 items, about 0.6 s of server time instead
    of 0.9 s in no particular order).
    """
    if not values:
        return
    table = connection.ops.quote_name(Item._meta.db_table)
    with connection.cursor() as cursor:
        if db.is_postgres():
            ids = sorted(values)
            cursor.execute(
                f"UPDATE {table} AS i SET open_amount = v.amount FROM "
                "unnest(%s::bigint[], %s::numeric[]) AS v(id, amount) WHERE i.id = v.id",
                # as array literals: psycopg adapts a list element by element (see int_array)
                [db.int_array(ids), "{" + ",".join(str(values[pk]) for pk in ids) + "}"],
            )
            return
        cursor.executemany(
            f"UPDATE {table} SET open_amount = %s WHERE id = %s",
            [(str(amount), item_id) for item_id, amount in values.items()],
        )


def _append(
    rows: Sequence[tuple[Item, Decimal, str, str, date, JournalEntry | None]],
    *,
    by: AbstractBaseUser,
) -> list[tuple[Any, ...]]:
    """Write the receivable rows, hash-chained; returns them as value tuples
    (RECEIVABLE_COLUMNS), without building model instances."""
    head = chain.head(CHAIN)
    now = timezone.now()
    now_utc = now.astimezone(UTC).isoformat()
    recorded_by_id = by.pk
    ids = db.allocate_ids(ReceivableEntry, len(rows))
    written: list[tuple[Any, ...]] = []
    utc: dict[Any, str] = {}

    def receivable_rows() -> Iterator[tuple[Any, ...]]:
        """The rows, made as COPY sends them; collected in `written` on the way."""
        prev, seq = head.last_hash, head.seq
        for (item, amount, source, ref, effective, je), row_id in zip(rows, ids, strict=True):
            seq += 1
            amount = money.cents(amount)
            ref = ref[:60]
            # the same instant as its GL entry, so a report "as known at" any moment sees both
            # ledgers agree (they commit together)
            if je is not None:
                recorded_at = je.posted_at
                if recorded_at not in utc:
                    utc[recorded_at] = recorded_at.astimezone(UTC).isoformat()
                recorded_at_utc = utc[recorded_at]
                je_id = je.id
            else:
                recorded_at, recorded_at_utc, je_id = now, now_utc, None
            is_credit = item.amount < 0
            digest = sha256(
                (
                    prev
                    + _canonical(
                        seq,
                        item.customer_id,
                        item.id,
                        str(amount),
                        effective.isoformat(),
                        recorded_at_utc,
                        source,
                        ref,
                        je_id,
                        recorded_by_id,
                        item.fund_id,
                        item.department_id,
                        item.due_date.isoformat(),
                        item.document_date.isoformat(),
                        is_credit,
                    )
                ).encode()
            ).hexdigest()
            row = (
                row_id,
                seq,
                item.customer_id,
                item.id,
                amount,
                effective,
                recorded_at,
                source,
                ref,
                je_id,
                recorded_by_id,
                item.fund_id,
                item.department_id,
                item.due_date,
                item.document_date,
                is_credit,
                prev,
                digest,
            )
            written.append(row)
            prev = digest
            yield row

    db.insert_rows(ReceivableEntry, RECEIVABLE_COLUMNS, receivable_rows())
    if written:
        head.seq, head.last_hash = written[-1][1], written[-1][-1]
    head.save()
    return written


def canonical(e: ReceivableEntry) -> dict[str, Any]:
    """What a receivable row's hash covers: the row as stored."""
    return _payload(
        e.seq,
        e.customer_id,
        e.item_id,
        str(money.cents(e.amount)),
        e.effective_date.isoformat(),
        e.recorded_at.astimezone(UTC).isoformat(),
        e.source,
        e.source_ref,
        e.journal_entry_id,
        e.recorded_by_id,
        e.fund_id,
        e.department_id,
        e.due_date.isoformat(),
        e.document_date.isoformat(),
        e.is_credit,
    )


def _canonical(
    seq: int,
    customer_id: int,
    item_id: int,
    amount: str,
    effective_date: str,
    recorded_at_utc: str,
    source: str,
    source_ref: str,
    journal_entry_id: int | None,
    recorded_by_id: int,
    fund_id: int,
    department_id: int | None,
    due_date: str,
    document_date: str,
    is_credit: bool,
) -> str:
    """`chain.canonical(_payload(...))`, the text a receivable row's hash covers, byte for byte,
    written directly: building the dict and a JSON encoder per row was most of the cost of
    posting a row. The keys are in sorted order and each value is written as json.dumps writes
    it (strings through the same escaping function); anything but the plain types expected here
    goes the long way, so the text cannot differ (a test compares the two)."""
    if not (
        type(seq) is int
        and type(customer_id) is int
        and type(item_id) is int
        and type(recorded_by_id) is int
        and type(fund_id) is int
        and (journal_entry_id is None or type(journal_entry_id) is int)
        and (department_id is None or type(department_id) is int)
        and type(is_credit) is bool
        and type(amount) is str
        and type(effective_date) is str
        and type(recorded_at_utc) is str
        and type(source) is str
        and type(source_ref) is str
        and type(due_date) is str
        and type(document_date) is str
    ):
        return chain.canonical(
            _payload(
                seq,
                customer_id,
                item_id,
                amount,
                effective_date,
                recorded_at_utc,
                source,
                source_ref,
                journal_entry_id,
                recorded_by_id,
                fund_id,
                department_id,
                due_date,
                document_date,
                is_credit,
            )
        )
    text = _json_text
    return (
        f'{{"amount":{text(amount)},"customer":{customer_id},'
        f'"department":{"null" if department_id is None else department_id},'
        f'"document_date":{text(document_date)},"due_date":{text(due_date)},'
        f'"effective_date":{text(effective_date)},"fund":{fund_id},'
        f'"is_credit":{"true" if is_credit else "false"},"item":{item_id},'
        f'"journal_entry":{"null" if journal_entry_id is None else journal_entry_id},'
        f'"recorded_at":{text(recorded_at_utc)},"recorded_by":{recorded_by_id},"seq":{seq},'
        f'"source":{text(source)},"source_ref":{text(source_ref)}}}'
    )


def _payload(
    seq: int,
    customer_id: int,
    item_id: int,
    amount: str,
    effective_date: str,
    recorded_at_utc: str,
    source: str,
    source_ref: str,
    journal_entry_id: int | None,
    recorded_by_id: int,
    fund_id: int,
    department_id: int | None,
    due_date: str,
    document_date: str,
    is_credit: bool,
) -> dict[str, Any]:
    """The hashed form of a receivable row (dates ISO, the amount as text in cents); posting
    and verify() both use it."""
    return {
        "seq": seq,
        "customer": customer_id,
        "item": item_id,
        "amount": amount,
        "effective_date": effective_date,
        "recorded_at": recorded_at_utc,
        "source": source,
        "source_ref": source_ref,
        "journal_entry": journal_entry_id,
        "recorded_by": recorded_by_id,
        "fund": fund_id,
        "department": department_id,
        "due_date": due_date,
        "document_date": document_date,
        "is_credit": is_credit,
    }


@transaction.atomic
def post_items(
    specs: Sequence[ItemSpec],
    *,
    on: date,
    by: AbstractBaseUser,
    source: str,
    memo: str = "",
    summarize: bool = False,
    progress: Progress | None = None,
) -> list[Item]:
    """Post open items with their GL entries and receivable rows, in bulk, in one transaction.

    Each item gets its own journal entry, or with `summarize` one entry for the whole batch
    whose lines are netted by fund, department and account (a conversion, a bulk import).
    """
    if not specs:
        return []
    period_for(on)
    ar_control = account(Account.Role.AR_CONTROL)
    amounts = []
    for n, spec in enumerate(specs, 1):
        amounts.append(_check_item(spec, n if len(specs) > 1 else 0))
        if spec.document_date > on and spec.kind != Item.Kind.OPENING_BALANCE:
            where = f"Item {n}" if len(specs) > 1 else "The item"
            raise ReceivableError(
                f"{where}: it is dated after the posting date {on:%m/%d/%Y}.", code="future_date"
            )
    wanted: dict[str, int] = defaultdict(int)
    for spec in specs:
        if not spec.number:
            wanted[PREFIX[spec.kind]] += 1
    drawn = {prefix: iter(next_numbers(prefix, on, count)) for prefix, count in wanted.items()}
    numbers = [spec.number or next(drawn[PREFIX[spec.kind]]) for spec in specs]
    if len(set(numbers)) != len(numbers):
        raise ReceivableError("Two items in the batch have the same document number.")
    taken = _numbers_taken(numbers)
    if taken:
        raise ReceivableError(
            f"Document number {sorted(taken)[0]} is already posted.", code="duplicate"
        )

    per_item_lines = [
        _gl_lines(spec, ar_control, amount) for spec, amount in zip(specs, amounts, strict=True)
    ]
    label = memo or source
    if summarize:
        lines = _summarize([ln for lines in per_item_lines for ln in lines])
        entries = post_entries([EntrySpec(on=on, memo=label, lines=lines, source=source)], by=by)
        journal = [entries[0]] * len(specs)
    else:
        journal = post_entries(
            [
                EntrySpec(on=on, memo=f"{number} {label}".strip(), lines=lines, source=source)
                for number, lines in zip(numbers, per_item_lines, strict=True)
            ],
            by=by,
        )
    now = timezone.now()
    posted_by_id = by.pk
    ids = db.allocate_ids(Item, len(specs))
    items: list[Item] = []

    def item_rows() -> Iterator[tuple[Any, ...]]:
        for spec, number, je, item_id, amount in zip(
            specs, numbers, journal, ids, amounts, strict=True
        ):
            row = (
                item_id,
                number,
                spec.kind,
                spec.customer.id,
                spec.fund.id,
                spec.department.id if spec.department is not None else None,
                spec.document_date,
                spec.due_date,
                on,
                amount,
                amount,
                spec.description[:200],
                spec.reference[:60],
                je.id,
                False,
                posted_by_id,
                now,
            )
            items.append(
                db.as_saved(
                    Item,
                    dict(zip(ITEM_COLUMNS, row, strict=True)),
                    {
                        "customer": spec.customer,
                        "fund": spec.fund,
                        "department": spec.department,
                        "journal_entry": je,
                        "posted_by": by,
                    },
                )
            )
            yield row

    db.insert_rows(Item, ITEM_COLUMNS, item_rows())
    _append(
        [(it, it.amount, source, it.number, on, je) for it, je in zip(items, journal, strict=True)],
        by=by,
    )
    if progress:
        progress(len(items))
    return items


def post_item(spec: ItemSpec, *, on: date, by: AbstractBaseUser, source: str) -> Item:
    """Post one item (invoice, memo, fee, payment ...) and audit it."""
    with transaction.atomic():
        item = post_items([spec], on=on, by=by, source=source)[0]
        audit.record(f"{item.kind}.posted", item, by=by, amount=item.amount)
    return item


def _interfund_lines(credit: Item, debit: Item, amount: Decimal) -> list[Line]:
    """Applying fund A's payment to fund B's invoice: each fund still balances."""
    ar, due_to, due_from = (
        account(Account.Role.AR_CONTROL),
        account(Account.Role.DUE_TO),
        account(Account.Role.DUE_FROM),
    )
    return [
        Line.dr(ar, credit.fund, amount, department=credit.department),
        Line.cr(due_to, credit.fund, amount, memo=f"Due to {debit.fund.code}"),
        Line.dr(due_from, debit.fund, amount, memo=f"Due from {credit.fund.code}"),
        Line.cr(ar, debit.fund, amount, department=debit.department),
    ]


def _room_from(credit_item: Item, debit_item: Item, on: date) -> tuple[Decimal, Decimal]:
    """How much of each item can be applied on `on` without either crossing zero as of `on` or
    as of any later date: the smallest open amount from `on` onward (credit as a positive)."""
    changes: dict[int, dict[date, Decimal]] = {
        credit_item.pk: defaultdict(lambda: money.ZERO),
        debit_item.pk: defaultdict(lambda: money.ZERO),
    }
    for item_id, effective, amount in ReceivableEntry.objects.filter(
        item_id__in=changes
    ).values_list("item_id", "effective_date", "amount"):
        changes[item_id][effective] += money.cents(amount)
    rooms = []
    for item, sign in ((credit_item, -1), (debit_item, 1)):
        by_date = changes[item.pk]
        running = sum((a for d, a in by_date.items() if d <= on), money.ZERO)
        room = sign * running
        for d in sorted(d for d in by_date if d > on):
            running += by_date[d]
            room = min(room, sign * running)
        rooms.append(money.cents(room))
    return rooms[0], rooms[1]


@dataclass(frozen=True)
class ApplySpec:
    """Apply `amount` of a payment or credit to an invoice (or other debit item)."""

    credit: Item
    debit: Item
    amount: Decimal
    note: str = ""


def _check_application(
    spec: ApplySpec,
    credit_item: Item,
    debit_item: Item,
    amount: Decimal,
    credit_left: Decimal,
    debit_left: Decimal,
    on: date,
) -> None:
    """Refuse an application that would break an item; `*_left` is what this batch left."""
    if amount <= 0:
        raise ReceivableError("The amount to apply must be more than zero.")
    if not credit_item.is_credit:
        raise ReceivableError(f"{credit_item.number} is not a payment or credit.")
    if debit_item.is_credit:
        raise ReceivableError(f"{debit_item.number} is not an amount owed.")
    if credit_item.customer_id != debit_item.customer_id:
        raise ReceivableError(
            f"{credit_item.number} and {debit_item.number} belong to different customers."
        )
    if amount > credit_left:
        raise ReceivableError(
            f"{credit_item.number} has only {money.fmt(credit_left)} left to apply."
        )
    if amount > debit_left:
        raise ReceivableError(f"{debit_item.number} owes only {money.fmt(debit_left)}.")
    if on < max(credit_item.posted_on, debit_item.posted_on):
        raise ReceivableError(
            f"An application cannot be dated before both items were posted "
            f"({max(credit_item.posted_on, debit_item.posted_on):%m/%d/%Y})."
        )


APPLICATION_COLUMNS = (
    "id",
    "credit_item_id",
    "debit_item_id",
    "amount",
    "effective_date",
    "reverses_id",
    "journal_entry_id",
    "applied_by_id",
    "applied_at",
    "note",
)


@transaction.atomic
def apply_many(
    specs: Sequence[ApplySpec],
    *,
    on: date,
    by: AbstractBaseUser,
    held: Mapping[int, Item] | None = None,
) -> list[Application]:
    """Apply payments and credits to debit items, in bulk, in one transaction.

    Every item is locked first (in id order, so two runs never deadlock); each application is
    checked against what the ones before it in the batch left, so a payment is never applied
    beyond its amount nor an invoice below zero. Across funds the interfund entry posts too.

    `held` (by id) are items this transaction has already locked in id order, or created, and
    read since: they are taken as they are (their open amounts current), not read again. The
    specs' items are kept in step either way.
    """
    if not specs:
        return []
    ids = sorted({s.credit.pk for s in specs} | {s.debit.pk for s in specs})
    held = held or {}
    locked = db.saved_by_id(Item, [pk for pk in ids if pk not in held], for_update=True)
    locked.update((pk, held[pk]) for pk in ids if pk in held)
    # Items changed after `on` (a backdated application): the room rule of _room_from applies.
    later = _changed_after(ids, on)
    left = {pk: abs(it.open_amount) for pk, it in locked.items()}
    room: dict[int, Decimal] = {}
    amounts = []
    for spec in specs:
        credit_item, debit_item = locked[spec.credit.pk], locked[spec.debit.pk]
        amount = money.cents(spec.amount)
        _check_application(
            spec,
            credit_item,
            debit_item,
            amount,
            left[credit_item.pk],
            left[debit_item.pk],
            on,
        )
        # Applied on a past date, the amount must also fit at that date and at every later
        # change: otherwise a credit reapplied before a later reversal is applied twice in
        # between, and an invoice's open amount as of those dates drops below zero.
        if credit_item.pk in later or debit_item.pk in later:
            for pk in (credit_item.pk, debit_item.pk):
                if pk not in room:
                    room[pk] = _room_from(credit_item, debit_item, on)[
                        0 if pk == credit_item.pk else 1
                    ]
            if amount > room[credit_item.pk]:
                raise ReceivableError(
                    f"{credit_item.number} has only {money.fmt(room[credit_item.pk])} left to "
                    f"apply on {on:%m/%d/%Y}, counting what was applied and reversed after "
                    "that date."
                )
            if amount > room[debit_item.pk]:
                raise ReceivableError(
                    f"{debit_item.number} owed only {money.fmt(room[debit_item.pk])} on "
                    f"{on:%m/%d/%Y}, counting what was applied and reversed after that date."
                )
            room[credit_item.pk] -= amount
            room[debit_item.pk] -= amount
        left[credit_item.pk] -= amount
        left[debit_item.pk] -= amount
        amounts.append(amount)
    period_for(on)
    interfund = [
        (n, spec)
        for n, spec in enumerate(specs)
        if locked[spec.credit.pk].fund_id != locked[spec.debit.pk].fund_id
    ]
    journal: dict[int, JournalEntry] = {}
    if interfund:
        entries = post_entries(
            [
                EntrySpec(
                    on=on,
                    memo=f"Interfund: {spec.credit.number} to {spec.debit.number}",
                    lines=_interfund_lines(
                        locked[spec.credit.pk], locked[spec.debit.pk], amounts[n]
                    ),
                    source="application",
                )
                for n, spec in interfund
            ],
            by=by,
        )
        journal = {n: je for (n, _), je in zip(interfund, entries, strict=True)}
    now = timezone.now()
    app_ids = db.allocate_ids(Application, len(specs))
    rows = [
        (
            app_id,
            spec.credit.pk,
            spec.debit.pk,
            amount,
            on,
            None,
            journal[n].pk if n in journal else None,
            by.pk,
            now,
            spec.note[:200],
        )
        for n, (spec, amount, app_id) in enumerate(zip(specs, amounts, app_ids, strict=True))
    ]
    db.insert_rows(Application, APPLICATION_COLUMNS, rows)
    applications = [
        db.as_saved(
            Application,
            dict(zip(APPLICATION_COLUMNS, row, strict=True)),
            {
                "credit_item": locked[spec.credit.pk],
                "debit_item": locked[spec.debit.pk],
                "journal_entry": journal.get(n),
                "applied_by": by,
            },
        )
        for n, (spec, row) in enumerate(zip(specs, rows, strict=True))
    ]
    entries_rows: list[tuple[Item, Decimal, str, str, date, JournalEntry | None]] = []
    for n, (app, amount) in enumerate(zip(applications, amounts, strict=True)):
        ref = f"APP-{app.pk}"
        je = journal.get(n)
        entries_rows.append((locked[app.credit_item_id], amount, "application", ref, on, je))
        entries_rows.append((locked[app.debit_item_id], -amount, "application", ref, on, je))
    # what write_entries does, without the entries as instances nobody reads
    _write_rows(entries_rows, by=by, locked=True)
    # the callers' copies in step with the database
    for spec in specs:
        for mine, fresh in (
            (spec.credit, locked[spec.credit.pk]),
            (spec.debit, locked[spec.debit.pk]),
        ):
            mine.open_amount = fresh.open_amount
    from fiscus.audit.services import record_many

    record_many(
        "credit.applied",
        [
            (
                app,
                {
                    "amount": amount,
                    "credit": locked[app.credit_item_id].number,
                    "debit": locked[app.debit_item_id].number,
                },
            )
            for app, amount in zip(applications, amounts, strict=True)
        ],
        by=by,
    )
    return applications


def _changed_after(ids: Sequence[int], on: date) -> set[int]:
    """Which of the items `ids` have a receivable row dated after `on`."""
    if not db.is_postgres():
        return set(
            ReceivableEntry.objects.filter(item_id__in=ids, effective_date__gt=on)
            .order_by()
            .values_list("item_id", flat=True)
            .distinct()
        )
    table = connection.ops.quote_name(ReceivableEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT item_id FROM {table} "
            "WHERE item_id = ANY(%s::bigint[]) AND effective_date > %s",
            [db.int_array(ids), on],
        )
        return {row[0] for row in cursor.fetchall()}


def apply_credit(
    credit_item: Item,
    debit_item: Item,
    amount: Decimal,
    *,
    on: date,
    by: AbstractBaseUser,
    note: str = "",
) -> Application:
    """Apply part of a payment or credit to an invoice (or other debit item).

    Both open amounts move toward zero by `amount`. Across funds the interfund entry posts too.
    """
    return apply_many([ApplySpec(credit_item, debit_item, amount, note)], on=on, by=by)[0]


@transaction.atomic
def reverse_application(
    application: Application, *, on: date, by: AbstractBaseUser, reason: str
) -> Application:
    """Undo an application: the invoice is open again and the credit unapplied again."""
    application = lock(application)
    if application.reverses_id is not None:
        raise ReceivableError("A reversal cannot itself be reversed.")
    if Application.objects.filter(reverses=application).exists():
        raise ReceivableError("That application has already been reversed.")
    if not reason.strip():
        raise ReceivableError("Say why the application is reversed.", code="reason_required")
    if on < application.effective_date:
        raise ReceivableError("A reversal cannot be dated before the application.")
    period_for(on)
    credit_item, debit_item = lock(application.credit_item), lock(application.debit_item)
    amount = application.amount
    je = None
    if credit_item.fund_id != debit_item.fund_id:
        mirror = [Line.mirror(ln) for ln in _interfund_lines(credit_item, debit_item, amount)]
        je = post_entries(
            [
                EntrySpec(
                    on=on,
                    memo=f"Interfund reversal: {reason}",
                    lines=mirror,
                    source="application.reversed",
                )
            ],
            by=by,
        )[0]
    reversal = Application.objects.create(
        credit_item=credit_item,
        debit_item=debit_item,
        amount=-amount,
        effective_date=on,
        reverses=application,
        journal_entry=je,
        applied_by=by,  # type: ignore[misc]
        applied_at=timezone.now(),
        note=reason[:200],
    )
    ref = f"APP-{reversal.pk}"
    write_entries(
        [
            (credit_item, -amount, "application.reversed", ref, on, je),
            (debit_item, amount, "application.reversed", ref, on, je),
        ],
        by=by,
    )
    audit.record("credit.unapplied", reversal, by=by, amount=amount, reason=reason)
    return reversal


def verify(
    progress: Callable[[int], None] | None = None,
) -> tuple[int, list[tuple[int, str, str]]]:
    """Check the receivable-ledger hash chain. Returns (rows checked, [(seq, ref, problem)])."""
    from fiscus.ledger.models import Chain

    count = 0
    refs: dict[int, str] = {}

    def records() -> Iterator[tuple[int, str, str, dict[str, Any]]]:
        nonlocal count
        last = 0
        while True:
            rows = list(ReceivableEntry.objects.filter(seq__gt=last).order_by("seq")[:5000])
            if not rows:
                return
            for r in rows:
                count += 1
                refs[r.seq] = r.source_ref
                yield r.seq, r.prev_hash, r.hash, canonical(r)
            if progress:
                progress(len(rows))
            last = rows[-1].seq

    problems = [(seq, refs.get(seq, "?"), p) for seq, p in chain.walk(records())]
    tail = ReceivableEntry.objects.order_by("-seq").values_list("seq", "hash").first()
    head = Chain.objects.filter(name=CHAIN).first()
    if head and (head.seq, head.last_hash) != (tail or (0, chain.GENESIS)):
        problems.append((head.seq, "?", "the chain head does not match the last row"))
    return count, problems

"""Automatic cash application: the database side of fiscus.cash.matching.

Payments read from a bank or lockbox file are matched before they are recorded, so each is
recorded with its customer and applied in the same bulk transaction. A match at or above the
agency's threshold is applied and keeps its rule, reason and confidence; below it, it is stored
as a suggestion in the unapplied-cash worklist and applied only when a person takes it.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from fiscus import audit, db, money
from fiscus.cash import matching
from fiscus.cash.models import (
    ApplicationReason,
    CustomerCashPreference,
    Deposit,
    Match,
    PayerAlias,
    Payment,
)
from fiscus.cash.services import (
    Actor,
    CashError,
    PaymentInput,
    apply_payment,
    cash_settings,
    identify_payment,
    record_payments,
)
from fiscus.customers.models import Customer
from fiscus.db import lock
from fiscus.receivables.models import Item
from fiscus.receivables.services import ApplySpec, apply_many

DEBIT_KINDS = sorted(Item.DEBIT_KINDS | {Item.Kind.OPENING_BALANCE})


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one bulk run; it is turned back on after.

    A run holds the whole book (tens of thousands of open items, names and their indexes) and
    makes hundreds of thousands of short-lived objects, so the collector ran dozens of full
    collections, each walking every live object: about 2 s of a 10,000-payment run. Objects
    freed by reference counting (nearly all) are freed as usual; the few left in cycles are
    collected after the run.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_collector_paused()
def build_book(*, today: date | None = None) -> matching.Book:
    """Every open amount owed and every customer with its learned payer names, in memory."""
    today = today or timezone.localdate()
    items = [
        matching.OpenItem(
            id=pk,
            number=number,
            customer_id=customer_id,
            kind=kind,
            open_amount=open_amount,
            due_date=due,
            document_date=doc,
        )
        for pk, number, customer_id, kind, open_amount, due, doc in Item.objects.filter(
            kind__in=DEBIT_KINDS, open_amount__gt=0
        ).values_list(
            "pk", "number", "customer_id", "kind", "open_amount", "due_date", "document_date"
        )
    ]
    aliases: dict[int, list[str]] = {}
    for customer_id, name in PayerAlias.objects.values_list("customer_id", "name"):
        aliases.setdefault(customer_id, []).append(name)
    policies = dict(CustomerCashPreference.objects.values_list("customer_id", "allocation_policy"))
    customers = [
        matching.CustomerRef(
            id=pk,
            number=number,
            name=name,
            aliases=tuple(aliases.get(pk, ())),
            policy=matching.Policy(policies[pk]) if pk in policies else None,
        )
        for pk, number, name in Customer.objects.values_list("pk", "number", "name")
    ]
    book = matching.Book(
        items, customers, policy=matching.Policy(cash_settings().allocation_policy), today=today
    )
    _hold_waiting(book)
    return book


def _hold_waiting(book: matching.Book) -> None:
    """Payments in the unapplied-cash worklist hold the items they may pay (`Book.hold`): a
    suggestion its items, a payment nobody was found for the few items owing its amount."""
    still_open = Q(payment__item__isnull=True) | Q(payment__item__open_amount__lt=0)
    suggested = set()
    for payment_id, allocations in Match.objects.filter(
        still_open, status=Match.Status.SUGGESTED
    ).values_list("payment_id", "allocations"):
        suggested.add(payment_id)
        book.hold_items(payment_id, [int(a["item"]) for a in allocations])
    for payment_id, amount in Payment.objects.filter(
        status=Payment.Status.UNIDENTIFIED
    ).values_list("pk", "amount"):
        if payment_id not in suggested:
            book.hold_amount(payment_id, amount)


def remittance_of(p: PaymentInput | Payment, lines: Sequence[Any] = ()) -> matching.Remittance:
    customer = p.customer
    return matching.Remittance(
        amount=p.amount,
        payer=p.payer,
        text=p.remittance,
        reference=" ".join(x for x in (p.reference, p.check_number) if x),
        customer_number=customer.number if customer is not None else "",
        lines=tuple(lines),
        received=p.received_on,
    )


@dataclass
class AutoResult:
    payments: list[Payment] = field(default_factory=list)
    applied: int = 0
    suggested: int = 0
    unmatched: int = 0
    applied_amount: Decimal = money.ZERO
    unapplied_amount: Decimal = money.ZERO

    @property
    def count(self) -> int:
        return len(self.payments)


def _allocations_json(proposal: matching.Proposal, numbers: dict[int, str]) -> list[dict[str, str]]:
    return [
        {"item": str(a.item_id), "number": numbers.get(a.item_id, ""), "amount": str(a.amount)}
        for a in proposal.allocations
    ]


MATCH_COLUMNS = (
    "id",
    "payment_id",
    "customer_id",
    "allocations",
    "rule",
    "confidence",
    "reason",
    "status",
    "created_at",
    "decided_by_id",
    "decided_at",
)
REASON_COLUMNS = (
    "id",
    "application_id",
    "payment_id",
    "match_id",
    "automatic",
    "rule",
    "confidence",
)


def _unmatched(proposal: matching.Proposal) -> bool:
    return proposal.customer_id is None and proposal.rule == "none"


@_collector_paused()
@transaction.atomic
def receive_and_apply(
    deposit: Deposit,
    inputs: Sequence[PaymentInput],
    *,
    by: Actor,
    source: str,
    remittance_lines: Sequence[Sequence[Any]] | None = None,
    import_batch: Any = None,
    book: matching.Book | None = None,
    remittances: Sequence[matching.Remittance] | None = None,
) -> AutoResult:
    """Record payments into `deposit` and apply each one the matcher is sure of.

    `remittances` (one per input) gives what the file said when it says more than a payment
    holds (a customer number in the remittance, say); by default each is read off its input.
    """
    threshold = cash_settings().auto_apply_threshold
    book = book or build_book()
    lines = remittance_lines or [()] * len(inputs)
    if remittances is None:
        remittances = [remittance_of(p, ln) for p, ln in zip(inputs, lines, strict=True)]
    proposals = []
    wanted: set[int] = set()
    for n, (p, remittance) in enumerate(zip(inputs, remittances, strict=True)):
        proposal = book.match(remittance)
        proposals.append(proposal)
        mine = p.customer is None or p.customer.pk == proposal.customer_id
        if proposal.customer_id is not None and proposal.applies(threshold) and mine:
            book.take(proposal)
            wanted.add(proposal.customer_id)
        else:
            book.hold(("new", n), proposal)  # left for a clerk: its items wait for them
    customers_by_id = db.saved_by_id(Customer, wanted)
    for p, proposal in zip(inputs, proposals, strict=True):
        sure = proposal.customer_id is not None and proposal.confidence >= threshold
        if sure and p.customer is None:
            p.customer = customers_by_id[proposal.customer_id]  # type: ignore[index]
    payments = record_payments(deposit, inputs, by=by, source=source, import_batch=import_batch)
    sure_of = [
        proposal.customer_id is not None
        and proposal.confidence >= threshold
        and pay.customer_id == proposal.customer_id
        for pay, proposal in zip(payments, proposals, strict=True)
    ]
    # The items to apply to, locked once (in id order) and read under the lock: apply_many
    # takes them as they are, with the payments' items this transaction just created.
    held = db.saved_by_id(
        Item,
        {
            a.item_id
            for pr, sure in zip(proposals, sure_of, strict=True)
            if sure
            for a in pr.allocations
        },
        for_update=True,
    )
    # a suggestion's items are named from the book (an item's number never changes)
    numbers = {pk: it.number for pk, it in held.items()}
    missing = set()
    for pr in proposals:
        for a in pr.allocations:
            if a.item_id not in numbers:
                known = book.items.get(a.item_id)
                if known is None:
                    missing.add(a.item_id)
                else:
                    numbers[a.item_id] = known.number
    if missing:
        numbers.update(Item.objects.filter(pk__in=missing).values_list("pk", "number"))
    now = timezone.now()
    match_ids = iter(db.allocate_ids(Match, sum(1 for pr in proposals if not _unmatched(pr))))
    matches: list[tuple[Any, ...]] = []  # MATCH_COLUMNS
    specs: list[ApplySpec] = []
    owners: list[tuple[int, int, str, Decimal]] = []  # (payment, match, rule, confidence) per spec
    result = AutoResult(payments=payments)
    json_text = db.is_postgres()  # COPY takes JSON as text; insert_rows prepares it elsewhere
    for pay, proposal, sure in zip(payments, proposals, sure_of, strict=True):
        if _unmatched(proposal):
            result.unmatched += 1
            result.unapplied_amount += pay.amount
            continue
        match_id = next(match_ids)
        allocations = _allocations_json(proposal, numbers)
        matches.append(
            (
                match_id,
                pay.pk,
                proposal.customer_id,
                json.dumps(allocations) if json_text else allocations,
                proposal.rule,
                proposal.confidence,
                proposal.reason[:400],
                Match.Status.APPLIED if sure else Match.Status.SUGGESTED,
                now,
                None,
                now if sure else None,
            )
        )
        if sure:
            result.applied += 1
            assert pay.item is not None
            held[pay.item.pk] = pay.item
            for a in proposal.allocations:
                specs.append(ApplySpec(pay.item, held[a.item_id], a.amount, note=proposal.rule))
                owners.append((pay.pk, match_id, proposal.rule, proposal.confidence))
                result.applied_amount += a.amount
            result.unapplied_amount += proposal.unapplied
        else:
            result.suggested += 1
            result.unapplied_amount += pay.amount
    db.insert_rows(Match, MATCH_COLUMNS, matches)
    if specs:
        on = deposit.deposit_date
        applications = apply_many(specs, on=max(on, timezone.localdate()), by=by, held=held)
        db.insert_rows(
            ApplicationReason,
            REASON_COLUMNS,
            [
                (reason_id, app.pk, pay_id, match_id, True, rule, confidence)
                for reason_id, app, (pay_id, match_id, rule, confidence) in zip(
                    db.allocate_ids(ApplicationReason, len(applications)),
                    applications,
                    owners,
                    strict=True,
                )
            ],
        )
    audit.record(
        "cash.auto_applied",
        deposit,
        by=by,
        payments=len(payments),
        applied=result.applied,
        suggested=result.suggested,
        unmatched=result.unmatched,
    )
    return result


@transaction.atomic
def rematch(payments: Sequence[Payment], *, by: Actor) -> AutoResult:
    """Match payments already recorded that still hold money (the worklist's "match again")."""
    threshold = cash_settings().auto_apply_threshold
    book = build_book()
    result = AutoResult()
    for pay in payments:
        pay = lock(pay)
        if pay.unapplied <= 0:
            continue
        result.payments.append(pay)
        book.release(pay.pk)  # its own suggestion does not stand against it
        rem = remittance_of(pay)
        proposal = book.match(
            matching.Remittance(
                amount=pay.unapplied,
                payer=rem.payer,
                text=rem.text,
                reference=rem.reference,
                customer_number=rem.customer_number,
                received=rem.received,
            )
        )
        if proposal.customer_id is None and proposal.rule == "none":
            book.hold(pay.pk, proposal)
            result.unmatched += 1
            continue
        if pay.customer_id is not None and proposal.customer_id != pay.customer_id:
            result.unmatched += 1
            continue
        numbers = dict(
            Item.objects.filter(pk__in=[a.item_id for a in proposal.allocations]).values_list(
                "pk", "number"
            )
        )
        sure = proposal.confidence >= threshold and proposal.customer_id is not None
        pay.matches.filter(status=Match.Status.SUGGESTED).update(
            status=Match.Status.DISMISSED, decided_by=by, decided_at=timezone.now()
        )
        match = Match.objects.create(
            payment=pay,
            customer_id=proposal.customer_id,
            allocations=_allocations_json(proposal, numbers),
            rule=proposal.rule,
            confidence=proposal.confidence,
            reason=proposal.reason[:400],
            status=Match.Status.APPLIED if sure else Match.Status.SUGGESTED,
        )
        if sure:
            _carry_out(match, by=by, automatic=True)
            book.take(proposal)
            result.applied += 1
        else:
            book.hold(pay.pk, proposal)
            result.suggested += 1
    return result


def _carry_out(match: Match, *, by: Actor, automatic: bool) -> list[Any]:
    pay = match.payment
    if pay.customer_id is None:
        if match.customer is None:
            raise CashError("The suggestion names no customer.")
        pay = identify_payment(pay, match.customer, by=by)
    items = Item.objects.in_bulk([int(a["item"]) for a in match.allocations])
    allocations = []
    for a in match.allocations:
        item = items[int(a["item"])]
        amount = min(Decimal(a["amount"]), item.open_amount, pay.unapplied)
        if amount > 0:
            allocations.append((item, amount))
    if not allocations:
        return []
    return apply_payment(
        pay,
        allocations,
        by=by,
        match=match,
        rule=match.rule if automatic else "suggestion",
        confidence=match.confidence,
        teach=not automatic,
    )


@transaction.atomic
def take_suggestion(match: Match, *, by: Actor) -> Match:
    """A person accepts a suggestion: the payment is applied as it proposed (what is still open)."""
    match = lock(match)
    if match.status != Match.Status.SUGGESTED:
        raise CashError(f"That suggestion was already {match.status}.")
    match.status, match.decided_by, match.decided_at = Match.Status.TAKEN, by, timezone.now()  # type: ignore[assignment]
    match.save(update_fields=["status", "decided_by", "decided_at"])
    _carry_out(match, by=by, automatic=False)
    others = match.payment.matches.filter(status=Match.Status.SUGGESTED)
    others.update(status=Match.Status.DISMISSED, decided_by=by, decided_at=timezone.now())
    audit.record("cash.suggestion_taken", match, by=by, payment=match.payment.number)
    return match


@transaction.atomic
def dismiss_suggestion(match: Match, *, by: Actor) -> Match:
    match = lock(match)
    if match.status != Match.Status.SUGGESTED:
        raise CashError(f"That suggestion was already {match.status}.")
    match.status, match.decided_by, match.decided_at = Match.Status.DISMISSED, by, timezone.now()  # type: ignore[assignment]
    match.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record("cash.suggestion_dismissed", match, by=by, payment=match.payment.number)
    return match

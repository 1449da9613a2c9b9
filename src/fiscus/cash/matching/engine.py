"""The matching engine: the book of open items, and one remittance in, one proposal out.

See the package docstring for the rules and their confidence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from decimal import Decimal

from .accounts import Accounts
from .allocation import OpenItem, Policy, from_cents, to_cents
from .documents import Documents
from .evidence import (
    CAP_RIVAL,
    CAP_WAITING,
    COMMON_AMOUNT,
    EXACT_FITS,
    RIVAL_FLOOR,
    Hypothesis,
    Seen,
    money,
    sentence,
)
from .names import NameIndex
from .numbers import NumberIndex
from .records import CustomerRef, MatchError, Proposal, Remittance

BIG_CUSTOMER = 64  # more items than this: the customer's items are indexed by amount


class Book:
    """The open items and customers of one run, indexed for matching. Build once, match many."""

    def __init__(
        self,
        items: Iterable[OpenItem],
        customers: Iterable[CustomerRef],
        *,
        policy: Policy = Policy.OLDEST_FIRST,
        today: date,
    ) -> None:
        self.policy = Policy(policy)
        self.today = today
        self.items: dict[int, OpenItem] = {}
        self.customers: dict[int, CustomerRef] = {}
        self._open: dict[int, int] = {}
        self._by_customer: dict[int, list[int]] = defaultdict(list)
        self._by_amount: dict[int, set[int]] = defaultdict(set)
        self._owing: dict[int, dict[int, list[int]]] = {}  # a big customer's items by amount
        self._waiting: dict[object, tuple[int, ...]] = {}  # a payment held for a clerk: its items
        self._claims: dict[int, int] = defaultdict(int)  # item -> payments waiting that may pay it
        self.numbers = NumberIndex()
        self.names = NameIndex()
        for customer in customers:
            self.customers[customer.id] = customer
            self.numbers.add_customer(customer.id, customer.number)
            self.names.add(customer.id, customer.name)
            for alias in customer.aliases:
                self.names.add(customer.id, alias, alias=True)
        known, by_customer, by_amount = self.customers, self._by_customer, self._by_amount
        add_number = self.numbers.add_item
        for item in items:
            if item.customer_id not in known:
                raise ValueError(f"Item {item.number} belongs to an unknown customer.")
            cents = to_cents(item.open_amount)
            self.items[item.id] = item
            self._open[item.id] = cents
            by_customer[item.customer_id].append(item.id)
            add_number(item.id, item.number)
            if cents > 0:
                by_amount[cents].add(item.id)

    # -- changes --------------------------------------------------------------------------------

    def take(self, proposal: Proposal) -> None:
        """Lower the open amounts by an applied proposal, so no later payment reuses them."""
        for allocation in proposal.allocations:
            if allocation.item_id not in self._open:
                raise ValueError(f"Item {allocation.item_id} is not in the book.")
            if to_cents(allocation.amount) > self._open[allocation.item_id]:
                number = self.items[allocation.item_id].number
                raise ValueError(f"{number} owes less than {allocation.amount}.")
        for allocation in proposal.allocations:
            item_id, cents = allocation.item_id, to_cents(allocation.amount)
            before = self._open[item_id]
            after = before - cents
            item = self.items[item_id]
            self._by_amount[before].discard(item_id)
            if after > 0:
                self._by_amount[after].add(item_id)
            self._open[item_id] = after
            index = self._owing.get(item.customer_id)
            if index is not None:
                index[before].remove(item_id)
                index[after].append(item_id)
            self.items[item_id] = replace(item, open_amount=from_cents(after))

    def hold(self, key: object, proposal: Proposal) -> None:
        """A payment left for a clerk (a suggestion, or nobody found) under `key`: until it is
        released, a later payment that would take one of the items it may pay is left for the
        clerk too. A suggestion may pay its items; a payment with nobody found, the few items
        that owe exactly its amount (`hold_amount`)."""
        if proposal.customer_id is None:
            self.hold_amount(key, proposal.unapplied)
        else:
            self.hold_items(key, [a.item_id for a in proposal.allocations])

    def hold_amount(self, key: object, amount: Decimal) -> None:
        """Hold the items owing exactly `amount`, when there are few (3 or fewer): more, and the
        amount alone says nothing."""
        same = self._by_amount.get(to_cents(amount), ())
        self.hold_items(key, same if len(same) <= COMMON_AMOUNT else ())

    def hold_items(self, key: object, item_ids: Iterable[int]) -> None:
        self.release(key)
        items = tuple(i for i in item_ids if i in self._open)
        if items:
            self._waiting[key] = items
            for item_id in items:
                self._claims[item_id] += 1

    def release(self, key: object) -> None:
        """The payment held under `key` was worked (taken, dismissed or matched again)."""
        for item_id in self._waiting.pop(key, ()):
            self._claims[item_id] -= 1
            if not self._claims[item_id]:
                del self._claims[item_id]

    def teach(self, customer_id: int, payer: str) -> None:
        """Learn a payer name as an alias of the customer (a clerk matched it by hand)."""
        if customer_id not in self.customers:
            raise ValueError(f"Customer {customer_id} is not in the book.")
        self.names.add(customer_id, payer, alias=True)

    def open_amount(self, item_id: int) -> Decimal:
        return from_cents(self._open[item_id])

    # -- matching -------------------------------------------------------------------------------

    def match(self, remittance: Remittance) -> Proposal:
        """Propose what to do with one payment. Never changes the book; see `take`."""
        try:
            payment = to_cents(remittance.amount)
        except ValueError as error:
            raise MatchError(f"The payment amount {remittance.amount} {error}") from None
        if payment <= 0:
            raise MatchError(f"The payment amount {remittance.amount} is not above zero.")
        return _Match(self, remittance, payment).run()

    def policy_of(self, customer_id: int) -> Policy:
        return self.customers[customer_id].policy or self.policy

    def open_items(self, customer_id: int) -> list[OpenItem]:
        return [self.items[i] for i in self._by_customer.get(customer_id, ()) if self._open[i] > 0]

    def owing(self, customer_id: int, cents: int) -> list[int]:
        """The customer's items that owe exactly `cents` (an index kept for big customers)."""
        mine = self._by_customer.get(customer_id, ())
        if len(mine) <= BIG_CUSTOMER:
            return [i for i in mine if self._open[i] == cents]
        index = self._owing.get(customer_id)
        if index is None:
            index = defaultdict(list)
            for i in mine:
                index[self._open[i]].append(i)
            self._owing[customer_id] = index
        return list(index.get(cents, ()))

    def balance(self, customer_id: int) -> int:
        """What the customer owes in all, in cents."""
        return sum(self._open[i] for i in self._by_customer.get(customer_id, ()))

    def describe(self, customer_id: int) -> str:
        customer = self.customers[customer_id]
        return f"{customer.name} ({customer.number})"


class _Match(Documents, Accounts):
    """One remittance being matched: every hypothesis, then the decision."""

    def run(self) -> Proposal:
        """Every hypothesis worth making, then the decision (`_decide`).

        First the documents read exactly; when one of them settles it (0.99, no rival), that is
        all. Otherwise the typo readings too, then the customers the payer or a customer number
        points to, by amount and policy; with none of these, the amount alone.
        """
        by_reference: dict[int, list[Hypothesis]] = {}
        for customer_id in self._owners(fuzzy=False):
            found = self._by_reference(customer_id, fuzzy=False)
            if found:
                by_reference[customer_id] = [found]
        first = [h for found in by_reference.values() for h in found]
        best = max(first, key=lambda h: h.confidence, default=None)
        settled = (
            best is not None
            and best.confidence >= EXACT_FITS
            and not any(h is not best and h.confidence >= RIVAL_FLOOR for h in first)
        )
        if settled:
            return self._decide(first)
        for customer_id in self._owners(fuzzy=True):
            found = self._by_reference(customer_id, fuzzy=True)
            if found is None:
                continue
            readings = by_reference.setdefault(customer_id, [])
            # a second reading of the same customer's documents is a rival, not a replacement
            if all(found.items != known.items for known in readings):
                readings.append(found)
        hypotheses = [h for found in by_reference.values() for h in found]
        for customer_id, evidence in self.who.items():
            known = by_reference.get(customer_id, [])
            if any(h.fits for h in known):
                continue
            if evidence.level >= Seen.LIKE:
                found = self._by_customer(customer_id, evidence, named=bool(known))
                if found:
                    hypotheses.append(found)
        if not hypotheses:
            alone = self._amount_only()
            if alone:
                hypotheses.append(alone)
        return self._decide(hypotheses)

    def _decide(self, hypotheses: list[Hypothesis]) -> Proposal:
        amount = from_cents(self.payment)
        if not hypotheses:
            clauses = ["No customer found"]
            clauses.extend(self._nothing_found())
            return Proposal(None, (), Decimal("0.00"), sentence(clauses), "none", amount)
        hypotheses.sort(key=lambda h: -h.confidence)
        best = hypotheses[0]
        for rival in hypotheses[1:]:
            if rival.confidence < RIVAL_FLOOR:
                break
            if _rivals(best, rival):
                what = ", ".join(self.book.items[i].number for i in sorted(rival.items)) or (
                    "the account"
                )
                best.cap(
                    CAP_RIVAL,
                    f"another reading fits as well: {what} of "
                    f"{self.book.describe(rival.customer_id or 0)}",
                )
                break
        self._waiting(best)
        clauses = [*best.clauses, *self.notes]
        return Proposal(
            best.customer_id,
            best.allocations,
            Decimal(best.confidence).scaleb(-2),
            sentence(clauses),
            best.rule,
            from_cents(best.unapplied),
        )

    def _waiting(self, best: Hypothesis) -> None:
        """An earlier payment waiting for a clerk may be for one of these items: what the clerk
        does with it decides what is still open, so this one waits too (one of the two may be a
        second payment, or the items were chosen by amount or policy from what is open now)."""
        claimed = sorted(i for i in best.items if i in self.book._claims)
        if claimed:
            numbers = ", ".join(self.book.items[i].number for i in claimed)
            best.cap(CAP_WAITING, f"an earlier payment waiting for a clerk may be for {numbers}")

    def _nothing_found(self) -> list[str]:
        found = []
        if self.readings:
            written = ", ".join(r.mention.written for r in self.readings)
            found.append(f"{written} in the remittance names no open item")
        if self.payer:
            found.append(f"the payer {self.payer} is not a known customer")
        same = len(self.book._by_amount.get(self.payment, ()))
        if same > 1:
            found.append(f"{same} open items are of {money(self.payment)}")
        return found


def _rivals(best: Hypothesis, other: Hypothesis) -> bool:
    """Whether another reading stands against the best one.

    It does when it pays other items (or another customer), unless the best one ties out to the
    cent and the other does not, or the other is part of the best one that leaves some of it
    unexplained (a first reading with a number not yet read).
    """
    if other.customer_id == best.customer_id and other.items == best.items:
        return False
    if best.fits and not other.fits:
        return False
    return not (other.customer_id == best.customer_id and other.items < best.items)

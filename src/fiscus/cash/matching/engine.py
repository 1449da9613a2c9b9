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
        self._owing: dict[tuple[int, int], set[int]] = defaultdict(set)  # (customer, cents)
        self._balance: dict[int, int] = defaultdict(int)
        self.numbers = NumberIndex()
        self.names = NameIndex()
        for customer in customers:
            self.customers[customer.id] = customer
            self.numbers.add_customer(customer.id, customer.number)
            self.names.add(customer.id, customer.name)
            for alias in customer.aliases:
                self.names.add(customer.id, alias, alias=True)
        for item in items:
            if item.customer_id not in self.customers:
                raise ValueError(f"Item {item.number} belongs to an unknown customer.")
            cents = to_cents(item.open_amount)
            self.items[item.id] = item
            self._open[item.id] = cents
            self._by_customer[item.customer_id].append(item.id)
            self.numbers.add_item(item.id, item.number)
            if cents > 0:
                self._by_amount[cents].add(item.id)
                self._owing[(item.customer_id, cents)].add(item.id)
                self._balance[item.customer_id] += cents

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
            self._owing[(item.customer_id, before)].discard(item_id)
            if after > 0:
                self._by_amount[after].add(item_id)
                self._owing[(item.customer_id, after)].add(item_id)
            self._open[item_id] = after
            self._balance[item.customer_id] -= cents
            self.items[item_id] = replace(item, open_amount=from_cents(after))

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

    def describe(self, customer_id: int) -> str:
        customer = self.customers[customer_id]
        return f"{customer.name} ({customer.number})"


class _Match(Documents, Accounts):
    """One remittance being matched: every hypothesis, then the decision."""

    def run(self) -> Proposal:
        hypotheses: list[Hypothesis] = []
        by_reference: dict[int, Hypothesis] = {}
        owners = self._owners(fuzzy=False)
        for customer_id in owners:
            found = self._by_reference(customer_id, fuzzy=False)
            if found:
                by_reference[customer_id] = found
        best = max(by_reference.values(), key=lambda h: h.confidence, default=None)
        settled = (
            best is not None
            and best.confidence >= EXACT_FITS
            and not any(
                h is not best and h.confidence >= RIVAL_FLOOR for h in by_reference.values()
            )
        )
        if not settled:
            for customer_id in self._owners(fuzzy=True):
                found = self._by_reference(customer_id, fuzzy=True)
                if found and (
                    customer_id not in by_reference
                    or found.confidence > by_reference[customer_id].confidence
                ):
                    by_reference[customer_id] = found
            hypotheses.extend(by_reference.values())
            for customer_id, evidence in self.who.items():
                known = by_reference.get(customer_id)
                if known is not None and known.fits:
                    continue
                if evidence.level >= Seen.LIKE:
                    found = self._by_customer(customer_id, evidence, named=known is not None)
                    if found:
                        hypotheses.append(found)
            if not hypotheses:
                alone = self._amount_only()
                if alone:
                    hypotheses.append(alone)
        else:
            hypotheses.extend(by_reference.values())
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
            if rival.customer_id != best.customer_id or rival.items != best.items:
                what = ", ".join(self.book.items[i].number for i in sorted(rival.items)) or (
                    "the account"
                )
                best.cap(
                    CAP_RIVAL,
                    f"another reading fits as well: {what} of "
                    f"{self.book.describe(rival.customer_id or 0)}",
                )
                break
        clauses = [*best.clauses, *self.notes]
        return Proposal(
            best.customer_id,
            best.allocations,
            Decimal(best.confidence).scaleb(-2),
            sentence(clauses),
            best.rule,
            from_cents(best.unapplied),
        )

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

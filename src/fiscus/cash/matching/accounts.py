"""Hypotheses from a known customer and the amount: one item, a set of items, the policy."""

from __future__ import annotations

from .allocation import Allocation, OpenItem, Policy, allocate, from_cents, policy_order, to_cents
from .evidence import (
    AMOUNT_ONE_CLOSE,
    AMOUNT_ONE_CLOSE_COMMON,
    AMOUNT_ONE_KNOWN,
    AMOUNT_ONE_LIKE,
    AMOUNT_ONE_SHARED,
    AMOUNT_ONLY,
    CAP_CONFLICT,
    CAP_DOUBT,
    CAP_OTHER_CUSTOMER,
    COMBINATION_BUDGET,
    COMBINATION_CANDIDATES,
    COMBINATION_CLOSE,
    COMBINATION_ITEMS,
    COMBINATION_KNOWN,
    COMBINATION_LIKE,
    COMBINATION_SEVERAL,
    COMBINATION_SHARED,
    COMMON_AMOUNT,
    POLICY_CLOSE,
    POLICY_KNOWN,
    POLICY_LIKE,
    POLICY_SHARED,
    Candidate,
    Clue,
    Evidence,
    Hypothesis,
    Seen,
    Who,
    money,
)


class Accounts(Evidence):
    """The customer is known, no document of theirs is read: the amount against their items."""

    def _by_customer(self, customer_id: int, evidence: Who, *, named: bool) -> Hypothesis | None:
        """The amount against the customer's open items; the policy when nothing matches.

        With `named`, a document of the customer's is named in the remittance, so only an amount
        match (a second reading) is offered, never the policy.
        """
        book = self.book
        level = evidence.level
        rule = {Seen.NUMBER: "customer_number", Seen.ALIAS: "alias"}.get(level, "payer_name")
        policy = book.policy_of(customer_id)
        open_items = book.open_items(customer_id)
        clauses = [evidence.clause]
        if not open_items:
            if named:
                return None
            confidence = self._policy_confidence(level)
            clauses.append(f"the customer owes nothing; {money(self.payment)} stays on account")
            hypothesis = Hypothesis(customer_id, (), self.payment, confidence, rule, clauses)
            return self._customer_caps(hypothesis, customer_id)
        same = [book.items[i] for i in book.owing(customer_id, self.payment)]
        chosen: list[OpenItem] | None = None
        several = False
        if same:
            first = policy_order(same, policy, today=book.today)[0]
            chosen = [first]
            rule = "amount_one"
            clause = f"the payment equals the open amount of {first.number}, {money(self.payment)}"
            if len(same) > 1:
                clause += f" (as do {len(same) - 1} more; {policy.label.lower()} decides)"
            clauses.append(clause)
            common = len(book._by_amount.get(self.payment, ())) > COMMON_AMOUNT
            confidence = {
                Seen.NUMBER: AMOUNT_ONE_KNOWN,
                Seen.ALIAS: AMOUNT_ONE_KNOWN,
                Seen.NAME: AMOUNT_ONE_KNOWN,
                Seen.CLOSE: AMOUNT_ONE_CLOSE_COMMON if common else AMOUNT_ONE_CLOSE,
                Seen.SHARED: AMOUNT_ONE_LIKE if common else AMOUNT_ONE_SHARED,
            }.get(level, AMOUNT_ONE_LIKE)
            unread = self.readings  # any number in it was not read as one of these
            if len(same) > 1 and unread:
                # the number was written to say which; it cannot be read, so nor can we
                confidence = min(confidence, CAP_DOUBT)
                clauses.append(
                    f"{unread[0].mention.written} in the remittance does not say which of them"
                )
        elif named:
            return None  # a document is named: only one open item of the amount is a reading
        elif book.balance(customer_id) == self.payment and len(open_items) > 1:
            chosen = open_items
            rule = "amount_combination"
            clauses.append(
                f"the payment equals the customer's whole balance of {money(self.payment)}, "
                f"{len(open_items)} open items"
            )
            confidence = self._combination_confidence(level, several=False)
        else:
            found, several = self._combination(open_items, policy)
            if found:
                chosen = found
                rule = "amount_combination"
                numbers = ", ".join(item.number for item in found)
                clause = f"the payment equals the open amounts of {numbers} together"
                if several:
                    clause += " (other sets of items add up to it too)"
                clauses.append(clause)
                confidence = self._combination_confidence(level, several=several)
        if chosen is not None:
            allocations, left = allocate(from_cents(self.payment), chosen, policy, today=book.today)
        elif named:
            return None
        else:
            allocations, left = allocate(
                from_cents(self.payment), open_items, policy, today=book.today
            )
            owed = book.balance(customer_id)
            clauses.append(
                f"no open item or set of items matches {money(self.payment)}; applied "
                f"{policy.label.lower()}"
                + (
                    f", and {money(self.payment - owed)} stays on account"
                    if self.payment > owed
                    else ""
                )
            )
            confidence = self._policy_confidence(level)
        hypothesis = Hypothesis(
            customer_id,
            allocations,
            to_cents(left),
            confidence,
            rule,
            clauses,
            frozenset(a.item_id for a in allocations),
            chosen is not None,
        )
        return self._customer_caps(hypothesis, customer_id)

    def _named_elsewhere(
        self, reading: Clue, customer_id: int, hypothesis: Hypothesis
    ) -> tuple[int, str]:
        """How far a number in the remittance stands against a hypothesis found without it."""
        book = self.book
        written = reading.mention.written

        def mine(candidates: list[Candidate]) -> set[int]:
            return {
                c.item_id
                for c in candidates
                if book._open[c.item_id] > 0 and book.items[c.item_id].customer_id == customer_id
            }

        exact = [c for c in reading.exact if not c.edit]
        if mine(exact):
            if mine(exact) & hypothesis.items:
                return 100, ""
            return CAP_DOUBT, f"the remittance names {written}, not these items"
        if reading.mention.shape == "short":
            return 100, ""
        paid = [c for c in exact if book.items[c.item_id].customer_id == customer_id]
        if paid:  # the customer's, already paid: a second payment, or meant for another item?
            number = book.items[paid[0].item_id].number
            return CAP_DOUBT, f"the remittance names {number}, already paid"
        others = {book.items[c.item_id].customer_id for c in exact} - {customer_id}
        if others:
            other = book.describe(min(others))
            return CAP_OTHER_CUSTOMER, f"{written} in the remittance is an item of {other}"
        near = mine(reading.near or [])
        if near and not near & hypothesis.items:
            return CAP_DOUBT, f"the remittance names {written}, near to other items"
        if not near and not hypothesis.fits:
            return CAP_DOUBT, f"{written} in the remittance names no open item"
        return 100, ""

    def _customer_caps(self, hypothesis: Hypothesis, customer_id: int) -> Hypothesis:
        for reading in self.readings:
            hypothesis.cap(*self._named_elsewhere(reading, customer_id, hypothesis))
        conflict = self.conflict(customer_id)
        if conflict:
            hypothesis.cap(CAP_CONFLICT, conflict)
        return hypothesis

    @staticmethod
    def _policy_confidence(level: Seen) -> int:
        return {
            Seen.NUMBER: POLICY_KNOWN,
            Seen.ALIAS: POLICY_KNOWN,
            Seen.NAME: POLICY_KNOWN,
            Seen.CLOSE: POLICY_CLOSE,
            Seen.SHARED: POLICY_SHARED,
        }.get(level, POLICY_LIKE)

    @staticmethod
    def _combination_confidence(level: Seen, *, several: bool) -> int:
        if several:
            return min(COMBINATION_SEVERAL, COMBINATION_LIKE if level < Seen.SHARED else 100)
        return {
            Seen.NUMBER: COMBINATION_KNOWN,
            Seen.ALIAS: COMBINATION_KNOWN,
            Seen.NAME: COMBINATION_KNOWN,
            Seen.CLOSE: COMBINATION_CLOSE,
            Seen.SHARED: COMBINATION_SHARED,
        }.get(level, COMBINATION_LIKE)

    def _combination(
        self, open_items: list[OpenItem], policy: Policy
    ) -> tuple[list[OpenItem] | None, bool]:
        """A set of 2..5 items adding up to the payment, and whether other sets do too.

        Sets that differ only by items of equal amounts count as one (the policy picks which).
        Bounded: the 20 items first in the policy's order that owe less than the payment, and at
        most 20,000 steps of search.
        """
        book = self.book
        opened = book._open
        target = self.payment
        pool = [
            item
            for item in policy_order(open_items, policy, today=book.today)
            if opened[item.id] < target
        ][:COMBINATION_CANDIDATES]
        if len(pool) < 2:
            return None, False
        pool.sort(key=lambda item: -opened[item.id])
        amounts = [opened[item.id] for item in pool]
        signatures: dict[tuple[int, ...], list[int]] = {}
        steps = 0

        def search(start: int, left: int, taken: list[int]) -> bool:
            nonlocal steps
            for i in range(start, len(amounts)):
                steps += 1
                if steps > COMBINATION_BUDGET or len(signatures) > 1:
                    return False
                amount = amounts[i]
                if amount > left:
                    continue
                if amount == left:
                    if len(taken) >= 1:
                        chosen = [*taken, i]
                        signature = tuple(sorted(amounts[j] for j in chosen))
                        signatures.setdefault(signature, chosen)
                    continue
                if (
                    len(taken) + 1 < COMBINATION_ITEMS
                    and sum(amounts[i + 1 : i + 1 + COMBINATION_ITEMS - len(taken) - 1])
                    >= left - amount
                ):
                    taken.append(i)
                    search(i + 1, left - amount, taken)
                    taken.pop()
            return True

        search(0, target, [])
        if not signatures:
            return None, False
        signature = next(iter(signatures))
        # the items of each amount the policy reaches first
        order = policy_order(pool, policy, today=book.today)
        chosen: list[OpenItem] = []
        for amount in signature:
            chosen.append(
                next(item for item in order if opened[item.id] == amount and item not in chosen)
            )
        chosen.sort(key=order.index)
        return chosen, len(signatures) > 1 or steps > COMBINATION_BUDGET

    # -- nobody known -------------------------------------------------------------------------

    def _amount_only(self) -> Hypothesis | None:
        book = self.book
        same = book._by_amount.get(self.payment, set())
        if len(same) != 1:
            return None
        item = book.items[next(iter(same))]
        said = ", ".join(r.mention.written for r in self.readings)
        clauses = [
            f"{said} in the remittance names no open item" if said else "no reference",
            f"the payer {self.payer} is not a known customer" if self.payer else "no payer",
            f"{item.number} of {book.describe(item.customer_id)} is the only open item of "
            f"{money(self.payment)}",
        ]
        return Hypothesis(
            item.customer_id,
            (Allocation(item.id, from_cents(self.payment)),),
            0,
            AMOUNT_ONLY,
            "amount_one",
            clauses,
            frozenset({item.id}),
            True,
        )

    # -- deciding -----------------------------------------------------------------------------

"""Hypotheses from the documents a remittance names: invoice numbers, typos and all."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import product

from .allocation import Allocation, OpenItem, allocate, from_cents, to_cents
from .evidence import (
    CAP_CONFLICT,
    CAP_DOUBT,
    CAP_OTHER_CUSTOMER,
    COMMON_AMOUNT,
    EXACT_FITS,
    EXACT_FITS_UNVOUCHED,
    EXACT_SHORT_CLOSE,
    EXACT_SHORT_KNOWN,
    EXACT_SHORT_LIKE,
    EXACT_SHORT_UNKNOWN,
    FUZZY_FITS_ALONE,
    FUZZY_FITS_AMBIGUOUS,
    FUZZY_FITS_KNOWN,
    FUZZY_FITS_LIKE,
    FUZZY_FITS_WITH_EXACT,
    FUZZY_UNFIT,
    FUZZY_UNFIT_KNOWN,
    KIND_WORDS,
    KNOWN,
    PAID_UNKNOWN,
    SHORT_NUMBER_FITS_CLOSE,
    SHORT_NUMBER_FITS_KNOWN,
    SHORT_NUMBER_FITS_LIKE,
    SHORT_NUMBER_UNFIT,
    SHORT_NUMBER_UNFIT_KNOWN,
    Candidate,
    Clue,
    Evidence,
    Hypothesis,
    Seen,
    Who,
    money,
    plainly,
)
from .numbers import Mention, describe_edit, key_of, within


class Documents(Evidence):
    """The customer's documents the remittance names, and how sure that reading is."""

    def _owners(self, *, fuzzy: bool) -> list[int]:
        """The customers whose documents the remittance may name."""
        book = self.book
        owners: dict[int, None] = {}
        for reading in self.readings:
            if reading.mention.shape == "short":
                continue
            for candidate in reading.exact:
                owners[book.items[candidate.item_id].customer_id] = None
            if fuzzy:
                target = self.target(reading)
                for candidate in self.near(reading):
                    customer_id = book.items[candidate.item_id].customer_id
                    fits = target is not None and book._open[candidate.item_id] == target
                    if fits or customer_id in self.who:
                        owners[customer_id] = None
        if fuzzy and any(r.mention.shape == "short" for r in self.readings):
            for customer_id, evidence in self.who.items():
                if evidence.level >= Seen.LIKE:
                    owners[customer_id] = None
        return list(owners)

    # -- a customer's documents named in the remittance ------------------------------------------

    def _choose(
        self, reading: Clue, customer_id: int, *, fuzzy: bool
    ) -> tuple[list[Candidate], bool]:
        """The customer's items this mention may mean, best first; and whether in doubt."""
        book = self.book
        items, opened = book.items, book._open
        exact = [
            c for c in reading.exact if items[c.item_id].customer_id == customer_id and not c.edit
        ]
        other = [c for c in reading.exact if items[c.item_id].customer_id == customer_id and c.edit]
        if fuzzy:
            other += [c for c in self.near(reading) if items[c.item_id].customer_id == customer_id]
        exact = [c for c in exact if opened[c.item_id] > 0]
        other = [c for c in other if opened[c.item_id] > 0]
        target = self.target(reading)

        def fitting(group: list[Candidate]) -> list[Candidate]:
            return [c for c in group if target is not None and opened[c.item_id] == target]

        if fitting(exact):
            chosen = fitting(exact)
            return chosen, len(chosen) > 1
        if fitting(other):
            chosen = fitting(other)
            # an exact reading that does not fit stands against a typo reading that does
            return chosen + exact, len(chosen) > 1 or bool(exact)
        if exact:
            return exact + other, len(exact) > 1 or (target is not None and bool(other))
        return other, len(other) > 1

    def _by_reference(self, customer_id: int, *, fuzzy: bool) -> Hypothesis | None:
        book = self.book
        opened = book._open
        evidence = self.seen(customer_id)
        choices: list[list[Candidate]] = []
        doubt = False
        unread: list[Clue] = []
        paid: list[int] = []
        for reading in self.readings:
            if reading.mention.shape == "short" and evidence.level < Seen.LIKE:
                continue
            options, unsure = self._choose(reading, customer_id, fuzzy=fuzzy)
            # a number that is exactly one of the customer's paid items: a second payment?
            paid.extend(
                c.item_id
                for c in reading.exact
                if book.items[c.item_id].customer_id == customer_id
                and opened[c.item_id] <= 0
                and not c.short
                and not c.edit
            )
            if options:
                choices.append(options[:4])
                doubt = doubt or unsure
            else:
                unread.append(reading)
        if not choices and not paid:
            return None
        picked = [options[0] for options in choices]
        if choices and self._sum(picked) != self.payment and len(choices) > 1:
            picked, doubt = self._fit_sum(choices, picked, doubt)
        chosen: dict[int, Candidate] = {}
        for candidate in picked:
            chosen.setdefault(candidate.item_id, candidate)
        if not chosen:
            return self._already_paid(customer_id, paid, evidence)
        return self._reference_hypothesis(customer_id, chosen, evidence, doubt, unread, paid)

    def _sum(self, picked: Sequence[Candidate]) -> int:
        unique = {c.item_id for c in picked}
        return sum(self.book._open[i] for i in unique)

    def _fit_sum(
        self, choices: list[list[Candidate]], picked: list[Candidate], doubt: bool
    ) -> tuple[list[Candidate], bool]:
        """Another choice per mention whose open amounts add up to the payment, if one does."""
        size = 1
        for options in choices:
            size *= len(options)
        if size > 256:
            return picked, doubt
        fitting = [
            list(combo)
            for combo in product(*choices)
            if len({c.item_id for c in combo}) == len(combo) and self._sum(combo) == self.payment
        ]
        if len(fitting) == 1:
            return fitting[0], doubt or fitting[0] != picked
        return picked, doubt or len(fitting) > 1

    def _reference_hypothesis(
        self,
        customer_id: int,
        chosen: dict[int, Candidate],
        evidence: Who,
        doubt: bool,
        unread: list[Clue],
        paid: list[int],
    ) -> Hypothesis:
        book = self.book
        opened = book._open
        items = [book.items[i] for i in chosen]
        owed = sum(opened[i] for i in chosen)
        mention_of = self._mentions_of(chosen)
        lines = [mention_of[i].amount for i in chosen]
        allocations: tuple[Allocation, ...]
        if all(a is not None for a in lines) and sum(a or 0 for a in lines) == self.payment:
            allocations = tuple(
                Allocation(i, from_cents(min(opened[i], a or 0)))
                for i, a in zip(chosen, lines, strict=True)
                if min(opened[i], a or 0) > 0
            )
            applied = sum(to_cents(a.amount) for a in allocations)
            unapplied = self.payment - applied
            fits = all(opened[i] == a for i, a in zip(chosen, lines, strict=True))
            amount_clause = (
                self._fit_clause(items, owed)
                if fits
                else f"applied as the remittance lines say ({money(self.payment)})"
                + (
                    f"; {money(unapplied)} more than the items owe stays on account"
                    if unapplied
                    else ""
                )
            )
        else:
            allocations, left = allocate(
                from_cents(self.payment),
                items,
                book.policy_of(customer_id),
                today=book.today,
                instruction=[item.number for item in items],
            )
            unapplied = to_cents(left)
            fits = owed == self.payment
            amount_clause = self._fit_clause(items, owed)
        fuzzy = any(c.edit for c in chosen.values())
        short = any(c.short for c in chosen.values())
        level = evidence.level
        if not fuzzy and not short:
            if fits:
                confidence = EXACT_FITS
            elif level >= KNOWN:
                confidence = EXACT_SHORT_KNOWN
            elif level == Seen.CLOSE:
                confidence = EXACT_SHORT_CLOSE
            elif level >= Seen.LIKE:
                confidence = EXACT_SHORT_LIKE
            else:
                confidence = EXACT_SHORT_UNKNOWN
        elif not fuzzy:
            if fits:
                confidence = (
                    SHORT_NUMBER_FITS_KNOWN
                    if level >= KNOWN
                    else SHORT_NUMBER_FITS_CLOSE
                    if level == Seen.CLOSE
                    else SHORT_NUMBER_FITS_LIKE
                )
            else:
                confidence = SHORT_NUMBER_UNFIT_KNOWN if level >= KNOWN else SHORT_NUMBER_UNFIT
        elif fits:
            exact_too = any(not c.edit and not c.short for c in chosen.values())
            if level >= Seen.CLOSE:
                confidence = FUZZY_FITS_KNOWN
            elif exact_too:
                confidence = FUZZY_FITS_WITH_EXACT
            elif level >= Seen.LIKE:
                confidence = FUZZY_FITS_LIKE
            elif self._alone_within_a_typo(chosen):
                confidence = FUZZY_FITS_ALONE
            else:
                confidence = FUZZY_FITS_AMBIGUOUS
        elif level >= Seen.CLOSE:
            confidence = FUZZY_UNFIT_KNOWN
        else:
            confidence = FUZZY_UNFIT
        clauses = [self._named_clause(chosen, mention_of), amount_clause]
        if evidence.clause:
            clauses.append(evidence.clause)
        hypothesis = Hypothesis(
            customer_id,
            allocations,
            unapplied,
            confidence,
            "invoice_number_fuzzy" if fuzzy else "invoice_number",
            clauses,
            frozenset(chosen),
            fits,
        )
        if doubt:
            hypothesis.cap(CAP_DOUBT, "another of the customer's items could be the one meant")
        # One document read exactly, owing a common amount, and no payer to vouch for it: a typo
        # (or two) landing on it cannot be told apart. Two documents that tie out cannot both.
        alone = len(chosen) == 1
        unvouched = not fuzzy and fits and alone and level == Seen.NONE
        if unvouched and self._common_target(chosen, mention_of):
            hypothesis.cap(
                EXACT_FITS_UNVOUCHED,
                "nobody vouches for the customer and many items owe that amount",
            )
        if not fuzzy and not fits and alone:
            other = self._fitting_other(chosen, mention_of, level)
            if other:
                hypothesis.cap(
                    CAP_DOUBT, f"{other}, also read from what was written, owes the payment exactly"
                )
        if not fuzzy and fits and alone:
            twin = self._own_twin(chosen, mention_of)
            if not twin and level < Seen.CLOSE:
                twin = self._typo_twin(chosen, mention_of, level)
            if twin:
                hypothesis.cap(
                    CAP_DOUBT, f"{twin}, one typo from what was written, owes the same amount"
                )
        if fuzzy:
            for item_id, candidate in chosen.items():
                owner = self._exact_elsewhere_fits(mention_of[item_id]) if candidate.edit else None
                if owner is not None:
                    hypothesis.cap(
                        CAP_DOUBT if owner == customer_id else CAP_OTHER_CUSTOMER,
                        f"{mention_of[item_id].written} as written is another item of that amount"
                        + ("" if owner == customer_id else f", of {book.describe(owner)}"),
                    )
            if fits:
                sibling = self._sibling_two_typos_away(chosen, mention_of)
                if sibling:
                    hypothesis.cap(
                        CAP_DOUBT,
                        f"{sibling}, owing the same, is two typos from what was written",
                    )
        for reading in unread:
            hypothesis.cap(*self._unread_cap(reading, customer_id, fits))
        for item_id in paid:
            hypothesis.cap(CAP_DOUBT, f"{book.items[item_id].number} is already paid")
        conflict = self.conflict(customer_id)
        if conflict:
            hypothesis.cap(CAP_CONFLICT, conflict)
        return hypothesis

    def _unread_cap(self, reading: Clue, customer_id: int, fits: bool) -> tuple[int, str]:
        book = self.book
        owners = {
            book.items[c.item_id].customer_id for c in reading.exact if not c.short and not c.edit
        }
        owners.discard(customer_id)
        written = reading.mention.written
        if reading.mention.shape == "short":
            return 100, ""
        if owners:
            other = book.describe(sorted(owners)[0])
            if fits:
                return 100, f"{written} in the remittance is an item of {other}, left aside"
            return CAP_OTHER_CUSTOMER, f"{written} in the remittance is an item of {other}"
        if fits:
            return 100, ""
        return CAP_DOUBT, f"{written} in the remittance names no open item"

    def _common_target(self, chosen: dict[int, Candidate], mention_of: dict[int, Mention]) -> bool:
        """Every item read owes its target, and each target is an amount many items owe."""
        for item_id in chosen:
            reading = next(r for r in self.readings if r.mention is mention_of[item_id])
            target = self.target(reading)
            if target is None or len(self.book._by_amount.get(target, ())) <= COMMON_AMOUNT:
                return False
        return True

    def _typo_twin(
        self, chosen: dict[int, Candidate], mention_of: dict[int, Mention], level: Seen
    ) -> str:
        """An item one typo from a number read exactly that owes the same common amount.

        A typo in a dense numbering usually lands on another real number; when the amount is
        one many items owe and the payer's name does not settle it, the exact reading may be
        that typo, and the item one typo away the one meant. A twin whose customer the payer is
        less like than the one read does not count.
        """
        book = self.book
        for item_id in chosen:
            mention = mention_of[item_id]
            reading = next(r for r in self.readings if r.mention is mention)
            target = self.target(reading)
            if target is None or len(book._by_amount.get(target, ())) <= COMMON_AMOUNT:
                continue
            for candidate in self.near(reading):
                if candidate.item_id == item_id or book._open[candidate.item_id] != target:
                    continue
                owner = book.items[candidate.item_id].customer_id
                if level > Seen.NONE and self.seen(owner).level < level:
                    continue
                return book.items[candidate.item_id].number
        return ""

    def _fitting_other(
        self, chosen: dict[int, Candidate], mention_of: dict[int, Mention], level: Seen
    ) -> str:
        """Another item the number may be read as (another prefix, one typo) owing the payment.

        A short or over pay of the item read is then one reading, and that item another; unless
        the payer is clearly the customer read and the other item another customer's.
        """
        book = self.book
        for item_id in chosen:
            owner = book.items[item_id].customer_id
            clue = next(r for r in self.readings if r.mention is mention_of[item_id])
            target = self.target(clue)
            if target is None:
                continue
            for candidate in [*clue.exact, *self.near(clue)]:
                other = candidate.item_id
                if other == item_id or book._open[other] != target:
                    continue
                customer = book.items[other].customer_id
                if customer != owner and level >= Seen.CLOSE and self.seen(customer).level < level:
                    continue
                return book.items[other].number
        return ""

    def _own_twin(self, chosen: dict[int, Candidate], mention_of: dict[int, Mention]) -> str:
        """Another item of the same customer, owing the same, one typo from what was written.

        A customer billed the same every month has items the amount cannot tell apart; a typo in
        the number of one can be exactly the number of another.
        """
        book = self.book
        for item_id in chosen:
            owner = book.items[item_id].customer_id
            for other in book.owing(owner, book._open[item_id]):
                key = key_of(book.items[other].number)
                written = mention_of[item_id].keys
                if other != item_id and key and any(describe_edit(w, key) for w in written):
                    return book.items[other].number
        return ""

    def _sibling_two_typos_away(
        self, chosen: dict[int, Candidate], mention_of: dict[int, Mention]
    ) -> str:
        """Another item of the customer owing the same as a typo reading, two typos away.

        Two typos in one number are rarer than one, but when they can have made the number from
        an item owing exactly what the typo reading owes, the amount cannot tell them apart.
        """
        book = self.book
        for item_id, candidate in chosen.items():
            if not candidate.edit:
                continue
            owner = book.items[item_id].customer_id
            for other in book.owing(owner, book._open[item_id]):
                if other == item_id:
                    continue
                key = key_of(book.items[other].number)
                if key and any(within(written, key, 2) for written in mention_of[item_id].keys):
                    return book.items[other].number
        return ""

    def _exact_elsewhere_fits(self, mention: Mention) -> int | None:
        """The customer of the item the number names exactly, when it owes the target amount."""
        target = mention.amount if mention.amount is not None else self.payment
        for reading in self.readings:
            if reading.mention is mention:
                for c in reading.exact:
                    if not c.edit and self.book._open[c.item_id] == target:
                        return self.book.items[c.item_id].customer_id
        return None

    def _alone_within_a_typo(self, chosen: dict[int, Candidate]) -> bool:
        """Each typo reading is the only item of its amount within one typo of what was written."""
        opened = self.book._open
        for item_id, candidate in chosen.items():
            if not candidate.edit:
                continue
            reading = next(
                (r for r in self.readings if any(c.item_id == item_id for c in self.near(r))),
                None,
            )
            if reading is None:
                return False
            target = self.target(reading)
            if target is None:
                return False
            fitting = [c for c in reading.exact + self.near(reading) if opened[c.item_id] == target]
            if len(fitting) != 1:
                return False
            if len(self.book._by_amount.get(target, ())) > COMMON_AMOUNT:
                return False  # a common amount: a second typo could land here by chance
            if any(opened[c.item_id] > 0 for c in reading.exact if not c.edit):
                return False  # as written it is another open item, perhaps paid short
        return True

    def _mentions_of(self, chosen: dict[int, Candidate]) -> dict[int, Mention]:
        found: dict[int, Mention] = {}
        for reading in self.readings:
            for candidate in [*reading.exact, *(reading.near or [])]:
                if candidate.item_id in chosen and candidate.item_id not in found:
                    found[candidate.item_id] = reading.mention
        return found

    def _named_clause(self, chosen: dict[int, Candidate], mention_of: dict[int, Mention]) -> str:
        book = self.book
        parts = []
        for item_id, candidate in chosen.items():
            item = book.items[item_id]
            mention = mention_of[item_id]
            notes = [*mention.fixes]
            if candidate.edit:
                notes.append(candidate.edit)
            if candidate.short:
                notes.append("the sequence number alone")
            text = item.number
            if notes or plainly(mention.written) != plainly(item.number):
                detail = f": {', '.join(notes)}" if notes else ""
                text += f" (written {mention.written}{detail})"
            if mention.line is not None:
                text += f" on line {mention.line}"
            parts.append((item.kind, text))
        kinds = {kind for kind, _ in parts}
        if len(parts) == 1:
            word = KIND_WORDS.get(parts[0][0], ("Item", "Items"))[0]
        elif len(kinds) == 1:
            word = KIND_WORDS.get(parts[0][0], ("Item", "Items"))[1]
        else:
            word = "Items"
        return f"{word} {', '.join(text for _, text in parts)} named in the remittance"

    def _fit_clause(self, items: Sequence[OpenItem], owed: int) -> str:
        paid = self.payment
        its = "its open amount" if len(items) == 1 else "their open amounts"
        if paid == owed:
            return f"the payment equals {its}, {money(owed)}"
        if paid < owed:
            return (
                f"the payment of {money(paid)} is short of {its}, {money(owed)}, "
                f"so {money(owed - paid)} stays open"
            )
        return (
            f"the payment of {money(paid)} is more than {its}, {money(owed)}; "
            f"{money(paid - owed)} stays on account"
        )

    def _already_paid(self, customer_id: int, paid: list[int], evidence: Who) -> Hypothesis:
        numbers = ", ".join(self.book.items[i].number for i in paid)
        clauses = [
            f"{numbers} named in the remittance is already paid; a second payment? "
            f"{money(self.payment)} stays on account"
        ]
        if evidence.clause:
            clauses.append(evidence.clause)
        # only a second reading when the customer is known: the number may be a typo
        confidence = CAP_DOUBT if evidence.level >= Seen.CLOSE else PAID_UNKNOWN
        hypothesis = Hypothesis(
            customer_id, (), self.payment, confidence, "invoice_number", clauses, frozenset()
        )
        conflict = self.conflict(customer_id)
        if conflict:
            hypothesis.cap(CAP_CONFLICT, conflict)
        return hypothesis

    # -- a known customer, no document named --------------------------------------------------

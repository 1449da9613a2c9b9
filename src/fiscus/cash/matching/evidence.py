"""What one remittance says: the documents it names and the customers it points to.

`Evidence` reads a remittance once (numbers.py, names.py) and answers the questions every rule
asks: how the payment names a customer (`seen`), whether it clearly comes from another one
(`conflict`), which items a written number may mean (`near`), what amount a named item should
owe (`target`). The confidence values the rules give are here too; the package docstring says
why each is where it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING

from .allocation import Allocation, to_cents
from .numbers import Mention, Reading, prefix_of
from .records import Remittance

if TYPE_CHECKING:
    from .engine import Book

# Confidence, in hundredths.
# Confidence, in hundredths. Read the package docstring for why each value is where it is.
EXACT_FITS = 99  # an exact number whose open amount is the payment
EXACT_FITS_UNVOUCHED = 88  # ... but an amount many items owe, and no payer to vouch for it
EXACT_SHORT_KNOWN = 95  # an exact number, paid short or over, by the customer named or numbered
EXACT_SHORT_CLOSE = 93  # ... by a payer close to the customer's name
EXACT_SHORT_LIKE = 85  # ... by a payer only somewhat like it
EXACT_SHORT_UNKNOWN = 80  # ... by nobody known: a typo can land on another real number
SHORT_NUMBER_FITS_KNOWN = 96  # "#123" of the known customer, amount equal
SHORT_NUMBER_FITS_CLOSE = 93
SHORT_NUMBER_FITS_LIKE = 86
SHORT_NUMBER_UNFIT_KNOWN = 85  # ... paid short: a stray number (a check's) could be one of theirs
SHORT_NUMBER_UNFIT = 80
FUZZY_FITS_KNOWN = 97  # one typo away, amount equal, payer is the customer (close or better)
FUZZY_FITS_WITH_EXACT = 95  # ... with another number of the same customer's, exactly
FUZZY_FITS_LIKE = 93  # ... payer somewhat like the customer or sharing its name
FUZZY_FITS_ALONE = 91  # ... nobody known, but the only item within one typo of that amount
FUZZY_FITS_AMBIGUOUS = 75
FUZZY_UNFIT_KNOWN = 85  # one typo away, paid short or over: a typo reading needs the amount
FUZZY_UNFIT = 60
AMOUNT_ONE_KNOWN = 96  # no reference; the customer is certain; one open item of that amount
AMOUNT_ONE_CLOSE = 93  # ... payer close to the name, the amount rare in the book
AMOUNT_ONE_CLOSE_COMMON = 91  # ... payer close to the name, an amount many items share
AMOUNT_ONE_SHARED = 91  # ... payer shares the name with other customers
AMOUNT_ONE_LIKE = 80
COMBINATION_KNOWN = 94  # no reference; a unique set of open items adds up to the payment
COMBINATION_CLOSE = 91
COMBINATION_SHARED = 80
COMBINATION_LIKE = 78
COMBINATION_SEVERAL = 80
POLICY_KNOWN = 92  # no reference, no amount match: the customer is certain, the policy decides
POLICY_CLOSE = 80
POLICY_SHARED = 70
POLICY_LIKE = 60
AMOUNT_ONLY = 50  # nobody known; the only open item in the book of that amount
PAID_UNKNOWN = 70  # the number is of an item already paid, the payer unknown
CAP_CONFLICT = 60  # the payer is clearly another customer
CAP_OTHER_CUSTOMER = 55  # the text names another customer's document exactly
CAP_DOUBT = 85  # a second reading, an unread number, an already paid document
CAP_RIVAL = 80  # two readings that would each have been applied
CAP_WAITING = 85  # chosen by amount or policy, an item an earlier payment waiting for a clerk names

RIVAL_FLOOR = 85
COMMON_AMOUNT = 3  # more open items than this share the amount: it is a common amount
COMBINATION_ITEMS = 5
COMBINATION_CANDIDATES = 20
COMBINATION_BUDGET = 20_000
CLOSE_SCORE = 0.85
CLOSE_MARGIN = 0.10
LIKE_SCORE = 0.60

KIND_WORDS = {
    "invoice": ("Invoice", "Invoices"),
    "debit_memo": ("Debit memo", "Debit memos"),
    "fee": ("Fee", "Fees"),
    "finance_charge": ("Finance charge", "Finance charges"),
    "opening_balance": ("Opening balance", "Opening balances"),
}


class Seen(IntEnum):
    """How the payment names a customer, weakest first."""

    NONE = 0
    LIKE = 1  # the payer's name is somewhat like the customer's
    SHARED = 2  # the payer's name is the customer's, and other customers' too
    CLOSE = 3  # the payer's name is close to the customer's, and clearly to no other
    NAME = 4  # the payer's name is the customer's, and no other customer's
    ALIAS = 5  # the payer's name is an alias a clerk taught
    NUMBER = 6  # the customer number is given


KNOWN = Seen.NAME  # from here up the customer is certain


@dataclass(frozen=True)
class Who:
    level: Seen
    clause: str


@dataclass(frozen=True)
class Candidate:
    item_id: int
    edit: str  # "" when the number is exactly the item's
    short: bool = False  # found by its sequence alone ("#123")


@dataclass
class Clue:
    mention: Mention
    exact: list[Candidate]
    near: list[Candidate] | None = None  # computed only when needed


@dataclass
class Hypothesis:
    customer_id: int | None
    allocations: tuple[Allocation, ...]
    unapplied: int
    confidence: int
    rule: str
    clauses: list[str]
    items: frozenset[int] = field(default_factory=frozenset)
    fits: bool = False

    def cap(self, ceiling: int, clause: str) -> None:
        if self.confidence > ceiling:
            self.confidence = ceiling
        if clause and clause not in self.clauses:
            self.clauses.append(clause)


def money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}${cents // 100:,}.{cents % 100:02d}"


def plainly(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def sentence(clauses: Sequence[str]) -> str:
    text = "; ".join(clause for clause in clauses if clause)
    return text[:1].upper() + text[1:] + "."


class Evidence:
    """One remittance being matched: what it says and whom it points to."""

    def __init__(self, book: Book, remittance: Remittance, payment: int) -> None:
        self.book = book
        self.remittance = remittance
        self.payment = payment
        self.payer = " ".join(remittance.payer.split())
        self.notes: list[str] = []
        self.reading = self._read()
        self.readings = [Clue(m, self._exact_candidates(m)) for m in self.reading.mentions]
        self.who = self._who()
        self._pairwise: dict[int, Who] = {}

    # -- what the remittance says ---------------------------------------------------------------

    def _read(self) -> Reading:
        numbers = self.book.numbers
        r = self.remittance
        merged = Reading()
        for n, line in enumerate(r.lines, start=1):
            amount = None
            if line.amount is not None:
                try:
                    amount = to_cents(line.amount)
                except ValueError:
                    amount = None
            part = numbers.read(line.invoice_number, amount=amount, line=n)
            if len(part.mentions) > 1:  # the line's amount belongs to no one number
                part = numbers.read(line.invoice_number, line=n)
            merged.mentions.extend(part.mentions)
            merged.customers.extend(part.customers)
            if line.customer_number.strip():
                self._customer_number(line.customer_number, merged, f"line {n}")
        if r.customer_number.strip():
            self._customer_number(r.customer_number, merged, "")
        for text in (r.reference, r.text):
            part = numbers.read(text)
            merged.mentions.extend(part.mentions)
            merged.customers.extend(part.customers)
        # the same number written twice is read once; "INV-2026-000123" and "DM-2026-000123" are
        # two numbers, and "2026-000123" beside either is the same one again
        seen: set[tuple[object, ...]] = set()
        prefixed = {m.keys for m in merged.mentions if m.prefix and m.shape == "full"}
        unique: list[Mention] = []
        for mention in merged.mentions:
            key = (
                mention.shape,
                mention.prefix,
                mention.keys or mention.legacy or mention.sequence,
            )
            again = mention.shape == "full" and not mention.prefix and mention.keys in prefixed
            if key in seen or again:
                continue
            seen.add(key)
            unique.append(mention)
        merged.mentions = unique
        return merged

    def _customer_number(self, written: str, reading: Reading, where: str) -> None:
        owner = self.book.numbers.customer(written)
        if owner is None:
            place = f" on {where}" if where else ""
            self.notes.append(f"customer number {written.strip()}{place} is not known")
        else:
            reading.customers.append((owner, written.strip()))

    def _who(self) -> dict[int, Who]:
        book = self.book
        who: dict[int, Who] = {}

        def better(customer_id: int, level: Seen, clause: str) -> None:
            if customer_id not in who or who[customer_id].level < level:
                who[customer_id] = Who(level, clause)

        for customer_id, written in self.reading.customers:
            customer = book.customers[customer_id]
            better(
                customer_id,
                Seen.NUMBER,
                f"customer number {written} is {customer.name} ({customer.number})",
            )
        if not self.payer:
            return who
        found = book.names.lookup(self.payer)
        if found.exact:
            # a near namesake ("Laura C. Richardson" for "LAURA RICHARDSON") shares the name
            near = [c for c, score in found.close if c not in found.exact and score >= CLOSE_SCORE]
            sharing = len(found.exact) + len(near)
            for customer_id in near:
                better(
                    customer_id,
                    Seen.SHARED,
                    f"the payer {self.payer} is close to {book.describe(customer_id)} too",
                )
            for customer_id, alias in found.exact.items():
                described = book.describe(customer_id)
                if alias and sharing == 1:
                    better(
                        customer_id,
                        Seen.ALIAS,
                        f"the payer {self.payer} is a learned alias of {described}",
                    )
                elif sharing == 1:
                    better(customer_id, Seen.NAME, f"the payer {self.payer} is {described}")
                else:
                    better(
                        customer_id,
                        Seen.SHARED,
                        f"the payer {self.payer} is the name of {sharing} customers, "
                        f"{described} among them",
                    )
            return who
        close = [pair for pair in found.close if pair[1] >= LIKE_SCORE]
        for rank, (customer_id, score) in enumerate(close[:3]):
            described = book.describe(customer_id)
            clear = rank == 0 and (len(close) == 1 or score - close[1][1] >= CLOSE_MARGIN)
            if score >= CLOSE_SCORE and clear:
                better(customer_id, Seen.CLOSE, f"the payer {self.payer} resembles {described}")
            else:
                better(
                    customer_id, Seen.LIKE, f"the payer {self.payer} is somewhat like {described}"
                )
        return who

    def seen(self, customer_id: int) -> Who:
        """The evidence for a customer: from the lookup, else the payer against its names."""
        if customer_id in self.who:
            return self.who[customer_id]
        if customer_id not in self._pairwise:
            level, clause = Seen.NONE, ""
            if self.payer:
                score = self.book.names.similarity(self.payer, customer_id)
                described = self.book.describe(customer_id)
                if score >= CLOSE_SCORE:
                    level, clause = Seen.CLOSE, f"the payer {self.payer} resembles {described}"
                elif score >= LIKE_SCORE:
                    level = Seen.LIKE
                    clause = f"the payer {self.payer} is somewhat like {described}"
            self._pairwise[customer_id] = Who(level, clause)
        return self._pairwise[customer_id]

    def conflict(self, customer_id: int) -> str:
        """A clause when the payment clearly comes from another customer, else "".

        Another customer's number is given, not this one's; or the payer's name is exactly
        (or clearly) another customer's and at most somewhat like this one's.
        """
        mine = self.seen(customer_id).level
        for other, evidence in self.who.items():
            if other == customer_id:
                continue
            if (evidence.level == Seen.NUMBER and mine < Seen.NUMBER) or (
                evidence.level >= Seen.SHARED and mine <= Seen.LIKE
            ):
                return (
                    f"but {evidence.clause}, another customer: a payment for someone else's "
                    "item, for a clerk to confirm"
                )
        return ""

    # -- candidates -----------------------------------------------------------------------------

    def _exact_candidates(self, mention: Mention) -> list[Candidate]:
        numbers = self.book.numbers
        found = []
        items = self.book.items
        for item_id in numbers.exact(mention):
            edit = ""
            if mention.shape == "full" and mention.prefix:
                prefix = prefix_of(items[item_id].number)
                if prefix != mention.prefix:
                    edit = f"{mention.prefix} written for {prefix}"
            found.append(Candidate(item_id, edit, short=mention.shape == "short"))
        return found

    def near(self, reading: Clue) -> list[Candidate]:
        if reading.near is None:
            numbers = self.book.numbers
            mention = reading.mention
            near = []
            if mention.shape == "full":
                items = self.book.items
                for item_id, edit in numbers.near(mention):
                    if mention.prefix and prefix_of(items[item_id].number) != mention.prefix:
                        continue  # a typo and another prefix: two differences
                    near.append(Candidate(item_id, edit))
            reading.near = near
        return reading.near

    def target(self, reading: Clue) -> int | None:
        """The amount the mention's item should owe: its line's, or the payment when alone."""
        if reading.mention.amount is not None:
            return reading.mention.amount
        documents = [r for r in self.readings if r.mention.shape != "short"]
        if len(self.readings) == 1 or (len(documents) == 1 and reading is documents[0]):
            return self.payment
        return None

    # -- running --------------------------------------------------------------------------------

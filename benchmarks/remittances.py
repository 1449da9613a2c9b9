"""Noisy remittances with ground truth, for the cash-application engine (fiscus.cash.matching).

`python -m benchmarks.remittances [--customers 5000] [--payments 10000] [--seed 7]
[--mix realistic|harsh|both] [--threshold 0.90] [--sweep 0.80,0.85]` builds a world, runs the
pure engine over every payment in order and prints auto-applied %, suggestions %, unmatched %,
precision, recall, the wrong applications, the time to build the book and to match, and a line
per case. The database bench (import, apply) can call `generate` and `evaluate` the same way.

The world. Customers are people (40 %), businesses (45 %), public agencies (10 %) and clubs (5 %),
drawn from common names, so namesakes exist ("Maria Garcia" twice, "Paul Wood" beside "Paul E.
Woods") and businesses look alike ("Garcia Plumbing Inc." beside "Garcia Plumbing & Heating").
Names other than people's are unique. 8 % of businesses have a learned alias (a bank's short
form, or a trade name), 3 % of customers their own allocation policy. About ten open items a
customer on average: a few for most, hundreds for a few big accounts; 85 % invoices, then fees,
finance charges, debit memos, and opening balances with the old system's numbers ("W-10234").
Numbers are dense and interleaved (INV-2025-000001 ... in date order across all customers, two
years of them), so a typo usually lands on another real number. A third of invoice amounts are
standard fees (25.00, 50.00, 100.00 ...), and 15 % of customers are billed the same amount every
month, so amounts repeat within and across customers. 5 % of the items over $200 are partly paid.

Ground truth (`Truth`) is what a careful clerk would do with the payment, and whether the clerk
could do it from what the remittance says (`expect="apply"`) or would have to look further
(`expect="review"`): a payment for someone else's invoice, a payment with neither a reference nor
a payer name, an unknown payer, a second payment of an invoice already paid, a combination more
than one set of items makes, a number with two typos whose amount several of the customer's items
owe, a name shared with another customer (the same words but for middle initials, unless the
payer writes an initial the other lacks) unless only this customer owes that rare amount. The
clerk's rules, written here independently of the engine: named documents are paid up to what
each owes, in the order named; lines with amounts that add up to the payment are followed; the
rest stays on account. With nothing named: one open item of that amount (the policy's first of
several equal ones), else the whole balance, else a set of up to 5 of the 20 items first in the
policy's order when only one such set adds up (up to equal amounts), else the customer's policy.

The noise, as percentages of payments (`REALISTIC`; `HARSH` beside it):

| case | realistic | harsh | what the remittance carries |
|---|---|---|---|
| exact | 30 | 14 | one document number exactly (written in 7 styles), the full amount |
| lines | 12 | 5 | lockbox lines: 1-4 numbers with amounts (a fifth without), customer number |
| typo | 10 | 18 | one typo: digits swapped, dropped, added, changed; O for 0, l for 1 |
| double_typo | 0 | 3 | one number with two typos (the clerk goes by name and amount) |
| listed | 7 | 8 | 2-5 numbers for one payment, a tenth with a typo in one |
| unlisted | 3 | 6 | 2-4 items paid together, or the whole balance, no reference |
| short_pay | 5 | 8 | one number, paid short |
| over_pay | 2 | 3 | one number, paid over |
| short_ref | 2 | 4 | "#123", "Inv 123": the sequence alone |
| name_only | 11 | 11 | the payer's name and an amount equal to one open item |
| customer_number | 8 | 4 | the customer number, the amount of one item or a part payment |
| on_account | 7.5 | 4 | the name as in the book, a round amount (the policy applies it) |
| someone_else | 0.5 | 4 | another customer pays this customer's invoice, named exactly |
| amount_only | 0.5 | 2 | no name, no reference; the amount of one open item |
| unknown | 0.7 | 3 | a payer who is no customer, no reference |
| duplicate | 0.3 | 2 | an invoice paid earlier in the same file, paid again |

"Realistic" means: most payments carry a reference (about 70 %), a tenth of those with a typo,
2 % of payments cannot be placed without a clerk by design. Payer names, for the payments a
customer makes itself (realistic): the name as in the book 30 %, upper case 20 %, cut by the bank
to 16-22 characters 10 %, legal form changed or dropped 12 %, abbreviated 6 %, misspelled by one
letter 7 %, a person's name reordered or initialled 5 %, a learned alias 5 %, a trade name nobody
taught yet 2 %, no name 3 %. The harsh mix has 14 % misspellings, 4 % unknown trade names and
10 % no name. A misspelling that makes another customer's exact name is drawn again: no clerk
could tell either.

Evaluation (`evaluate`): the payments are matched in order; an automatic application (confidence
at or above the threshold) is taken into the book; otherwise the simulated clerk applies the
truth before the next payment, as if working the worklist as the payments arrive, so that later
truths still hold. With `--no-clerk` nobody does, as in one database import: a payment left for
the clerk holds the items it may pay (`Book.hold`), and a later payment that would take one of
them waits too. The few truths that still assume the clerk's earlier work (an earlier payment
of the customer's that the engine suggested for another customer, or found nobody for) then
count as wrong: 3 of 10,000 on the realistic mix, seed 7.

An automatic application is correct when the truth expects "apply" and the
customer and every allocation agree to the cent; anything else applied automatically is wrong
(a payment for someone else's invoice applied to that invoice counts as wrong). Precision is
correct automatic / automatic; recall is correct automatic / payments a clerk could apply.

Results on the 2-core bench machine, 5,000 customers, about 53,000 open items, 10,000 payments,
threshold 0.90 (seeds 7, 8, 9, 14, 15; no wrong application either in 40 more runs of 4,000
payments and 78 small worlds of 600, both mixes):

| mix | auto-applied | suggestions | unmatched | precision | recall | wrong |
|---|---|---|---|---|---|---|
| realistic | 93.7-94.9 % | 4.3-5.1 % | 0.8-1.1 % | 1.0000 | 0.965-0.973 | 0 |
| harsh | 79.0-80.1 % | 15.4-16.4 % | 4.5-4.8 % | 1.0000 | 0.911-0.919 | 0 |

The 97 % target is missed on the realistic mix: about 2.8 % of its payments need a clerk by
design (someone else's invoice, amount only, unknown payer, second payment, shared names), and
the engine leaves another 2-3 % as suggestions: mostly a single exact number owing a common
amount with no payer name to vouch for it (0.88), an item owing the same one typo away (0.85),
short or over pays from nobody known (0.80), and two readings of one payment (0.80). Lowering
the threshold shows why they stay below it (seed 7): at 0.85 the realistic mix applies 96.3 %,
33 of them wrongly; at 0.80, 97.7 % with 128 wrong; the harsh mix 83.4 % with 188 wrong at 0.85.
Time: building the book takes 0.5-0.7 s (about 10 microseconds an open item), matching and
taking 10,000 payments 2.9-4 s of one core (realistic; 4.2-5.1 s harsh), on a machine shared
with other work.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import combinations

from fiscus.cash.matching import (
    THRESHOLD,
    Allocation,
    Book,
    CustomerRef,
    OpenItem,
    Policy,
    Proposal,
    Remittance,
    RemittanceLine,
    name_key,
    policy_order,
)

TODAY = date(2026, 11, 20)

REALISTIC = {
    "exact": 30.0,
    "lines": 12.0,
    "typo": 10.0,
    "double_typo": 0.0,
    "listed": 7.0,
    "unlisted": 3.0,
    "short_pay": 5.0,
    "over_pay": 2.0,
    "short_ref": 2.0,
    "name_only": 11.0,
    "customer_number": 8.0,
    "on_account": 7.5,
    "someone_else": 0.5,
    "amount_only": 0.5,
    "unknown": 0.7,
    "duplicate": 0.3,
}
HARSH = {
    "exact": 14.0,
    "lines": 5.0,
    "typo": 18.0,
    "double_typo": 3.0,
    "listed": 8.0,
    "unlisted": 6.0,
    "short_pay": 8.0,
    "over_pay": 3.0,
    "short_ref": 4.0,
    "name_only": 11.0,
    "customer_number": 4.0,
    "on_account": 4.0,
    "someone_else": 4.0,
    "amount_only": 2.0,
    "unknown": 3.0,
    "duplicate": 2.0,
}
MIXES = {"realistic": REALISTIC, "harsh": HARSH}

PAYER_REALISTIC = {
    "as_is": 30,
    "upper": 20,
    "truncated": 10,
    "legal_form": 12,
    "abbreviated": 6,
    "misspelled": 7,
    "reordered": 5,
    "alias": 5,
    "trade_name": 2,
    "missing": 3,
}
PAYER_HARSH = {
    "as_is": 20,
    "upper": 15,
    "truncated": 12,
    "legal_form": 10,
    "abbreviated": 6,
    "misspelled": 14,
    "reordered": 5,
    "alias": 4,
    "trade_name": 4,
    "missing": 10,
}
# the payer names a clerk can tell the customer by (a trade name nobody taught, or none, not)
IDENTIFYING = (
    "as_is",
    "upper",
    "truncated",
    "legal_form",
    "abbreviated",
    "misspelled",
    "reordered",
    "alias",
)


def _words(text: str, separator: str | None = None) -> tuple[str, ...]:
    return tuple(text.split(separator))


FIRST = _words(
    "James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy "
    "Matthew Betty Anthony Margaret Mark Sandra Donald Ashley Steven Kimberly Paul Emily "
    "Andrew Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Dorothy George Melissa "
    "Timothy Deborah Ronald Stephanie Edward Rebecca Jason Sharon Jeffrey Laura Ryan Cynthia "
    "Jacob Kathleen Gary Amy Nicholas Angela Eric Shirley Jonathan Anna Stephen Brenda Larry "
    "Pamela Justin Emma Scott Nicole Brandon Helen Benjamin Samantha Samuel Katherine Gregory "
    "Christine Alexander Debra Frank Rachel Patrick Carolyn Raymond Janet Jack Catherine "
    "Dennis Maria Jerry Heather Tyler Diane Aaron Ruth Jose Julie Adam Olivia Nathan Joyce "
    "Henry Virginia Douglas Victoria Zachary Kelly Peter Lauren Kyle Christina Ethan Joan "
    "Walter Evelyn Noah Judith Jeremy Megan Christian Andrea Keith Cheryl Roger Hannah Terry "
    "Jacqueline Gerald Martha Harold Gloria Sean Teresa Austin Ann Carl Sara Arthur Madison "
    "Lawrence Frances Dylan Kathryn Jesse Janice Jordan Jean Bryan Abigail Billy Alice Joe "
    "Judy Bruce Sophia Gabriel Grace Logan Denise Albert Amber Willie Doris Alan Marilyn Juan "
    "Danielle Wayne Beverly Elijah Isabella Randy Theresa Roy Diana Vincent Natalie Ralph "
    "Brittany Eugene Charlotte Russell Marie Bobby Kayla Mason Alexis Philip Lori Luis "
    "Guadalupe Carlos Rosa Miguel Ana Jorge Lucia Pedro Carmen"
)
LAST = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
    "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter "
    "Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart "
    "Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed "
    "Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray "
    "Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez "
    "Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales "
    "Fisher Vasquez Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds "
    "Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar "
    "Stevens Murray Ford Castro Marshall Owens Harrison Fernandez McDonald Woods Washington "
    "Kennedy Wells Vargas Henry Chen Freeman Webb Tucker Guzman Burns Crawford Olson Simpson "
    "Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Munoz Hunt Hicks Holmes Palmer "
    "Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice Schmidt Garza "
    "Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Kelley "
    "Spencer Hawkins Arnold Pierce Vazquez Hansen Peters Santos Hart Bradley Knight Elliott "
    "Cunningham Duncan Armstrong Hudson Carroll Lane Riley Andrews Alvarado Ray Delgado Berry "
    "Perkins Hoffman Johnston Matthews Pena Richards Contreras Willis Carpenter Lawrence "
    "Sandoval O'Brien O'Connor Nakamura Yamamoto Kowalski Nowak Schneider Novak Dubois"
)
PLACES = _words(
    "Riverside|Oak Grove|Lakeview|Cedar Falls|Pine Valley|Hillcrest|Fairview|Springfield|"
    "Maple Heights|Westfield|Bay Point|Sunnyvale|Clearwater|Brookside|Millbrook|Stonebridge|"
    "Ashland|Redwood City|Eastgate|Northridge|Southport|Glendale|Harbor View|Silver Lake|"
    "Willow Creek|Fox Run|Elmwood|Greenfield|Highland Park|Mesa Verde|Canyon Ridge|Sierra Vista|"
    "Mountain View|Long Beach|Palm Grove|Rolling Hills|Valley Center|Bridgeport|Kingston|"
    "Franklin|Madison|Lincoln|Jefferson|Monroe|Salem|Georgetown|Clayton|Dayton|Marion|Auburn",
    "|",
)
ADJECTIVES = _words(
    "Golden State|Pacific|Sierra|Summit|Valley|Premier|Allied|United|Coastal|Metro|Western|"
    "Northern|Blue Sky|Evergreen|Pioneer|Liberty|Eagle|Redwood|Cornerstone|Keystone|Heritage|"
    "Precision|Reliable|Quality|Superior|Advanced|Apex|Pinnacle|Horizon|Legacy|Patriot|Frontier",
    "|",
)
TRADES = _words(
    "Plumbing|Electric|Landscaping|Construction|Roofing|Paving|Catering|Consulting|Auto Repair|"
    "Towing|Janitorial Services|Pest Control|Engineering|Property Management|Realty|Dental Group|"
    "Medical Center|Insurance Agency|Trucking|Painting|Fencing|Pool Service|Heating & Air|"
    "Plumbing & Heating|Tree Service|Waste Services|Equipment Rental|Security Services|"
    "Printing|Auto Body|Builders|Contractors|Development|Holdings|Enterprises|Investments|"
    "Associates|Partners|Logistics|Manufacturing|International|Technologies|Brothers Moving",
    "|",
)
LEGAL_FORMS = ("Inc.", "LLC", "Co.", "Corp.", "Ltd.", "Incorporated", "L.L.C.", "Company")
ABBREVIATE = {
    "Services": "SVCS",
    "Service": "SVC",
    "Construction": "CONSTR",
    "International": "INTL",
    "Management": "MGMT",
    "Brothers": "BROS",
    "Manufacturing": "MFG",
    "Plumbing": "PLBG",
    "District": "DIST",
    "Department": "DEPT",
    "Center": "CTR",
    "Associates": "ASSOC",
    "Engineering": "ENGR",
    "Unified School District": "USD",
    "County": "CNTY",
    "Electric": "ELEC",
    "Property": "PROP",
}
STANDARD_AMOUNTS = (25, 35, 40, 50, 75, 100, 120, 150, 200, 250, 300, 500)
NOISE = (
    "ACH CREDIT",
    "PAYMENT",
    "THANK YOU",
    "REMIT",
    "ONLINE BILL PAY",
    "CCD",
    "PPD",
    "WIRE IN",
    "LOCKBOX",
)


@dataclass(frozen=True)
class Truth:
    """What a careful clerk does with the payment, and whether the remittance alone lets them."""

    customer_id: int | None
    allocations: tuple[Allocation, ...]
    expect: str  # "apply" or "review"
    case: str
    payer_variant: str = ""


@dataclass
class World:
    today: date
    policy: Policy
    customers: list[CustomerRef]
    items: list[OpenItem]
    remittances: list[Remittance]
    truths: list[Truth]
    mix: dict[str, float]
    seed: int


@dataclass
class Results:
    payments: int = 0
    auto: int = 0
    correct: int = 0
    wrong: int = 0
    suggestions: int = 0
    unmatched: int = 0
    should_apply: int = 0
    suggestion_right: int = 0
    diverged: int = 0  # truths the clerk could not apply after a wrong application
    build_seconds: float = 0.0
    match_seconds: float = 0.0
    by_case: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    wrongs: list[tuple[Remittance, Truth, Proposal]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.correct / self.auto if self.auto else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.should_apply if self.should_apply else 1.0


def cents(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


# -- customers ------------------------------------------------------------------------------------


class _Maker:
    def __init__(self, seed: int, mix: dict[str, float], payer_mix: dict[str, int]) -> None:
        self.rng = random.Random(seed)
        self.mix = mix
        self.payer_mix = payer_mix
        self.customers: list[CustomerRef] = []
        self.kind_of: dict[int, str] = {}
        self.items: list[OpenItem] = []
        self.open: dict[int, int] = {}
        self.by_customer: dict[int, list[int]] = defaultdict(list)
        self.item: dict[int, OpenItem] = {}
        self.by_number: dict[str, int] = {}
        self.keys: Counter[str] = Counter()
        self.key_of: dict[int, str] = {}
        self.paid_in_file: list[tuple[int, int, str]] = []  # (item, amount, number written)
        self.amounts: Counter[int] = Counter()  # open items by open amount, book-wide

    # names

    def person(self) -> str:
        rng = self.rng
        first, last = rng.choice(FIRST), rng.choice(LAST)
        if rng.random() < 0.15:
            return f"{first} {rng.choice('ABCDEFGHJKLMNPRSTW')}. {last}"
        return f"{first} {last}"

    def business(self) -> str:
        rng = self.rng
        trade = rng.choice(TRADES)
        roll = rng.random()
        if roll < 0.35:
            head = rng.choice(LAST)
        elif roll < 0.55:
            head = rng.choice(ADJECTIVES)
        elif roll < 0.75:
            head = rng.choice(PLACES)
        elif roll < 0.9:
            head = f"{rng.choice(LAST)} & {rng.choice(LAST)}"
        else:
            head = f"{rng.choice(LAST)} Family"
        legal = rng.choice((*LEGAL_FORMS, "", "", ""))
        return f"{head} {trade} {legal}".strip()

    def agency(self) -> str:
        rng = self.rng
        place = rng.choice(PLACES)
        return rng.choice(
            (
                f"City of {place}",
                f"County of {place}",
                f"{place} Unified School District",
                f"{place} Water District",
                f"{place} Fire Protection District",
                f"{place} Housing Authority",
                f"{place} Parks Foundation",
            )
        )

    def club(self) -> str:
        rng = self.rng
        place = rng.choice(PLACES)
        return rng.choice(
            (
                f"{place} Little League",
                f"Friends of the {place} Library",
                f"{place} Rotary Club",
                f"{place} Historical Society",
                f"{place} Soccer Club",
            )
        )

    def make_customers(self, count: int) -> None:
        rng = self.rng
        taken: set[str] = set()
        for n in range(1, count + 1):
            roll = rng.random()
            kind = (
                "person"
                if roll < 0.40
                else "business"
                if roll < 0.85
                else "agency"
                if roll < 0.95
                else "club"
            )
            # One City of Salem: names other than people's are unique (a drawn name already
            # taken falls back to a business name).
            for attempt in range(400):
                name = getattr(self, kind if attempt < 50 else "business")()
                if kind == "person" or name_key(name) not in taken:
                    break
            if attempt >= 50:
                kind = "business"
            taken.add(name_key(name))
            aliases: tuple[str, ...] = ()
            if kind == "business" and rng.random() < 0.08:
                alias = self.alias_for(name)
                if name_key(alias) not in taken:  # an alias is nobody else's name
                    aliases = (alias,)
                    taken.add(name_key(alias))
            policy = None
            if rng.random() < 0.03:
                policy = rng.choice((Policy.FEES_INTEREST_PRINCIPAL, Policy.CURRENT_FIRST))
            self.customers.append(CustomerRef(n, f"C{n:06d}", name, aliases, policy))
            self.kind_of[n] = kind

    def alias_for(self, name: str) -> str:
        rng = self.rng
        words = name.replace(",", "").split()
        if rng.random() < 0.5:
            # a bank's short form: "GARCIA PLBG SVC"
            short = [ABBREVIATE.get(w, w)[:6] for w in words if w not in LEGAL_FORMS]
            return " ".join(short).upper()[:18].strip()
        # a trade name the customer also pays under
        return f"{rng.choice(ADJECTIVES)} {rng.choice(TRADES)}".upper()

    # items

    def make_items(self, per_customer: float) -> None:
        rng = self.rng
        drafts: list[tuple[date, int, str, int, int]] = []  # date, customer, kind, amount, open
        for customer in self.customers:
            roll = rng.random()
            if roll < 0.60:
                count = rng.randint(1, 5)
            elif roll < 0.90:
                count = rng.randint(6, 20)
            elif roll < 0.98:
                count = rng.randint(21, 60)
            else:
                count = rng.randint(100, 300)
            count = max(1, round(count * per_customer / 12.5))
            monthly = rng.random() < 0.15
            monthly_amount = self.amount() if monthly else 0
            start = TODAY - timedelta(days=rng.randint(30, 690))
            for k in range(count):
                if monthly and k < 24:
                    day = start + timedelta(days=30 * k)
                    if day > TODAY:
                        day = TODAY - timedelta(days=rng.randint(0, 29))
                    drafts.append((day, customer.id, "invoice", monthly_amount, monthly_amount))
                    continue
                day = TODAY - timedelta(days=rng.randint(0, 700))
                kind = rng.choices(
                    ("invoice", "fee", "finance_charge", "debit_memo", "opening_balance"),
                    weights=(85, 5, 5, 3, 2),
                )[0]
                amount = self.amount(kind)
                open_amount = amount
                if rng.random() < 0.05 and amount > 200:
                    open_amount = amount - rng.randint(1, amount - 100)
                drafts.append((day, customer.id, kind, amount, open_amount))
        drafts.sort(key=lambda d: (d[0], d[1]))
        sequences: Counter[tuple[str, int]] = Counter()
        prefix = {"invoice": "INV", "fee": "FEE", "finance_charge": "FC", "debit_memo": "DM"}
        legacy = 10_000
        for n, (day, customer_id, kind, _amount, open_amount) in enumerate(drafts, start=1):
            if kind == "opening_balance":
                legacy += rng.randint(1, 40)
                day = date(2024, 12, 31)
                number = rng.choice((f"W-{legacy}", f"2019-{legacy % 10000:04d}", f"A{legacy}"))
            else:
                sequences[(prefix[kind], day.year)] += 1
                number = f"{prefix[kind]}-{day.year}-{sequences[(prefix[kind], day.year)]:06d}"
            terms = 30 if kind != "finance_charge" else 15
            item = OpenItem(
                n, number, customer_id, kind, cents(open_amount), day + timedelta(terms), day
            )
            self.items.append(item)
            self.item[n] = item
            self.by_number[number] = n
            self.open[n] = open_amount
            self.amounts[open_amount] += 1
            self.by_customer[customer_id].append(n)

    def amount(self, kind: str = "invoice") -> int:
        rng = self.rng
        if kind == "fee":
            return rng.choice((2500, 3500, 5000))
        if kind == "finance_charge":
            return max(100, int(rng.lognormvariate(math.log(1500), 0.8)))
        if kind == "debit_memo":
            return max(500, int(rng.lognormvariate(math.log(8000), 1.0)))
        if rng.random() < 0.33:
            return rng.choice(STANDARD_AMOUNTS) * 100
        value = rng.lognormvariate(math.log(30000), 1.2)
        value = min(max(value, 500), 25_000_000)
        if rng.random() < 0.3:
            return int(value) // 100 * 100
        return int(value)

    # payer names

    def payer(self, customer_id: int, *, identifying: bool = False) -> tuple[str, str]:
        rng = self.rng
        customer = self.customers[customer_id - 1]
        kinds = list(self.payer_mix)
        weights = [self.payer_mix[k] for k in kinds]
        for _ in range(20):
            variant = rng.choices(kinds, weights=weights)[0]
            if identifying and variant not in IDENTIFYING:
                continue
            text = self.variant(customer, variant)
            if text is None:
                continue
            if variant not in ("trade_name", "missing") and self.names_another(text, customer_id):
                continue
            return text, variant
        return customer.name, "as_is"

    def names_another(self, text: str, customer_id: int) -> bool:
        key = name_key(text)
        return any(key == k and c != customer_id for c, k in self._name_keys_for(key))

    def namesakes(self, key: str) -> list[int]:
        """The customers whose name or alias is this name key, middle initials aside."""
        if not hasattr(self, "_loose"):
            loose: dict[str, list[int]] = defaultdict(list)
            for c in self.customers:
                for name in (c.name, *c.aliases):
                    loose[_without_initials(name_key(name))].append(c.id)
            self._loose = loose
        return self._loose.get(_without_initials(key), [])

    def _name_keys_for(self, key: str) -> list[tuple[int, str]]:
        if not hasattr(self, "_keys"):
            index: dict[str, list[tuple[int, str]]] = defaultdict(list)
            for c in self.customers:
                for name in (c.name, *c.aliases):
                    index[name_key(name)].append((c.id, name_key(name)))
            self._keys = index
        return self._keys.get(key, [])

    def variant(self, customer: CustomerRef, variant: str) -> str | None:
        rng = self.rng
        name = customer.name
        kind = self.kind_of[customer.id]
        if variant == "as_is":
            return name
        if variant == "upper":
            return name.upper().replace(".", "").replace(",", "")
        if variant == "truncated":
            return name.upper()[: rng.randint(16, 22)].strip()
        if variant == "legal_form":
            words = [w for w in name.split() if w not in LEGAL_FORMS]
            base = " ".join(words).replace("&", "and" if rng.random() < 0.5 else "&")
            if kind in ("business", "club") and rng.random() < 0.6:
                return f"{base} {rng.choice(LEGAL_FORMS)}"
            return base if base != name else f"The {name}"
        if variant == "abbreviated":
            out = name
            for long, short in ABBREVIATE.items():
                if long in out:
                    out = out.replace(long, short)
            return out.upper() if out != name else None
        if variant == "misspelled":
            words = name.split()
            long_words = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
            if not long_words:
                return None
            i = rng.choice(long_words)
            w = words[i]
            j = rng.randint(1, len(w) - 2)
            how = rng.random()
            if how < 0.4:
                w = w[:j] + w[j + 1 :]
            elif how < 0.7:
                w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
            else:
                w = w[:j] + rng.choice("aeiourstnl") + w[j + 1 :]
            words[i] = w
            return " ".join(words).upper()
        if variant == "reordered":
            if kind != "person":
                return None
            words = name.replace(".", "").split()
            first, last = words[0], words[-1]
            return rng.choice((f"{last} {first}", f"{first[0]} {last}", f"{last}, {first}")).upper()
        if variant == "alias":
            return customer.aliases[0] if customer.aliases else None
        if variant == "trade_name":
            return f"{rng.choice(ADJECTIVES)} {rng.choice(PLACES)} {rng.choice(TRADES)}".upper()
        if variant == "missing":
            return ""
        raise ValueError(variant)

    # references

    def written(self, number: str, style: int | None = None) -> str:
        """A document number as a remitter writes it."""
        parts = number.split("-")
        if len(parts) != 3 or not parts[2].isdigit():
            return number
        prefix, year, seq = parts
        style = self.rng.randint(0, 6) if style is None else style
        if style == 0:
            return number
        if style == 1:
            return f"{prefix} {year} {seq}"
        if style == 2:
            return f"{prefix.lower()}{year}{seq}"
        if style == 3:
            return f"{year}-{seq}"
        if style == 4:
            return f"Invoice # {number}" if prefix == "INV" else number
        if style == 5:
            return f"{prefix}-{year}-{int(seq)}"
        return f"{prefix} {year}-{seq}"

    def typo(self, number: str, edits: int = 1) -> str:
        rng = self.rng
        prefix, year, seq = number.split("-")
        digits = year + seq
        for _ in range(100):
            new = digits
            letters = False
            for _ in range(edits):
                how = rng.choices(
                    ("swap", "drop", "add", "change", "O", "l"), weights=(30, 20, 15, 20, 8, 7)
                )[0]
                lo = 4 if rng.random() < 0.95 else 0  # mostly the sequence, sometimes the year
                if how == "swap":
                    i = rng.randint(lo, len(new) - 2)
                    new = new[:i] + new[i + 1] + new[i] + new[i + 2 :]
                elif how == "drop":
                    i = rng.randint(lo, len(new) - 1)
                    new = new[:i] + new[i + 1 :]
                elif how == "add":
                    i = rng.randint(lo, len(new))
                    new = new[:i] + rng.choice("0123456789") + new[i:]
                elif how == "change":
                    i = rng.randint(lo, len(new) - 1)
                    new = new[:i] + rng.choice("0123456789".replace(new[i], "")) + new[i + 1 :]
                else:
                    spots = [i for i, ch in enumerate(new) if ch == ("0" if how == "O" else "1")]
                    if not spots:
                        continue
                    i = rng.choice(spots)
                    new = new[:i] + how + new[i + 1 :]
                    letters = True
            if new != digits and (letters or new.isdigit()):
                if (
                    edits > 1
                    and min(
                        distance(readable(new), digits), distance(padded(readable(new)), digits)
                    )
                    < edits
                ):
                    continue  # two typos that a reader undoes as one (or none)
                if len(new) >= 8 and new[:4].isdigit():
                    return f"{prefix}-{new[:4]}-{new[4:]}"
                return f"{prefix}-{new}"
        return number

    # picking items

    def open_items(self, customer_id: int) -> list[OpenItem]:
        return [
            replace_open(self.item[i], self.open[i])
            for i in self.by_customer[customer_id]
            if self.open[i] > 0
        ]

    def landed(self, written: str) -> OpenItem | None:
        """The open item a typo'd number names exactly, as written (O and l read as digits)."""
        parts = readable(written).split("-")
        if len(parts) != 3 or not (parts[1] + parts[2]).isdigit() or len(parts[2]) > 6:
            return None
        found = self.by_number.get(f"{parts[0]}-{parts[1]}-{int(parts[2]):06d}")
        if found is None or self.open[found] <= 0:
            return None
        return replace_open(self.item[found], self.open[found])

    def pick_item(self, kinds: Sequence[str] = ("invoice", "debit_memo", "fee")) -> OpenItem | None:
        rng = self.rng
        for _ in range(200):
            item = self.item[rng.randint(1, len(self.items))]
            if self.open[item.id] > 0 and item.kind in kinds:
                return replace_open(item, self.open[item.id])
        return None

    def pick_customer(self, lo: int = 1, hi: int = 10_000) -> int | None:
        rng = self.rng
        for _ in range(200):
            customer_id = rng.randint(1, len(self.customers))
            if lo <= len(self.open_items(customer_id)) <= hi:
                return customer_id
        return None

    def pay(self, allocations: Sequence[Allocation]) -> None:
        for a in allocations:
            self.amounts[self.open[a.item_id]] -= 1
            self.open[a.item_id] -= to_int(a.amount)
            if self.open[a.item_id] > 0:
                self.amounts[self.open[a.item_id]] += 1
            if self.open[a.item_id] < 0:
                raise AssertionError("the generator overpaid an item")


def _without_initials(key: str) -> str:
    return " ".join(word for word in key.split() if len(word) > 1)


def readable(written: str) -> str:
    """The digits a reader sees: the letters O and l read as 0 and 1."""
    return written.replace("O", "0").replace("l", "1")


def padded(digits: str) -> str:
    """The year and the sequence with its leading zeros put back, as the engine reads them."""
    return digits[:4] + digits[4:].zfill(6) if len(digits) < 10 else digits


def distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count one)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def replace_open(item: OpenItem, open_cents: int) -> OpenItem:
    return OpenItem(
        item.id,
        item.number,
        item.customer_id,
        item.kind,
        cents(open_cents),
        item.due_date,
        item.document_date,
    )


def to_int(amount: Decimal) -> int:
    return int(amount * 100)


# -- the clerk's rules (independent of the engine) -----------------------------------------------


def clerk_by_amount(
    maker: _Maker, customer_id: int, amount: int
) -> tuple[tuple[Allocation, ...], bool]:
    """What a clerk applies for a customer's payment with nothing named; and if it is certain."""
    customer = maker.customers[customer_id - 1]
    policy = customer.policy or Policy.OLDEST_FIRST
    items = maker.open_items(customer_id)
    same = [i for i in items if to_int(i.open_amount) == amount]
    if same:
        first = policy_order(same, policy, today=TODAY)[0]
        return (Allocation(first.id, cents(amount)),), True
    if len(items) > 1 and sum(to_int(i.open_amount) for i in items) == amount:
        return tuple(Allocation(i.id, i.open_amount) for i in items), True
    pool = [i for i in policy_order(items, policy, today=TODAY) if to_int(i.open_amount) < amount]
    pool = pool[:20]
    signatures: dict[tuple[int, ...], tuple[OpenItem, ...]] = {}
    for size in range(2, 6):
        for combo in combinations(pool, size):
            if sum(to_int(i.open_amount) for i in combo) == amount:
                signature = tuple(sorted(to_int(i.open_amount) for i in combo))
                signatures.setdefault(signature, combo)
        if len(signatures) > 1:
            break
    if signatures:
        signature = next(iter(signatures))
        order = policy_order(pool, policy, today=TODAY)
        chosen: list[OpenItem] = []
        for value in signature:
            chosen.append(
                next(i for i in order if to_int(i.open_amount) == value and i not in chosen)
            )
        allocations = tuple(Allocation(i.id, i.open_amount) for i in chosen)
        return allocations, len(signatures) == 1
    allocations = []
    left = amount
    for item in policy_order(items, policy, today=TODAY):
        if left == 0:
            break
        part = min(left, to_int(item.open_amount))
        allocations.append(Allocation(item.id, cents(part)))
        left -= part
    return tuple(allocations), True


def clerk_named(items: Sequence[OpenItem], amount: int) -> tuple[Allocation, ...]:
    """A named document is paid up to what it owes, in the order named."""
    allocations = []
    left = amount
    for item in items:
        if left == 0:
            break
        part = min(left, to_int(item.open_amount))
        allocations.append(Allocation(item.id, cents(part)))
        left -= part
    return tuple(allocations)


# -- the payments ---------------------------------------------------------------------------------


def generate(
    seed: int,
    customers: int,
    payments: int,
    *,
    mix: dict[str, float] | None = None,
    payer_mix: dict[str, int] | None = None,
    items_per_customer: float = 10.0,
) -> World:
    """A world of customers and open items, and `payments` remittances with their truth."""
    mix = dict(REALISTIC if mix is None else mix)
    if payer_mix is None:
        payer_mix = PAYER_HARSH if mix == HARSH else PAYER_REALISTIC
    maker = _Maker(seed, mix, payer_mix)
    maker.make_customers(customers)
    maker.make_items(items_per_customer)
    items = list(maker.items)
    remittances: list[Remittance] = []
    truths: list[Truth] = []
    cases = list(mix)
    weights = [mix[c] for c in cases]
    while len(remittances) < payments:
        case = maker.rng.choices(cases, weights=weights)[0]
        made = CASES[case](maker)
        if made is None:
            continue
        remittance, truth = made
        remittances.append(remittance)
        truths.append(truth)
        maker.pay(truth.allocations)
    return World(TODAY, Policy.OLDEST_FIRST, maker.customers, items, remittances, truths, mix, seed)


Made = tuple[Remittance, Truth] | None


def _received(maker: _Maker) -> date:
    return TODAY - timedelta(days=maker.rng.randint(0, 3))


def _text(maker: _Maker, reference: str) -> tuple[str, str]:
    """(text, reference): the reference field, or free text with the bank's words around it."""
    rng = maker.rng
    if rng.random() < 0.5:
        return "", reference
    before = rng.choice(NOISE)
    after = rng.choice(("", "THANK YOU", f"CHECK {rng.randint(1000, 9999)}", "PO 4500012345"))
    return f"{before} {reference} {after}".strip(), ""


def case_exact(maker: _Maker) -> Made:
    item = maker.pick_item()
    if item is None:
        return None
    amount = to_int(item.open_amount)
    payer, variant = maker.payer(item.customer_id)
    text, reference = _text(maker, maker.written(item.number))
    truth = Truth(item.customer_id, clerk_named([item], amount), "apply", "exact", variant)
    remittance = Remittance(cents(amount), payer, text, reference, received=_received(maker))
    maker.paid_in_file.append((item.id, amount, maker.written(item.number)))
    return remittance, truth


def case_lines(maker: _Maker) -> Made:
    rng = maker.rng
    customer_id = maker.pick_customer(1, 60)
    if customer_id is None:
        return None
    items = maker.open_items(customer_id)
    chosen = rng.sample(items, min(len(items), rng.randint(1, 4)))
    with_amounts = rng.random() < 0.8
    number = maker.customers[customer_id - 1].number if rng.random() < 0.5 else ""
    lines = tuple(
        RemittanceLine(
            maker.written(i.number, rng.choice((0, 0, 0, 3, 5))),
            i.open_amount if with_amounts else None,
            number,
        )
        for i in chosen
    )
    amount = sum(to_int(i.open_amount) for i in chosen)
    payer, variant = maker.payer(customer_id)
    truth = Truth(customer_id, clerk_named(chosen, amount), "apply", "lines", variant)
    return Remittance(cents(amount), payer, lines=lines, received=_received(maker)), truth


def _typo_case(maker: _Maker, edits: int, case: str) -> Made:
    item = maker.pick_item(("invoice",))
    if item is None:
        return None
    amount = to_int(item.open_amount)
    payer, variant = maker.payer(item.customer_id)
    wrong = maker.typo(item.number, edits)
    text, reference = _text(maker, maker.written(wrong, maker.rng.choice((0, 0, 1, 3))))
    expect = "apply"
    if edits > 1:
        # Two typos: the number cannot be read. The clerk goes by the payer's name and the
        # amount, and is sure only when one open item of the customer's owes exactly that.
        same = [i for i in maker.open_items(item.customer_id) if to_int(i.open_amount) == amount]
        certain = variant in IDENTIFYING and len(same) == 1
        if certain and shared_name(maker, item.customer_id, payer):
            certain = namesake_certain(maker, item.customer_id, payer, amount)
        expect = "apply" if certain else "review"
    landed = maker.landed(wrong)
    if (
        landed is not None
        and landed.id != item.id
        and landed.customer_id == item.customer_id
        and to_int(landed.open_amount) == amount
    ):
        # The typo made the number of another of the customer's bills for the same amount:
        # every clerk reads it as that bill, and nothing in the remittance says otherwise.
        item, expect = landed, "apply"
    truth = Truth(item.customer_id, clerk_named([item], amount), expect, case, variant)
    return Remittance(cents(amount), payer, text, reference, received=_received(maker)), truth


def case_typo(maker: _Maker) -> Made:
    return _typo_case(maker, 1, "typo")


def case_double_typo(maker: _Maker) -> Made:
    return _typo_case(maker, 2, "double_typo")


def case_listed(maker: _Maker) -> Made:
    rng = maker.rng
    customer_id = maker.pick_customer(2, 60)
    if customer_id is None:
        return None
    items = [i for i in maker.open_items(customer_id) if i.kind != "opening_balance"]
    if len(items) < 2:
        return None
    chosen = rng.sample(items, min(len(items), rng.randint(2, 5)))
    amount = sum(to_int(i.open_amount) for i in chosen)
    numbers = [maker.written(i.number, 0) for i in chosen]
    if rng.random() < 0.1:
        k = rng.randrange(len(numbers))
        numbers[k] = maker.typo(chosen[k].number)
    written = ", ".join(numbers) if rng.random() < 0.5 else "INVOICES " + " ".join(numbers)
    text, reference = _text(maker, written)
    payer, variant = maker.payer(customer_id)
    truth = Truth(customer_id, clerk_named(chosen, amount), "apply", "listed", variant)
    return Remittance(cents(amount), payer, text, reference, received=_received(maker)), truth


def case_unlisted(maker: _Maker) -> Made:
    rng = maker.rng
    customer_id = maker.pick_customer(2, 20)
    if customer_id is None:
        return None
    items = maker.open_items(customer_id)
    if rng.random() < 0.3 and len(items) <= 8:
        chosen = items
    else:
        chosen = rng.sample(items, min(len(items), rng.randint(2, 4)))
    amount = sum(to_int(i.open_amount) for i in chosen)
    payer, variant = maker.payer(customer_id, identifying=True)
    allocations, certain = clerk_by_amount(maker, customer_id, amount)
    expect = "apply" if certain and not shared_name(maker, customer_id, payer) else "review"
    truth = Truth(customer_id, allocations, expect, "unlisted", variant)
    text = rng.choice(("", "", rng.choice(NOISE)))
    return Remittance(cents(amount), payer, text, received=_received(maker)), truth


def namesakes_of(maker: _Maker, customer_id: int, payer: str) -> set[int]:
    """The other customers a clerk could take the payer for: the customer's own name, middle
    initials aside, unless the payer writes an initial they lack ("Benjamin K. Olson" is not
    Benjamin Olson; "LAURA RICHARDSON" may be Laura C. Richardson)."""
    initials = {word for word in name_key(payer).split() if len(word) == 1}
    own = name_key(maker.customers[customer_id - 1].name)
    return {
        c
        for c in maker.namesakes(own)
        if c != customer_id and initials <= set(name_key(maker.customers[c - 1].name).split())
    }


def shared_name(maker: _Maker, customer_id: int, payer: str) -> bool:
    """The name does not tell the customer from another: see `namesakes_of`."""
    return bool(namesakes_of(maker, customer_id, payer))


def namesake_certain(maker: _Maker, customer_id: int, payer: str, amount: int) -> bool:
    """The name is shared, yet only this customer owes exactly that, and it is a rare amount."""
    for other in namesakes_of(maker, customer_id, payer):
        if any(to_int(i.open_amount) == amount for i in maker.open_items(other)):
            return False
    return maker.amounts[amount] <= 3


def case_short_pay(maker: _Maker) -> Made:
    rng = maker.rng
    item = maker.pick_item(("invoice", "debit_memo"))
    if item is None:
        return None
    owed = to_int(item.open_amount)
    if owed < 200:
        return None
    paid = (
        owed * rng.randint(50, 95) // 100
        if rng.random() < 0.6
        else owed - rng.choice((500, 1000, 2500, 5000, 100))
    )
    if paid <= 0 or paid >= owed:
        return None
    payer, variant = maker.payer(item.customer_id)
    text, reference = _text(maker, maker.written(item.number))
    truth = Truth(item.customer_id, clerk_named([item], paid), "apply", "short_pay", variant)
    return Remittance(cents(paid), payer, text, reference, received=_received(maker)), truth


def case_over_pay(maker: _Maker) -> Made:
    rng = maker.rng
    item = maker.pick_item()
    if item is None:
        return None
    owed = to_int(item.open_amount)
    paid = owed + rng.choice((1, 100, 500, 1000, owed))
    payer, variant = maker.payer(item.customer_id)
    text, reference = _text(maker, maker.written(item.number))
    truth = Truth(item.customer_id, clerk_named([item], paid), "apply", "over_pay", variant)
    return Remittance(cents(paid), payer, text, reference, received=_received(maker)), truth


def case_short_ref(maker: _Maker) -> Made:
    rng = maker.rng
    item = maker.pick_item(("invoice",))
    if item is None:
        return None
    amount = to_int(item.open_amount)
    seq = int(item.number.rsplit("-", 1)[1])
    written = rng.choice((f"#{seq}", f"Inv {seq}", f"INVOICE NO {seq:06d}"))
    payer, variant = maker.payer(item.customer_id)
    text, reference = _text(maker, written)
    expect = "apply" if variant in IDENTIFYING else "review"
    truth = Truth(item.customer_id, clerk_named([item], amount), expect, "short_ref", variant)
    return Remittance(cents(amount), payer, text, reference, received=_received(maker)), truth


def case_name_only(maker: _Maker) -> Made:
    item = maker.pick_item(("invoice", "fee", "debit_memo", "finance_charge", "opening_balance"))
    if item is None:
        return None
    amount = to_int(item.open_amount)
    payer, variant = maker.payer(item.customer_id, identifying=True)
    allocations, _ = clerk_by_amount(maker, item.customer_id, amount)
    expect = "apply"
    if shared_name(maker, item.customer_id, payer):
        expect = "apply" if namesake_certain(maker, item.customer_id, payer, amount) else "review"
    text = maker.rng.choice(("", "", maker.rng.choice(NOISE)))
    truth = Truth(item.customer_id, allocations, expect, "name_only", variant)
    return Remittance(cents(amount), payer, text, received=_received(maker)), truth


def case_customer_number(maker: _Maker) -> Made:
    rng = maker.rng
    customer_id = maker.pick_customer()
    if customer_id is None:
        return None
    customer = maker.customers[customer_id - 1]
    items = maker.open_items(customer_id)
    if rng.random() < 0.5:
        amount = to_int(rng.choice(items).open_amount)
    else:
        amount = rng.choice((2000, 5000, 10000, 25000)) + rng.choice((0, 0, 1234))
    allocations, certain = clerk_by_amount(maker, customer_id, amount)
    payer, variant = maker.payer(customer_id)
    field_number, text = "", ""
    if rng.random() < 0.5:
        field_number = customer.number
    else:
        digits = customer.number.lstrip("C")
        text = rng.choice((f"ACCT {customer.number}", f"Acct# {digits}", f"CUST {customer.number}"))
    truth = Truth(
        customer_id, allocations, "apply" if certain else "review", "customer_number", variant
    )
    remittance = Remittance(
        cents(amount), payer, text, customer_number=field_number, received=_received(maker)
    )
    return remittance, truth


def case_on_account(maker: _Maker) -> Made:
    rng = maker.rng
    customer_id = maker.pick_customer()
    if customer_id is None:
        return None
    amount = rng.choice((2000, 5000, 10000, 20000, 25000, 50000, 100000))
    customer = maker.customers[customer_id - 1]
    payer = rng.choice((customer.name, customer.name.upper()))
    allocations, certain = clerk_by_amount(maker, customer_id, amount)
    expect = "apply" if certain and not shared_name(maker, customer_id, payer) else "review"
    truth = Truth(customer_id, allocations, expect, "on_account", "as_is")
    return Remittance(cents(amount), payer, received=_received(maker)), truth


def case_someone_else(maker: _Maker) -> Made:
    rng = maker.rng
    item = maker.pick_item(("invoice",))
    if item is None:
        return None
    payers = [
        c for c in rng.sample(maker.customers, 20) if maker.kind_of[c.id] in ("business", "agency")
    ]
    payers = [c for c in payers if c.id != item.customer_id]
    if not payers:
        return None
    other = payers[0]
    payer = rng.choice((other.name, other.name.upper(), *(a for a in other.aliases)))
    amount = to_int(item.open_amount)
    text, reference = _text(maker, maker.written(item.number))
    truth = Truth(item.customer_id, clerk_named([item], amount), "review", "someone_else", "other")
    return Remittance(cents(amount), payer, text, reference, received=_received(maker)), truth


def case_amount_only(maker: _Maker) -> Made:
    item = maker.pick_item()
    if item is None:
        return None
    amount = to_int(item.open_amount)
    truth = Truth(item.customer_id, clerk_named([item], amount), "review", "amount_only", "missing")
    text = maker.rng.choice(("DEPOSIT", "CASH", ""))
    return Remittance(cents(amount), "", text, received=_received(maker)), truth


def case_unknown(maker: _Maker) -> Made:
    rng = maker.rng
    payer = f"{rng.choice(FIRST)} {rng.choice(('Quill', 'Brightwater', 'Ashdown', 'Pemberton'))}"
    amount = rng.randint(500, 200000)
    truth = Truth(None, (), "review", "unknown", "unknown")
    return Remittance(cents(amount), payer.upper(), rng.choice(NOISE), received=_received(maker)), (
        truth
    )


def case_duplicate(maker: _Maker) -> Made:
    rng = maker.rng
    if not maker.paid_in_file:
        return None
    item_id, amount, written = rng.choice(maker.paid_in_file)
    item = maker.item[item_id]
    if maker.open[item_id] != 0:
        return None
    payer, variant = maker.payer(item.customer_id)
    truth = Truth(item.customer_id, (), "review", "duplicate", variant)
    text, reference = _text(maker, written)
    return Remittance(cents(amount), payer, text, reference, received=_received(maker)), truth


CASES = {
    "exact": case_exact,
    "lines": case_lines,
    "typo": case_typo,
    "double_typo": case_double_typo,
    "listed": case_listed,
    "unlisted": case_unlisted,
    "short_pay": case_short_pay,
    "over_pay": case_over_pay,
    "short_ref": case_short_ref,
    "name_only": case_name_only,
    "customer_number": case_customer_number,
    "on_account": case_on_account,
    "someone_else": case_someone_else,
    "amount_only": case_amount_only,
    "unknown": case_unknown,
    "duplicate": case_duplicate,
}


# -- running the engine ---------------------------------------------------------------------------


def same(proposal: Proposal, truth: Truth) -> bool:
    if proposal.customer_id != truth.customer_id:
        return False
    mine = sorted((a.item_id, a.amount) for a in proposal.allocations)
    theirs = sorted((a.item_id, a.amount) for a in truth.allocations)
    return mine == theirs


def evaluate(world: World, *, threshold: Decimal = THRESHOLD, clerk: bool = True) -> Results:
    """Match every payment in order, as the import would; see the module docstring."""
    results = Results(payments=len(world.remittances))
    started = time.perf_counter()
    book = Book(world.items, world.customers, policy=world.policy, today=world.today)
    results.build_seconds = time.perf_counter() - started
    matching = 0.0
    for number, (remittance, truth) in enumerate(zip(world.remittances, world.truths, strict=True)):
        started = time.perf_counter()
        proposal = book.match(remittance)
        auto = proposal.applies(threshold)
        if auto:
            book.take(proposal)
        matching += time.perf_counter() - started
        counts = results.by_case[truth.case]
        counts["payments"] += 1
        if truth.expect == "apply":
            results.should_apply += 1
            counts["should_apply"] += 1
        if auto:
            results.auto += 1
            counts["auto"] += 1
            if truth.expect == "apply" and same(proposal, truth):
                results.correct += 1
                counts["correct"] += 1
            else:
                results.wrong += 1
                counts["wrong"] += 1
                results.wrongs.append((remittance, truth, proposal))
            continue
        if proposal.customer_id is None:
            results.unmatched += 1
            counts["unmatched"] += 1
        else:
            results.suggestions += 1
            counts["suggested"] += 1
            if same(proposal, truth):
                results.suggestion_right += 1
        # the clerk works the worklist before the next payment (`clerk=False`: nobody does, as
        # in one database import: the suggestion waits, and the book holds its items for it)
        if not clerk:
            book.hold(number, proposal)
        elif truth.allocations:
            worked = Proposal(
                truth.customer_id, truth.allocations, Decimal(1), "", "clerk", Decimal(0)
            )
            try:
                book.take(worked)
            except ValueError:
                results.diverged += 1  # an earlier wrong application took the money
    results.match_seconds = matching
    return results


def report(world: World, results: Results, title: str) -> str:
    n = results.payments
    lines = [
        f"{title}: {n:,} payments, {len(world.customers):,} customers, "
        f"{len(world.items):,} open items, seed {world.seed}",
        f"  auto-applied   {results.auto / n:7.2%}  ({results.auto:,})",
        f"  suggestions    {results.suggestions / n:7.2%}  ({results.suggestions:,}; "
        f"{results.suggestion_right:,} of them already the clerk's answer)",
        f"  unmatched      {results.unmatched / n:7.2%}  ({results.unmatched:,})",
        f"  precision      {results.precision:.4f}  (correct automatic / automatic)",
        f"  recall         {results.recall:.4f}  (correct automatic / {results.should_apply:,} "
        "a clerk could apply from the remittance)",
        f"  wrong          {results.wrong}",
        f"  time           {results.build_seconds:.2f} s to build the book, "
        f"{results.match_seconds:.2f} s to match and take {n:,} payments "
        f"({n / max(results.match_seconds, 1e-9):,.0f}/s)",
        "  by case        payments  apply  auto  correct  wrong  suggested  unmatched",
    ]
    for case in world.mix:
        c = results.by_case.get(case)
        if not c:
            continue
        lines.append(
            f"    {case:<15} {c['payments']:>6} {c['should_apply']:>6} {c['auto']:>5} "
            f"{c['correct']:>8} {c['wrong']:>6} {c['suggested']:>10} {c['unmatched']:>10}"
        )
    for remittance, truth, proposal in results.wrongs[:10]:
        lines.append(f"  WRONG {truth.case}: {remittance}")
        lines.append(f"        truth {truth}")
        lines.append(f"        proposal {proposal}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--payments", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--mix", choices=("realistic", "harsh", "both"), default="both")
    parser.add_argument("--threshold", type=Decimal, default=THRESHOLD)
    parser.add_argument(
        "--no-clerk",
        action="store_true",
        help="nobody works the suggestions between payments (as one database import)",
    )
    parser.add_argument(
        "--sweep",
        default="",
        help="more thresholds to try, comma-separated (0.80,0.85): auto-applied and wrong at each",
    )
    args = parser.parse_args(argv)
    mixes = ("realistic", "harsh") if args.mix == "both" else (args.mix,)
    for name in mixes:
        started = time.perf_counter()
        world = generate(args.seed, args.customers, args.payments, mix=MIXES[name])
        generated = time.perf_counter() - started
        results = evaluate(world, threshold=args.threshold, clerk=not args.no_clerk)
        say(report(world, results, f"{name} mix (generated in {generated:.1f} s)"))
        for value in filter(None, args.sweep.split(",")):
            other = evaluate(world, threshold=Decimal(value))
            say(
                f"  at threshold {value}: auto-applied {other.auto / other.payments:.2%}, "
                f"precision {other.precision:.4f}, recall {other.recall:.4f}, wrong {other.wrong}"
            )


def say(text: str) -> None:
    print(text, flush=True)  # noqa: T201  the benchmark reports on the terminal


if __name__ == "__main__":
    main()

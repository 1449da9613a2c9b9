"""Cash in the demo city: every planned payment comes in through the cash app.

As in city.py and billing.py, two halves. `plan_cash(city)` decides, from a generator of its own
(so the rest of the city draws exactly as before), how each payment the city plans arrives: the
department and deposit it goes into, the method (check, cash, money order, card, ACH, wire), the
payer, check number and bank account, and whether a person or the matcher applied it (its rule
and confidence). It also picks the drawers that were miscounted, the deposit the bank credits
short and the days the supervisor has not balanced yet. `CashLoad` writes the plan through the
cash services while the city's loader walks the calendar:

- each business day and department: the cashier (cass, some days tina) opens a deposit with its
  control totals (what came in at the weekend goes into Monday's), records the payments into it
  (`record_payments`), applies them in one bulk call (`apply_many`) with the reason of each
  application (by hand, or the matcher's rule and confidence), closes it, and the department
  reports its own count of the day (a few drawers miscounted: $10.00 or $0.25 off);
- when a month has ended, the bank's BAI2 statement of that month arrives (`import_bank_file`):
  one credit per deposit, booked the next business day, and the supervisor balances every day it
  covers (`balance_day`), with a note where a drawer was miscounted;
- on the last business day before today, a lockbox batch of checks with noisy remittances (typos
  in invoice numbers, short and over payments, someone else's invoice, no reference at all) goes
  through the matcher (`receive_and_apply`): most apply by themselves, some wait below the
  threshold as suggestions, and two are unidentified;
- today the month-to-date statement arrives, with one deposit credited short and a customer's
  ACH credit that no deposit explains, and then the bank's current-day file, whose ACH credit is
  received as a payment and applied (`receive=True`).

The last few deposit days are left for the supervisor: "Days to balance" has work.
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from django.db.models import Sum
from django.utils import timezone

from fiscus import audit, money
from fiscus.cash.autoapply import receive_and_apply
from fiscus.cash.imports import import_bank_file
from fiscus.cash.matching import RemittanceLine
from fiscus.cash.models import (
    ApplicationReason,
    BalancedDay,
    BankAccount,
    Deposit,
    Match,
    Method,
    Payment,
)
from fiscus.cash.services import (
    PaymentInput,
    balance_day,
    close_deposit,
    open_deposit,
    record_payments,
    report_department_day,
)
from fiscus.customers.models import Customer
from fiscus.demo.words import BILLED_BY, DEPARTMENTS
from fiscus.organization.models import Department, Fund
from fiscus.receivables.models import Item
from fiscus.receivables.services import ApplySpec, apply_many

if TYPE_CHECKING:
    from fiscus.demo.city import CityPlan, CustomerPlan, PaymentPlan

CITY_HALL = "FIN"  # the counter at City Hall: water bills paid there, payments on account, lockbox
FUND_OF = {code: fund for code, _, fund, _, _ in DEPARTMENTS}
UNBALANCED_DAYS = 3  # the last deposit days wait for the supervisor
LOCKBOX = "0417"
BANK = "Riverbank National Bank"
BANK_ID = "121140399"
# fund -> (account name, number as the bank's files write it, opening ledger balance)
BANK_ACCOUNTS = {
    "100": ("General operating", "4410012877", Decimal("3812400.00")),
    "500": ("Water utility", "4410019043", Decimal("1204750.00")),
}
DEPOSIT_CODE, LOCKBOX_CODE, ACH_CODE = "301", "115", "142"  # BAI2 type codes of the credits
# What the department's count was off by, and why.
MISCOUNTS = [
    (Decimal("10.00"), "the drawer count took a $10 bill twice"),
    (Decimal("-0.25"), "a quarter rolled under the drawer tray and was left out of the count"),
    (Decimal("-10.00"), "a $10 bill stuck to a check in the bag was missed in the count"),
    (Decimal("0.25"), "a quarter of the change fund was counted as taken in"),
]
UNKNOWN_PAYERS = ["QUILLFEATHER HOLDINGS", "VANTWERP ESCROW SVCS", "OKONKWO-BRANDT TRUST"]


# ---------------------------------------------------------------------------------- the plan


@dataclass
class ReceiptPlan:
    """How one planned payment (its PaymentPlan key) arrives."""

    key: int
    department: str
    method: str
    payer: str
    check_number: str = ""
    bank_account: str = ""
    reference: str = ""
    rule: str = "manual"  # or the matcher's rule, for the share it applied by itself
    confidence: Decimal | None = None

    @property
    def automatic(self) -> bool:
        return self.rule != "manual"


@dataclass
class DepositPlan:
    day: date
    department: str
    cashier: str
    bag: str  # the deposit bag number, which the bank reports back on its credit
    receipts: list[int] = field(default_factory=list)  # PaymentPlan keys, as keyed
    miscount: Decimal = money.ZERO  # the department's own count of the day was off by this
    cause: str = ""


@dataclass
class CashPlan:
    receipts: dict[int, ReceiptPlan]
    deposits: list[DepositPlan]
    lockbox_day: date
    unbalanced_from: date  # deposit days from this one on are not balanced
    short_deposit: int | None  # the deposit the bank credits short (None: the lockbox)
    short: Decimal
    short_cause: str

    @property
    def days(self) -> set[date]:
        return {d.day for d in self.deposits} | {self.lockbox_day}


def next_business_day(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def last_business_day_before(day: date) -> date:
    day -= timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _dress(rng: random.Random, r: ReceiptPlan, p: PaymentPlan, name: str, account: str) -> None:
    """What the method brings with it: a check number and account, an authorization, a trace."""
    r.payer, r.check_number, r.bank_account, r.reference = name, "", "", ""
    if r.method == Method.CHECK:
        r.check_number = p.reference.removeprefix("Check ").strip()
        if not r.check_number.isdigit():
            r.check_number = str(rng.randint(1001, 9999))
        r.bank_account = account
    elif r.method == Method.MONEY_ORDER:
        r.check_number = f"{rng.randint(10, 29)}-{rng.randint(100000000, 999999999)}"
    elif r.method == Method.CARD:
        r.reference = f"AUTH {rng.randint(100000, 999999)}"
    elif r.method == Method.ACH:
        r.payer, r.bank_account = name.upper(), account
        r.reference = f"TRACE {BANK_ID[:8]}{rng.randint(1000000, 9999999)}"
    elif r.method == Method.WIRE:
        r.payer, r.bank_account = name.upper(), account
        r.reference = f"FED REF {p.on:%Y%m%d}{rng.randint(100000, 999999)}"


def _receipt(
    rng: random.Random, city: CityPlan, p: PaymentPlan, who: CustomerPlan, account: str
) -> ReceiptPlan:
    debit = city.debits[p.applications[0][0]] if p.applications else None
    if debit is None:  # a payment on account, at the counter of a department that bills them
        department = rng.choice(BILLED_BY[who.fields["type"]])
    elif FUND_OF[debit.department] != p.fund:
        department = CITY_HALL  # a water bill paid at City Hall: applying it posts interfund
    else:
        department = debit.department
    method = p.method
    big = who.fields["type"] != Customer.Type.PERSON and p.amount >= 500
    if method == Method.CHECK and rng.random() < 0.1:
        method = Method.MONEY_ORDER
    elif method == Method.ACH and big and rng.random() < 0.5:
        method = Method.WIRE
    if who.fields.get("cash_only") and method == Method.CHECK:
        method = Method.MONEY_ORDER  # a check of theirs came back: no more checks
    receipt = ReceiptPlan(p.key, department, method, who.fields["name"])
    _dress(rng, receipt, p, who.fields["name"], account)
    if debit is None:
        return receipt
    applied = p.applications[0][1]
    exact = applied == p.amount == debit.amount
    chance = {"ach": 0.7, "wire": 0.7, "check": 0.2}.get(str(method), 0.0)
    if rng.random() < chance:
        rule = rng.choice(["invoice_number", "invoice_number", "invoice_number_fuzzy"])
        if method == Method.CHECK and exact and rng.random() < 0.3:
            rule = "amount_one"
        receipt.rule = rule
        receipt.confidence = {
            "invoice_number": Decimal("0.99") if exact else Decimal("0.95"),
            "invoice_number_fuzzy": Decimal("0.97") if exact else Decimal("0.91"),
            "amount_one": Decimal("0.96"),
        }[rule]
    return receipt


def plan_cash(city: CityPlan) -> CashPlan:
    """How the city's payments arrive and are deposited, balanced and credited by the bank."""
    rng = random.Random(city.seed * 7919 + 4)
    people = city.customers
    accounts = {c.key: f"{rng.randint(10**8, 10**10 - 1):010d}" for c in people}
    receipts = {
        p.key: _receipt(rng, city, p, people[p.customer], accounts[p.customer])
        for p in city.payments
    }

    def owner(r: ReceiptPlan) -> CustomerPlan:
        return people[city.payments[r.key].customer]

    # Every method and every department shows up, whatever the size and seed.
    for method in Method.values:
        used = Counter(r.method for r in receipts.values())
        fits = [
            r
            for r in receipts.values()
            if used[r.method] > 1
            and not r.automatic
            and not (method == Method.CHECK and owner(r).fields.get("cash_only"))
        ]
        if not used[method] and fits:
            chosen = rng.choice(fits)
            chosen.method = method
            who = owner(chosen)
            _dress(rng, chosen, city.payments[chosen.key], who.fields["name"], accounts[who.key])
    for code, *_ in DEPARTMENTS:
        used = Counter(r.department for r in receipts.values())
        on_account = [r for r in receipts.values() if not city.payments[r.key].applications]
        movable = [r for r in on_account if used[r.department] > 1]
        if not used[code] and movable:
            rng.choice(movable).department = code

    # Counters close at the weekend: what comes in then is deposited on Monday.
    grouped: dict[tuple[date, str], list[int]] = defaultdict(list)
    for p in sorted(city.payments, key=lambda p: (p.on, p.key)):
        day = p.on if p.on.weekday() < 5 else min(next_business_day(p.on), city.today)
        grouped[(day, receipts[p.key].department)].append(p.key)
    deposits = [
        DepositPlan(
            day=day,
            department=dept,
            cashier=rng.choices(["cass", "tina"], weights=[3, 1])[0],
            bag=f"BAG {rng.randint(300000, 399999)}",
            receipts=keys,
        )
        for (day, dept), keys in sorted(grouped.items())
    ]
    lockbox_day = last_business_day_before(city.today)
    days = sorted({d.day for d in deposits})
    unbalanced_from = min([*days[-UNBALANCED_DAYS:], lockbox_day])

    def cash_in(d: DepositPlan) -> Decimal:
        return sum(
            (city.payments[k].amount for k in d.receipts if receipts[k].method == Method.CASH),
            money.ZERO,
        )

    # A few drawers miscounted, on days the supervisor balances (the note says why).
    earlier = [d for d in deposits if d.day < unbalanced_from]
    with_cash = [d for d in earlier if cash_in(d) >= 20] or earlier
    wanted = 2 + len(people) // 200
    picked: list[DepositPlan] = []
    for d in rng.sample(with_cash, k=len(with_cash)):
        if len(picked) < wanted and all(d.day != other.day for other in picked):
            picked.append(d)
    for n, d in enumerate(sorted(picked, key=lambda d: d.day)):
        d.miscount, d.cause = MISCOUNTS[n % len(MISCOUNTS)]

    # The bank credits one recent deposit short.
    recent = [
        n
        for n, d in enumerate(deposits)
        if unbalanced_from <= d.day < city.today and next_business_day(d.day) <= city.today
    ]
    short_deposit = recent[0] if recent else None
    if short_deposit is not None and cash_in(deposits[short_deposit]) >= 20:
        short, cause = Decimal("20.00"), "COUNTERFEIT NOTE 20.00 RETURNED"
    else:
        short, cause = Decimal("1.00"), "ENCODING ERROR ADJ 1.00"
    return CashPlan(receipts, deposits, lockbox_day, unbalanced_from, short_deposit, short, cause)


# ---------------------------------------------------------------------------------- the bank


@dataclass
class Credit:
    """A credit as the bank books it on the agency's account."""

    booked: date
    fund: str
    amount: Decimal
    type_code: str
    bank_reference: str
    customer_reference: str
    text: str


def _units(amount: Decimal) -> int:
    return int(money.cents(amount) * 100)


def bai2_file(
    credits: Sequence[Credit], *, file_id: str, created: date, balances: dict[str, Decimal]
) -> bytes:
    """The bank's BAI2 file of `credits`: a group per day, an account per fund, every trailer
    with its control total and record count. `balances` (opening ledger per fund) is moved on."""
    records = [f"01,{BANK_ID},RIVERBEND,{created:%y%m%d},0600,{file_id},,,2/"]
    by_day: dict[date, list[Credit]] = defaultdict(list)
    for c in credits:
        by_day[c.booked].append(c)
    file_units = 0
    for day in sorted(by_day):
        group = [f"02,RIVERBEND,{BANK_ID},1,{day:%y%m%d},,USD,2/"]
        group_units, accounts = 0, 0
        for fund, (_, number, _) in BANK_ACCOUNTS.items():
            lines = [c for c in by_day[day] if c.fund == fund]
            if not lines:
                continue
            credited = sum(_units(c.amount) for c in lines)
            opening = _units(balances[fund])
            closing = opening + credited
            balances[fund] += sum((c.amount for c in lines), money.ZERO)
            account = [
                f"03,{number},USD,010,{opening},,,015,{closing},,,100,{credited},{len(lines)},/"
            ]
            account += [
                f"16,{c.type_code},{_units(c.amount)},,{c.bank_reference},"
                f"{c.customer_reference},{c.text}/"
                for c in lines
            ]
            control = opening + closing + 2 * credited
            account.append(f"49,{control},{len(account) + 1}/")
            group += account
            group_units += control
            accounts += 1
        group.append(f"98,{group_units},{accounts},{len(group) + 1}/")
        records += group
        file_units += group_units
    records.append(f"99,{file_units},{len(by_day)},{len(records) + 1}/")
    return ("\n".join(records) + "\n").encode()


# ---------------------------------------------------------------------------------- the load


def _typo(number: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """The number as a hurried hand writes it: two digits swapped, or the letter O for a 0."""
    head, digits = number[:-6], number[-6:]
    for i in range(len(digits) - 1, 0, -1):
        if digits[i] != digits[i - 1]:
            swapped = digits[: i - 1] + digits[i] + digits[i - 1] + digits[i + 1 :]
            if head + swapped not in taken:
                return head + swapped
            break
    return head + digits.replace("0", "O", 1)


def _reason(r: ReceiptPlan, payment: Payment, debit: Item, applied: Decimal) -> str:
    customer = payment.customer.name if payment.customer else r.payer
    if r.rule == "amount_one":
        return (
            f"The payer {r.payer} is {customer}; the payment equals the open amount of "
            f"{debit.number}, {money.fmt(applied)}."
        )
    if r.rule == "invoice_number_fuzzy":
        written = payment.remittance or debit.number
        return f"{written} in the remittance is one typo from {debit.number} of {customer}." + (
            " The payment equals its open amount." if applied == payment.amount else ""
        )
    if applied == payment.amount:
        return f"{debit.number} named in the remittance; {money.fmt(applied)} applied to it."
    return (
        f"{debit.number} named in the remittance by {customer}; {money.fmt(applied)} applied, "
        f"{money.fmt(payment.amount - applied)} stays on account."
    )


def _like(name: str) -> str:
    """A payer name somewhat like the customer's: an initial and the rest, in capitals."""
    words = name.replace(",", " ").split()
    if len(words) < 2:
        return f"{name.upper()} ACCT"
    return f"{words[0][0]} {' '.join(words[1:])}".upper()


class _Picker:
    """Open invoices for the lockbox and the bank's ACH credits: one per customer, never the last
    open item of an aging bucket when the payment will pay it off."""

    def __init__(self, items: list[Item], today: date, rng: random.Random) -> None:
        from fiscus.demo.city import BUCKETS

        self.buckets = BUCKETS
        self.today = today
        self.free = rng.sample(items, k=len(items))
        self.used: set[int] = set()
        debits = Item.objects.filter(open_amount__gt=0).exclude(kind=Item.Kind.PAYMENT)
        self.left = Counter(self.bucket(due) for due in debits.values_list("due_date", flat=True))
        self.amounts = Counter(debits.values_list("open_amount", flat=True))

    def bucket(self, due: date) -> str:
        late = (self.today - due).days
        return next(label for label, low, high in self.buckets if low <= late <= high)

    def take(self, *, pays: bool, fits: Any = None) -> Item | None:
        """An invoice of a customer not used yet; one that stays open may share a customer."""
        found = self._take(pays=pays, fits=fits, shared=False)
        return found if found is not None or pays else self._take(pays, fits, shared=True)

    def _take(self, pays: bool, fits: Any, shared: bool) -> Item | None:
        for it in self.free:
            if (it.customer_id in self.used and not shared) or (fits is not None and not fits(it)):
                continue
            if pays and self.left[self.bucket(it.due_date)] <= 1:
                continue
            self.free.remove(it)
            self.used.add(it.customer_id)
            if pays:
                self.left[self.bucket(it.due_date)] -= 1
            return it
        return None

    def pair(self) -> list[Item]:
        """Two invoices of one customer, both paid."""
        mine: dict[int, list[Item]] = defaultdict(list)
        for it in self.free:
            if it.customer_id not in self.used:
                mine[it.customer_id].append(it)
        for customer_id, found in mine.items():
            if len(found) < 2:
                continue
            first, second = found[:2]
            b1, b2 = self.bucket(first.due_date), self.bucket(second.due_date)
            if self.left[b1] - (b1 == b2) <= 1 or self.left[b2] <= 1:
                continue
            for it in (first, second):
                self.free.remove(it)
                self.left[self.bucket(it.due_date)] -= 1
            self.used.add(customer_id)
            return [first, second]
        return []

    def payer(self) -> Customer | None:
        """A customer not used yet whose name is its own (for a check naming another's invoice)."""
        names = Counter(Customer.objects.values_list("name", flat=True))
        for customer in Customer.objects.exclude(pk__in=self.used).order_by("pk"):
            if names[customer.name] == 1:
                self.used.add(customer.pk)
                return customer
        return None


@dataclass
class CashSummary:
    payments: int = 0
    deposits: int = 0
    methods: int = 0
    balanced: int = 0
    to_balance: int = 0
    statements: int = 0
    applied: int = 0  # by the matcher: the lockbox and the bank's file
    suggested: int = 0
    unidentified: int = 0
    returned: int = 0

    @property
    def text(self) -> str:
        return (
            f"Cash: {self.payments} payments by {self.methods} methods in {self.deposits} "
            f"deposits; {self.balanced} days balanced, {self.to_balance} to balance; "
            f"{self.statements} bank statements; lockbox and bank: {self.applied} applied "
            f"automatically, {self.suggested} suggestions waiting, {self.unidentified} "
            f"unidentified payments; {self.returned} returned payments."
        )


class CashLoad:
    """Writes the cash plan through the cash services, day by day (see the module docstring)."""

    def __init__(
        self,
        city: CityPlan,
        *,
        staff: Any,
        customers: dict[int, Customer],
        departments: dict[str, Department],
        funds: dict[str, Fund],
        items: dict[int, Item],
    ) -> None:
        assert city.cash is not None
        self.city = city
        self.plan: CashPlan = city.cash
        self.customers = customers
        self.departments = departments
        self.funds = funds
        self.items = items  # the loader's debit items by plan key, filled as they post
        self.users: dict[str, User] = {u: staff[u] for u in ("cass", "tina", "sam", "bill")}
        self.rng = random.Random(city.seed * 7919 + 5)
        self.deposits_on: dict[date, list[tuple[int, DepositPlan]]] = defaultdict(list)
        for n, d in enumerate(self.plan.deposits):
            self.deposits_on[d.day].append((n, d))
        self.credits: list[Credit] = []  # booked by the bank, not yet in an imported file
        self.imported_before = city.conversion  # the bank's files hold what it booked before
        self.balances = {fund: opening for fund, (_, _, opening) in BANK_ACCOUNTS.items()}
        self.last_credit: dict[date, date] = {}  # deposit day -> when the bank books its last
        self.notes: dict[date, list[str]] = defaultdict(list)
        self.picker: _Picker | None = None
        self.summary = CashSummary()

    @property
    def days(self) -> set[date]:
        return self.plan.days

    def set_up(self) -> None:
        """The agency's accounts at its bank (no service writes them yet: created, audited)."""
        for fund, (name, number, _) in BANK_ACCOUNTS.items():
            account = BankAccount.objects.create(
                name=name, bank_name=BANK, number=number, fund=self.funds[fund]
            )
            audit.record("bank_account.created", account, by=self.users["tina"], source="demo")

    # -- each day

    def receive_day(self, day: date) -> tuple[int, int]:
        """The day's deposits: payments recorded, applied in bulk, closed, reported; on the
        lockbox day the lockbox too. Returns the planned payments and applications made."""
        specs: list[ApplySpec] = []
        reasons: list[tuple[Payment, ReceiptPlan, Item]] = []
        deposits: dict[int, Deposit] = {}
        for n, d in self.deposits_on.get(day, []):
            deposits[n], payments = self._deposit(d)
            for key, payment in zip(d.receipts, payments, strict=True):
                for debit_key, amount in self.city.payments[key].applications:
                    assert payment.item is not None
                    specs.append(ApplySpec(payment.item, self.items[debit_key], amount))
                    reasons.append((payment, self.plan.receipts[key], self.items[debit_key]))
        applications = apply_many(specs, on=day, by=self.users["tina"])
        self._reasons(applications, reasons)
        reported: dict[str, tuple[Decimal, int]] = {}
        for n, d in self.deposits_on.get(day, []):
            total = self._close(n, d, deposits[n])
            reported[d.department] = (total, len(d.receipts))
        if day == self.plan.lockbox_day:
            total, count = self._lockbox(day)
            before = reported.get(CITY_HALL, (money.ZERO, 0))
            reported[CITY_HALL] = (before[0] + total, before[1] + count)
        if day < self.city.today:  # today's counters are still open; they report tonight
            self._report(day, reported, {d.department: d for _, d in self.deposits_on[day]})
        received = sum(len(d.receipts) for _, d in self.deposits_on.get(day, []))
        return received, len(applications)

    def _deposit(self, d: DepositPlan) -> tuple[Deposit, list[Payment]]:
        plans = [self.city.payments[k] for k in d.receipts]
        cashier = self.users[d.cashier]
        deposit = open_deposit(
            department=self.departments[d.department],
            on=d.day,
            by=cashier,
            control_count=len(plans),
            control_total=sum((p.amount for p in plans), money.ZERO),
            bank_reference=d.bag,
        )
        inputs = []
        for p in plans:
            r = self.plan.receipts[p.key]
            remittance = ""
            if p.applications and (r.automatic or r.method in (Method.ACH, Method.WIRE)):
                number = self.items[p.applications[0][0]].number
                remittance = _typo(number) if r.rule == "invoice_number_fuzzy" else number
            inputs.append(
                PaymentInput(
                    amount=p.amount,
                    method=r.method,
                    received_on=p.on,
                    customer=self.customers[p.customer],
                    payer=r.payer,
                    check_number=r.check_number,
                    bank_account=r.bank_account,
                    reference=r.reference,
                    remittance=remittance,
                )
            )
        payments = record_payments(deposit, inputs, by=cashier)
        self.summary.payments += len(payments)
        self.summary.deposits += 1
        return deposit, payments

    def _reasons(
        self, applications: Sequence[Any], reasons: Sequence[tuple[Payment, ReceiptPlan, Item]]
    ) -> None:
        """Why each application was made: by hand, or the matcher's rule (with its match)."""
        now = timezone.now()
        pairs = list(zip(applications, reasons, strict=True))
        matches = {
            n: Match(
                payment=payment,
                customer_id=payment.customer_id,
                allocations=[
                    {"item": str(debit.pk), "number": debit.number, "amount": str(app.amount)}
                ],
                rule=r.rule,
                confidence=r.confidence or money.ZERO,  # automatic: always given
                reason=_reason(r, payment, debit, app.amount)[:400],
                status=Match.Status.APPLIED,
                decided_at=now,
            )
            for n, (app, (payment, r, debit)) in enumerate(pairs)
            if r.automatic
        }
        Match.objects.bulk_create(list(matches.values()))
        ApplicationReason.objects.bulk_create(
            [
                ApplicationReason(
                    application=app,
                    payment=payment,
                    match=matches.get(n),
                    automatic=r.automatic,
                    rule=r.rule,
                    confidence=r.confidence,
                )
                for n, (app, (payment, r, _)) in enumerate(pairs)
            ]
        )

    def _close(self, n: int, d: DepositPlan, deposit: Deposit) -> Decimal:
        """Close the deposit (not today's: the counter is open) and book the bank's credit."""
        total = sum((self.city.payments[k].amount for k in d.receipts), money.ZERO)
        credited, text = total, f"BRANCH DEPOSIT {d.bag}"
        if n == self.plan.short_deposit:
            credited, text = total - self.plan.short, f"{text} {self.plan.short_cause}"
        booked = next_business_day(d.day)
        if n == self.plan.short_deposit:
            booked = d.day  # made before the branch's cutoff: credited (short) the same day
        fund = FUND_OF[d.department]
        self._book(d.day, Credit(booked, fund, credited, DEPOSIT_CODE, self._ref(), d.bag, text))
        if d.day < self.city.today:
            close_deposit(deposit, by=self.users[d.cashier])
        return total

    def _report(
        self, day: date, reported: dict[str, tuple[Decimal, int]], plans: dict[str, DepositPlan]
    ) -> None:
        """Each department's own count of its day: Parks by its biller, the rest by the cashier."""
        for code, (total, count) in sorted(reported.items()):
            d = plans.get(code)
            off = d.miscount if d is not None else money.ZERO
            department = self.departments[code]
            report_department_day(
                day=day,
                department=department,
                amount=total + off,
                count=count,
                by=self.users["bill" if code == "PRK" else "cass"],
                reference=f"{code} daily cash report",
            )
            if off and d is not None:
                self.notes[day].append(
                    f"{department.name} reported {money.fmt(total + off)} against receipts of "
                    f"{money.fmt(total)}: {d.cause}. The bank credited the deposit in full; "
                    "the receipts stand."
                )

    def _book(self, day: date, credit: Credit) -> None:
        self.credits.append(credit)
        self.last_credit[day] = max(self.last_credit.get(day, credit.booked), credit.booked)

    def _ref(self) -> str:
        return f"{self.rng.randint(10**9, 10**10 - 1)}"

    # -- the bank and the supervisor

    def catch_up(self, day: date) -> None:
        """When a month has ended, its statement arrives and the days it covers are balanced."""
        month = day.replace(day=1)
        if month <= self.imported_before:
            return
        last = month - timedelta(days=1)
        self._import(
            [c for c in self.credits if c.booked < month],
            name=f"riverbank-{last:%Y-%m}.bai",
            created=month,
        )
        self.imported_before = month
        self._balance()

    def _import(
        self, credits: list[Credit], *, name: str, created: date, receive: bool = False
    ) -> Any:
        if not credits:
            return None
        file_id = f"{created:%y%m%d}{'1' if receive else '0'}"
        data = bai2_file(credits, file_id=file_id, created=created, balances=self.balances)
        sent = {id(c) for c in credits}
        self.credits = [c for c in self.credits if id(c) not in sent]
        return import_bank_file(data, name, by=self.users["tina"], receive=receive)

    def _balance(self) -> None:
        """The supervisor balances every day whose bank credits are in, oldest first, up to
        the last few days."""
        done = set(BalancedDay.objects.values_list("day", flat=True))
        for day in sorted(self.last_credit):
            if day >= self.plan.unbalanced_from:
                break
            if day in done:
                continue
            if self.last_credit[day] >= self.imported_before:
                break
            balance_day(day, by=self.users["sam"], note="\n".join(self.notes.get(day, [])))

    # -- the lockbox

    def _invoices(self) -> list[Item]:
        """Invoices a lockbox or ACH payment may name: open, of customers without a flag, and
        with no credit memo or later payment planned against them."""
        later = [  # a credit memo, or a payment still to come, that the plan applies to it
            *(m.debit for m in self.city.billing.memos if m.debit is not None),
            *(
                key
                for p in self.city.payments
                if p.on >= self.plan.lockbox_day
                for key, _ in p.applications
            ),
        ]
        memos = {self.items[key].pk for key in later if key in self.items}
        return [
            it
            for it in Item.objects.filter(kind=Item.Kind.INVOICE, open_amount__gt=0)
            .filter(**{f"customer__{flag}": False for flag in Customer.FLAGS})
            .select_related("customer", "fund")
            .order_by("pk")
            if it.pk not in memos
        ]

    def _lockbox(self, day: date) -> tuple[Decimal, int]:
        """The bank's lockbox batch: checks with noisy remittances, matched and applied."""
        tina = self.users["tina"]
        inputs, lines = self._lockbox_payments(day)
        total = sum((p.amount for p in inputs), money.ZERO)
        deposit = open_deposit(
            department=self.departments[CITY_HALL],
            on=day,
            by=tina,
            control_count=len(inputs),
            control_total=total,
            source="lockbox",
            bank_reference=f"LOCKBOX {LOCKBOX}",
        )
        result = receive_and_apply(
            deposit, inputs, by=tina, source="lockbox", remittance_lines=lines
        )
        close_deposit(deposit, by=tina)
        self.summary.payments += result.count
        self.summary.deposits += 1
        self.summary.applied += result.applied
        credited, text = total, f"LOCKBOX {LOCKBOX} DEPOSIT"
        if self.plan.short_deposit is None:
            credited, text = total - self.plan.short, f"{text} {self.plan.short_cause}"
        credit = Credit(day, "100", credited, LOCKBOX_CODE, self._ref(), f"LOCKBOX {LOCKBOX}", text)
        self._book(day, credit)
        return total, len(inputs)

    def _lockbox_payments(self, day: date) -> tuple[list[PaymentInput], list[list[RemittanceLine]]]:
        rng = self.rng
        pick = self.picker = _Picker(self._invoices(), self.city.today, rng)
        taken = set(Item.objects.values_list("number", flat=True))
        inputs: list[PaymentInput] = []
        lines: list[list[RemittanceLine]] = []
        unknown = iter(rng.sample(UNKNOWN_PAYERS, k=len(UNKNOWN_PAYERS)) * 3)

        def add(amount: Decimal, payer: str, rem: Sequence[RemittanceLine] = ()) -> None:
            text = "\n".join(
                " ".join(
                    x
                    for x in (
                        r.customer_number,
                        r.invoice_number,
                        money.fmt(r.amount, symbol=False) if r.amount is not None else "",
                    )
                    if x
                )
                for r in rem
            )
            inputs.append(
                PaymentInput(
                    amount=money.cents(amount),
                    method=Method.CHECK,
                    received_on=day,
                    payer=payer,
                    check_number=str(rng.randint(1001, 9999)),
                    bank_account=f"{rng.randint(10**8, 10**10 - 1):010d}",
                    reference=f"Lockbox {LOCKBOX}",
                    remittance=text,
                )
            )
            lines.append(list(rem))

        def line(it: Item, amount: Decimal | None, number: str = "") -> RemittanceLine:
            return RemittanceLine(invoice_number=number or it.number, amount=amount)

        # Applied by themselves, and suggestions, in turns: a small city runs out of customers.
        cases = ["exact", "someone_else", "typo", "short_unknown", "over", "amount_only"]
        cases += ["combined", "like_name", "short", "number"]
        if len(self.customers) >= 250:
            cases += ["exact", "short_unknown", "typo", "like_name", "exact", "over", "number"]
        for case in cases:
            if case == "combined":
                pair = pick.pair()
                if pair:
                    add(
                        sum((it.open_amount for it in pair), money.ZERO),
                        pair[0].customer.name.upper(),
                        [line(it, it.open_amount) for it in pair],
                    )
                continue
            pays = case in ("exact", "typo", "over", "number")
            fits = None
            if case == "amount_only":
                fits = lambda it: pick.amounts[it.open_amount] == 1  # noqa: E731
            it = pick.take(pays=pays, fits=fits)
            if it is None:
                continue
            name, owed = it.customer.name, it.open_amount
            if case == "exact":
                add(owed, name.upper(), [line(it, owed)])
            elif case == "typo":
                add(owed, name, [line(it, owed, _typo(it.number, taken))])
            elif case == "short":
                add(
                    max(Decimal("1.00"), money.cents(owed * Decimal("0.6"))), name, [line(it, None)]
                )
            elif case == "over":
                add(owed + Decimal("15.00"), name.upper(), [line(it, None)])
            elif case == "number":
                add(owed, name, [RemittanceLine(customer_number=it.customer.number)])
            elif case == "someone_else":
                other = pick.payer()
                if other is not None:
                    add(owed, other.name.upper(), [line(it, owed)])
            elif case == "short_unknown":  # an exact number, paid short, by nobody known
                add(money.cents(owed * Decimal("0.5")), next(unknown), [line(it, None)])
            elif case == "like_name":  # somebody like the customer, for no amount owed
                add(money.cents(owed * Decimal("0.37")), _like(name))
            elif case == "amount_only":
                add(owed, next(unknown))
        for _ in range(2):  # nobody's: no reference, an amount nothing is open for
            amount = Decimal(rng.randint(4000, 60000)) / 100
            while pick.amounts[amount]:
                amount += Decimal("0.01")
            add(amount, next(unknown))
        return inputs, lines

    # -- today

    def finish(self) -> CashSummary:
        """Today: the month-to-date statement, the days it lets the supervisor balance, and the
        bank's current-day file, whose ACH credit is received as a payment."""
        today = self.city.today
        totals = set(
            Payment.objects.filter(deposit__deposit_date__gte=today - timedelta(days=6))
            .values("deposit")
            .annotate(total=Sum("amount"))
            .values_list("total", flat=True)
        )
        pick = _Picker(self._invoices(), today, self.rng)  # what is open now
        pick.used |= self.picker.used if self.picker is not None else set()

        def fits(it: Item) -> bool:  # not the amount of a deposit the bank may credit
            return it.open_amount not in totals

        received = pick.take(
            pays=True, fits=lambda it: fits(it) and pick.amounts[it.open_amount] == 1
        ) or pick.take(pays=True, fits=fits)
        stray = pick.take(pays=False, fits=fits)
        if stray is not None:  # a customer's ACH credit that no deposit explains
            self.credits.append(self._ach(self.plan.lockbox_day, stray))
        self._import(
            [c for c in self.credits if c.booked <= today],
            name=f"riverbank-{today:%Y-%m}-to-date.bai",
            created=today,
        )
        self.imported_before = today + timedelta(days=1)
        self._balance()
        if received is not None:
            result = self._import(
                [self._ach(today, received)],
                name=f"riverbank-{today:%Y-%m-%d}-current-day.bai",
                created=today,
                receive=True,
            )
            if result is not None and result.received is not None:
                self.summary.payments += result.received.count
                self.summary.deposits += 1
                self.summary.applied += result.received.applied
        self._returns(today)
        from fiscus.cash.models import BankStatement
        from fiscus.cash.queries import days_to_balance

        s = self.summary
        s.methods = Payment.objects.values("method").distinct().count()
        s.balanced = BalancedDay.objects.count()
        s.to_balance = len(days_to_balance(limit=1000))
        s.statements = BankStatement.objects.count()
        s.suggested = Match.objects.filter(status=Match.Status.SUGGESTED).count()
        s.unidentified = Payment.objects.filter(status=Payment.Status.UNIDENTIFIED).count()
        return s

    def _returns(self, today: date) -> None:
        """Checks that came back: one NSF still to be worked (its fee and notice waiting), one
        stop payment the bank presented again and cleared, one ACH return (R01) worked last
        month. Each customer turns cash-only for the policy's period."""
        from fiscus.cash import returns
        from fiscus.cash.models import Deposit
        from fiscus.receivables.models import Application

        tina = self.users["tina"]
        applied = Application.objects.filter(amount__gt=0, reverses__isnull=True).values(
            "credit_item"
        )
        candidates = (
            Payment.objects.filter(
                item__in=applied,
                deposit__status=Deposit.Status.BALANCED,
                customer__cash_only=False,
                received_on__lt=today - timedelta(days=7),
            )
            .select_related("customer", "deposit")
            .order_by("-received_on", "pk")
        )
        chosen: list[Payment] = []
        people: set[int] = set()
        for pay in candidates.filter(method__in=[Method.CHECK, Method.ACH])[:200]:
            if pay.customer_id in people:
                continue
            latest = max(
                Application.objects.filter(credit_item=pay.item).values_list(
                    "effective_date", flat=True
                )
            )
            if latest >= today - timedelta(days=2):
                continue
            want = (Method.CHECK, Method.CHECK, Method.ACH)[len(chosen)]
            if pay.method != want:
                continue
            people.add(pay.customer_id)  # type: ignore[arg-type]
            chosen.append(pay)
            if len(chosen) == 3:
                break
        for n, pay in enumerate(chosen):
            latest = max(
                Application.objects.filter(credit_item=pay.item).values_list(
                    "effective_date", flat=True
                )
            )
            if n == 0:
                returns.return_payment(
                    pay, reason="nsf", on=today - timedelta(days=1), by=tina, note="Bank memo"
                )
            elif n == 1:
                back = returns.return_payment(
                    pay, reason="stop_payment", on=latest + timedelta(days=1), by=tina
                )
                returns.mark_worked(back, by=tina)
                returns.redeposit(back, on=min(today, latest + timedelta(days=4)), by=tina)
            else:
                back = returns.return_payment(
                    pay,
                    reason=returns.reason_for_ach("R01"),
                    ach_code="R01",
                    ach_trace=pay.reference[:15],
                    on=latest + timedelta(days=2),
                    by=tina,
                )
                returns.mark_worked(back, by=tina)
            self.summary.returned += 1

    def _ach(self, booked: date, it: Item) -> Credit:
        customer = it.customer
        name = re.sub(r"[^A-Z0-9 &]", "", customer.name.upper())[:32]
        return Credit(
            booked,
            it.fund.code,
            it.open_amount,
            ACH_CODE,
            self._ref(),
            f"{BANK_ID[:8]}{self.rng.randint(1000000, 9999999)}",
            f"ACH CREDIT {name} PAYMENT {it.number}",
        )

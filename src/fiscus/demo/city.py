"""The City of Riverbend, California: a fictional agency with 18 months of receivables.

Two steps. `plan_city()` draws everything from a seeded random generator, in memory, with dates
relative to today: the customers, the conversion's opening balances, the invoices since (from
every department, and the recurring leases), how each customer pays (on time, late, short,
never), the credit and debit memos, and the invoices still waiting in review. `load_city()` then
writes the plan through the real services, day by day in date order, in one transaction:
customers through `create_customer`, opening balances through `post_items`, invoices through
the billing services (created, submitted and posted in bulk; see fiscus.demo.billing), payments
through the cash app: deposits per day and department, payments recorded and applied in bulk, bank
statements, daily balancing, a lockbox matched automatically (see fiscus.demo.cash). So the
general ledger ties to the receivable ledger, both hash chains verify, and every number is drawn
gap-free, exactly as in production.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractBaseUser, Group, User
from django.db import transaction
from django.utils import timezone

from fiscus import audit, money
from fiscus.customers.models import Customer
from fiscus.customers.services import add_note, create_customer
from fiscus.demo.billing import (
    CHARGES,
    BillingLoad,
    BillingPlan,
    BillingSummary,
    MemoPlan,
    billing_summary,
    draw_price,
    last_month_end,
    mark_po_required,
    months_back,
    plan_leases,
    plan_memos,
    plan_review,
)
from fiscus.demo.cash import CashLoad, CashPlan, CashSummary, plan_cash
from fiscus.demo.words import (
    AGENCY_KINDS,
    AGENCY_TITLES,
    BILLED_BY,
    BRAND_NOUNS,
    BRANDS,
    DEPARTMENTS,
    FIRST,
    FLAG_NOTES,
    LAST,
    NOTES,
    PLACES,
    SCHOOL_KINDS,
    STREETS,
    TITLES,
    TRADES,
    ZIPS,
    Charge,
)
from fiscus.organization import services as org
from fiscus.organization.models import (
    Account,
    Department,
    FiscalPeriod,
    Fund,
    StaffProfile,
)
from fiscus.organization.roles import Role
from fiscus.receivables.models import Item
from fiscus.receivables.services import ItemSpec, Offset, post_items

PASSWORD = "riverbend-demo"
AGENCY_NAME = "City of Riverbend"

# username, first name, last name, role, departments (codes) for a department biller
LOGINS: list[tuple[str, str, str, Role, tuple[str, ...]]] = [
    ("tina", "Tina", "Tran", Role.TECHNICIAN, ()),
    ("sam", "Sam", "Okafor", Role.SUPERVISOR, ()),
    ("cass", "Cass", "Delgado", Role.CASHIER, ()),
    ("bill", "Bill", "Mendez", Role.BILLER, ("PRK",)),
    ("cole", "Cole", "Whitaker", Role.COLLECTIONS, ()),
    ("audrey", "Audrey", "Nakamura", Role.AUDITOR, ()),
    ("ada", "Ada", "Lindqvist", Role.ADMINISTRATOR, ()),
]

AGENCY_PROFILE = {
    "name": AGENCY_NAME,
    "address": "City Hall\n400 Levee Street\nRiverbend, CA 95870",
    "phone": "(530) 555-0100",
    "email": "ar@riverbend.example",
    "website": "https://www.riverbend.example",
    "remit_to": "City of Riverbend\nAccounts Receivable\nP.O. Box 2150\nRiverbend, CA 95871",
}

FUNDS = [("100", "General Fund"), ("500", "Water Utility")]

# flag -> how many per 500 customers (at least one each)
FLAG_RATES = {
    "on_hold": 4,
    "cash_only": 4,
    "in_bankruptcy": 3,
    "in_collections": 6,
    "deceased": 2,
    "needs_review": 10,
}
TERMS_DAYS = {"due_on_receipt": 0, "net10": 10, "net30": 30, "net60": 60}
# Aging buckets as of today, by days past due: (label, lowest, highest)
BUCKETS = [
    ("not yet due", -9999, 0),
    ("1-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("91-120", 91, 120),
    ("over 120", 121, 99999),
]

FUND_OF = {code: fund for code, _, fund, _, _ in DEPARTMENTS}

Progress = Callable[[str, int], None]


# ---------------------------------------------------------------------------------- the plan


@dataclass
class CustomerPlan:
    key: int
    fields: dict[str, Any]
    tax_id: str
    address: dict[str, Any]
    contact: dict[str, Any] | None
    notes: list[str]
    habit: str  # prompt, late, partial, never


@dataclass
class DebitPlan:
    key: int
    customer: int
    kind: str
    department: str
    document_date: date
    due_date: date
    amount: Decimal
    description: str
    reference: str
    posted_on: date
    charge: str = ""  # the charge code an invoice bills
    quantity: Decimal = Decimal(1)
    unit_price: Decimal = Decimal(0)
    lease: int | None = None  # the recurring lease (LeasePlan index) it is a period of


@dataclass
class PaymentPlan:
    key: int
    customer: int
    on: date
    fund: str
    amount: Decimal
    method: str
    reference: str
    applications: list[tuple[int, Decimal]] = field(default_factory=list)


@dataclass
class CityPlan:
    today: date
    conversion: date
    seed: int
    customers: list[CustomerPlan]
    debits: list[DebitPlan]
    payments: list[PaymentPlan]
    billing: BillingPlan = field(default_factory=BillingPlan)
    cash: CashPlan | None = None  # how the payments arrive, are deposited and balanced

    @property
    def units(self) -> int:
        """Steps the load reports to its progress bar."""
        applications = sum(len(p.applications) for p in self.payments)
        billing = len(self.billing.memos) + len(self.billing.review)
        return len(self.customers) + len(self.debits) + len(self.payments) + applications + billing


_months_back = months_back


def _phone(rng: random.Random) -> str:
    return f"(530) 555-01{rng.randint(0, 99):02d}"


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-").replace("--", "-")


def _customer(rng: random.Random, key: int, kind: str) -> CustomerPlan:
    street = f"{rng.randint(100, 9899)} {rng.choice(STREETS)}"
    address: dict[str, Any] = {
        "line1": street,
        "city": "Riverbend",
        "state": "CA",
        "postal_code": rng.choice(ZIPS),
    }
    contact = None
    tax_id = ""
    fields: dict[str, Any] = {"type": kind, "phone": _phone(rng)}
    first, last = rng.choice(FIRST), rng.choice(LAST)
    if kind == Customer.Type.PERSON:
        name = f"{first} {last}"
        fields["email"] = f"{first}.{last}{key}@example.com".lower() if rng.random() < 0.7 else ""
        if rng.random() < 0.12:
            tax_id = f"9{rng.randint(0, 99999999):08d}"  # ITIN-shaped: never a real SSN
        if rng.random() < 0.2:
            address["line2"] = f"Apt {rng.randint(1, 40)}{rng.choice('ABCD')}"
    elif kind == Customer.Type.BUSINESS:
        if rng.random() < 0.5:
            name = f"{last} {rng.choice(TRADES)}"
        else:
            name = f"{rng.choice(BRANDS)} {rng.choice(BRAND_NOUNS)}"
        domain = f"{_slug(name.replace('&', 'and').replace('.', ''))}.example"
        fields["email"] = f"billing@{domain}"
        fields["terms"] = rng.choice(["net30", "net30", "net30", "net10", "due_on_receipt"])
        if rng.random() < 0.4:
            fields["credit_limit"] = Decimal(rng.choice([1000, 2500, 5000, 10000]))
        if rng.random() < 0.35:
            tax_id = f"{rng.randint(10, 99)}{rng.randint(0, 9999999):07d}"
        if rng.random() < 0.25:
            address["line2"] = f"Suite {rng.randint(100, 450)}"
        contact = {
            "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "title": rng.choice(TITLES),
            "phone": _phone(rng),
            "email": f"{first.lower()}@{domain}",
        }
    else:
        kinds = AGENCY_KINDS if kind == Customer.Type.AGENCY else SCHOOL_KINDS
        name = f"{rng.choice(PLACES)} {rng.choice(kinds)}"
        domain = f"{_slug(name)}.example"
        fields["email"] = f"ap@{domain}"
        fields["terms"] = "net60" if kind == Customer.Type.AGENCY else "net30"
        fields["statement_cycle"] = Customer.Cycle.QUARTERLY
        tax_id = f"{rng.randint(10, 99)}{rng.randint(0, 9999999):07d}"
        address["line1"] = f"{rng.randint(100, 2999)} {rng.choice(STREETS)}"
        address["kind"] = "billing"
        contact = {
            "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "title": rng.choice(AGENCY_TITLES),
            "phone": _phone(rng),
            "email": f"payables@{domain}",
        }
    fields["name"] = name
    notes = [rng.choice(NOTES)] if rng.random() < 0.15 else []
    habit = rng.choices(["prompt", "late", "partial", "never"], weights=[55, 27, 9, 9])[0]
    if kind in (Customer.Type.AGENCY, Customer.Type.SCHOOL_DISTRICT):
        habit = rng.choice(["prompt", "late"])  # public payers pay, if slowly
    return CustomerPlan(key, fields, tax_id, address, contact, notes, habit)


def plan_city(*, customers: int = 500, seed: int = 2026, today: date | None = None) -> CityPlan:
    """Draw the whole demo in memory (no database): same seed and day, same city."""
    if customers < 12:
        raise ValueError("The demo city needs at least 12 customers.")
    rng = random.Random(seed)
    today = today or timezone.localdate()
    conversion = _months_back(today, 18)

    # Customers: every type, the first four fixed so a small city still has each.
    types = [
        Customer.Type.AGENCY,
        Customer.Type.SCHOOL_DISTRICT,
        Customer.Type.BUSINESS,
        Customer.Type.PERSON,
    ]
    weights = {
        Customer.Type.PERSON: 60,
        Customer.Type.BUSINESS: 33,
        Customer.Type.AGENCY: 4,
        Customer.Type.SCHOOL_DISTRICT: 3,
    }
    while len(types) < customers:
        types.append(rng.choices(list(weights), weights=list(weights.values()))[0])
    people = [_customer(rng, n, kind) for n, kind in enumerate(types)]
    flagged = rng.sample(
        range(4, customers),
        k=min(
            customers - 4,
            sum(max(1, round(customers * rate / 500)) for rate in FLAG_RATES.values()),
        ),
    )
    at = 0
    for flag, rate in FLAG_RATES.items():
        for key in flagged[at : at + max(1, round(customers * rate / 500))]:
            person = people[key]
            person.fields[flag] = True
            person.notes.append(FLAG_NOTES[flag])
            if flag in ("in_bankruptcy", "in_collections", "deceased"):
                person.habit = "never"
        at += max(1, round(customers * rate / 500))
    mark_po_required(rng, people)

    # Debits: opening balances before the conversion, invoices since (more of them lately).
    debits: list[DebitPlan] = []

    def append_debit(**fields: Any) -> DebitPlan:
        debit = DebitPlan(key=len(debits), **fields)
        debits.append(debit)
        return debit

    def add_debit(
        cust: int,
        kind: str,
        doc: date,
        posted_on: date,
        dept: str | None = None,
        due: date | None = None,
    ) -> DebitPlan:
        who = people[cust]
        dept = dept or rng.choice(BILLED_BY[who.fields["type"]])
        charge: Charge = rng.choice(CHARGES[dept])
        quantity, price, amount = draw_price(rng, charge)
        terms = TERMS_DAYS[who.fields.get("terms", "net30")]
        return append_debit(
            customer=cust,
            kind=kind,
            department=dept,
            document_date=doc,
            due_date=due
            or doc + timedelta(days=max(terms, 10 if kind == "opening_balance" else 0)),
            amount=amount,
            description=charge[1],
            reference=f"{dept}-{rng.randint(10000, 99999)}",
            posted_on=posted_on,
            charge=charge[0],
            quantity=quantity,
            unit_price=price,
        )

    for cust in range(customers):
        if rng.random() < 0.45:
            for _ in range(rng.choice([1, 1, 1, 2, 3])):
                doc = conversion - timedelta(days=rng.randint(1, 300))
                add_debit(cust, Item.Kind.OPENING_BALANCE, doc, conversion)
    span = (today - conversion).days
    for _ in range(int(customers * 1.4)):
        doc = today - timedelta(days=int(span * rng.random() ** 1.6))
        add_debit(rng.randrange(customers), Item.Kind.INVOICE, doc, doc)
    # Every department bills something, whatever the size and seed.
    billed = {d.department for d in debits if d.kind == Item.Kind.INVOICE}
    for code, *_ in DEPARTMENTS:
        if code not in billed:
            who = [c.key for c in people if code in BILLED_BY[c.fields["type"]]]
            doc = today - timedelta(days=rng.randint(5, 200))
            add_debit(rng.choice(who), Item.Kind.INVOICE, doc, doc, dept=code)
    leases = plan_leases(rng, people, today, append_debit)

    # Payments: how each customer pays each debit.
    payments: list[PaymentPlan] = []
    methods = ["check", "check", "check", "card", "ach", "cash"]

    def pay(debit: DebitPlan, on: date, amount: Decimal, applied: Decimal | None = None) -> None:
        on = max(on, debit.posted_on + timedelta(days=1))
        if on > today or amount <= 0:
            return
        fund = FUND_OF[debit.department]
        if fund == "500" and rng.random() < 0.08:
            fund = "100"  # paid at City Hall: applying it posts the interfund entry
        method = rng.choice(methods)
        ref = f"Check {rng.randint(1001, 9999)}" if method == "check" else method.upper()
        payment = PaymentPlan(len(payments), debit.customer, on, fund, amount, method, ref)
        payment.applications.append((debit.key, applied if applied is not None else amount))
        payments.append(payment)

    for debit in debits:
        habit = people[debit.customer].habit
        days = (debit.due_date - debit.document_date).days
        if habit == "prompt":
            pay(debit, debit.document_date + timedelta(days=rng.randint(3, days + 8)), debit.amount)
        elif habit == "late":
            pay(debit, debit.due_date + timedelta(days=rng.randint(10, 140)), debit.amount)
        elif habit == "partial":
            first = money.cents(debit.amount * Decimal(rng.choice(["0.4", "0.5", "0.75", "0.8"])))
            first_on = debit.due_date + timedelta(days=rng.randint(0, 45))
            pay(debit, first_on, first)  # a short pay
            if rng.random() < 0.5:  # paid off later; otherwise the rest stays open
                pay(debit, first_on + timedelta(days=rng.randint(30, 120)), debit.amount - first)
        # never: it stays open, and ages

    # A few overpayments and deposits leave credits (unapplied cash) on account.
    for payment in rng.sample(payments, k=max(1, len(payments) // 60)):
        payment.amount += Decimal(rng.choice([5, 10, 20, 25, 50]))
    for cust in rng.sample(range(customers), k=max(2, customers // 100)):
        on = today - timedelta(days=rng.randint(1, 200))
        ref = f"Check {rng.randint(1001, 9999)}"
        payments.append(
            PaymentPlan(
                len(payments),
                cust,
                on,
                "100",
                Decimal(rng.choice([100, 150, 250, 500])),
                "check",
                ref,
            )
        )

    open_by_debit = {d.key: d.amount for d in debits}
    for payment in payments:
        for key, amount in payment.applications:
            open_by_debit[key] -= amount
    memos = plan_memos(rng, people, debits, open_by_debit, today)

    # Last month's finance-charge run skips a held and a bankrupt customer: they owe past due.
    finance_as_of = last_month_end(today)
    for flag in ("on_hold", "in_bankruptcy"):
        person = next(c for c in people if c.fields.get(flag))
        owes = any(
            d.customer == person.key
            and open_by_debit[d.key] > 0
            and d.due_date < finance_as_of - timedelta(days=45)
            for d in debits
        )
        if not owes:
            doc = finance_as_of - timedelta(days=rng.randint(90, 200))
            added = add_debit(person.key, Item.Kind.INVOICE, doc, doc)
            open_by_debit[added.key] = added.amount

    # Every aging bucket holds something, whatever the size and seed.
    never = [c.key for c in people if c.habit == "never"] or [customers - 1]
    for label, low, high in BUCKETS:
        if not any(
            open_by_debit[d.key] > 0 and low <= (today - d.due_date).days <= high for d in debits
        ):
            past = {"not yet due": -20, "over 120": 200}.get(label, (low + high) // 2)
            due = today - timedelta(days=past)
            doc = min(due - timedelta(days=30), today)
            added = add_debit(rng.choice(never), Item.Kind.INVOICE, doc, doc, due=due)
            open_by_debit[added.key] = added.amount
    review = plan_review(rng, people, debits, today, add_debit)
    billing = BillingPlan(leases, memos, review, finance_as_of)
    city = CityPlan(today, conversion, seed, people, debits, payments, billing)
    city.cash = plan_cash(city)  # its own generator: the draws above stay as they were
    return city


# ---------------------------------------------------------------------------------- the load


@dataclass
class Staff:
    users: dict[str, User]

    def __getitem__(self, username: str) -> User:
        return self.users[username]


@dataclass
class DemoCity:
    customers: int
    items: int
    applications: int
    conversion: date
    staff: Staff
    billing: BillingSummary | None = None  # invoices, memos, schedules, finance charges
    cash: CashSummary | None = None  # payments, deposits, balancing, bank, lockbox
    adjustments: Any = None  # AdjustmentSummary: write-offs, approvals, refunds


def ensure_staff(*, by: AbstractBaseUser | None = None) -> Staff:
    """One user per role, all with the demo password (hashed once)."""
    hashed = ""
    users = {}
    for username, first, last, role, departments in LOGINS:
        user = User.objects.filter(username=username).first()
        created = user is None
        if user is None:
            hashed = hashed or make_password(PASSWORD)
            user = User.objects.create(
                username=username,
                first_name=first,
                last_name=last,
                password=hashed,
                email=f"{username}@riverbend.example",
            )
        if created:
            user.groups.add(Group.objects.get(name=role.value))
            audit.record("user.created", user, by=by, role=role.value, source="demo")
        if departments and Department.objects.filter(code__in=departments).exists():
            profile, _ = StaffProfile.objects.get_or_create(user=user)
            if not profile.departments.exists():
                profile.departments.set(Department.objects.filter(code__in=departments))
        users[username] = user
    return Staff(users)


def _reference_data(plan: CityPlan, *, by: AbstractBaseUser) -> dict[str, Any]:
    """The agency profile, the fiscal years, the funds, departments and revenue accounts, as an
    administrator sets them up."""
    org.update_agency(AGENCY_PROFILE, by=by)
    org.ensure_fiscal_years(
        plan.today - timedelta(days=731), plan.today + timedelta(days=366), by=by
    )
    funds = {}
    for code, name in FUNDS:
        funds[code] = Fund.objects.filter(code=code).first() or org.create_fund(
            {"code": code, "name": name}, by=by
        )
    departments, revenue = {}, {}
    for code, name, fund_code, (acct_code, acct_name), _ in DEPARTMENTS:
        departments[code] = Department.objects.filter(code=code).first() or org.create_department(
            {"code": code, "name": name, "fund": funds[fund_code]}, by=by
        )
        revenue[code] = Account.objects.filter(code=acct_code).first() or org.create_account(
            {"code": acct_code, "name": acct_name, "type": Account.Type.REVENUE}, by=by
        )
    return {"funds": funds, "departments": departments, "revenue": revenue}


def _close_old_periods(plan: CityPlan, *, by: AbstractBaseUser) -> None:
    """Month-end close: every period that ended before last month is closed."""
    last_month = _months_back(plan.today, 1)
    for period in FiscalPeriod.objects.filter(end__lt=last_month, status="open"):
        org.close_period(period, by=by, why="Month-end close")


@transaction.atomic
def load_city(plan: CityPlan, *, progress: Progress | None = None) -> DemoCity:
    """Write the plan through the real services, in date order, in one transaction."""

    def step(stage: str, n: int = 1) -> None:
        if progress:
            progress(stage, n)

    if Customer.objects.exists():
        raise ValueError("The demo city loads into a database without customers.")
    staff = ensure_staff()
    tina, sam = staff["tina"], staff["sam"]
    ref = _reference_data(plan, by=staff["ada"])
    ensure_staff(by=staff["ada"])  # again, now that the biller's department exists
    funds, departments, revenue = ref["funds"], ref["departments"], ref["revenue"]

    customers: dict[int, Customer] = {}
    for person in plan.customers:
        fields = dict(person.fields)
        department_code = None
        if fields["type"] == Customer.Type.BUSINESS and person.key % 5 == 0:
            department_code = BILLED_BY[fields["type"]][person.key % 10]
        if department_code:
            fields["department"] = departments[department_code]
        customer = create_customer(
            by=tina,
            fields=fields,
            tax_id=person.tax_id,
            address=person.address,
            contact=person.contact,
            confirm_duplicate=True,
        )
        for text in person.notes:
            add_note(customer, by=cole_or(staff, text), text=text)
        customers[person.key] = customer
        step("customers")
    billing = BillingLoad(
        plan.billing,
        staff=staff,
        customers=customers,
        departments=departments,
        revenue=revenue,
    )
    billing.set_up()

    opening_account = org.account(Account.Role.OPENING_BALANCE)

    def opening_spec(d: DebitPlan) -> ItemSpec:
        dept = departments[d.department]
        return ItemSpec(
            customer=customers[d.customer],
            kind=d.kind,
            amount=d.amount,
            fund=dept.fund,
            document_date=d.document_date,
            due_date=d.due_date,
            department=dept,
            offsets=[Offset(opening_account, d.amount)],
            description=d.description,
            reference=d.reference,
        )

    items: dict[int, Item] = {}
    cash = CashLoad(
        plan, staff=staff, customers=customers, departments=departments, funds=funds, items=items
    )
    cash.set_up()
    openings = [d for d in plan.debits if d.kind == Item.Kind.OPENING_BALANCE]
    posted = post_items(
        [opening_spec(d) for d in openings],
        on=plan.conversion,
        by=tina,
        source="opening_balance",
        summarize=True,
        memo="Conversion: open items from the old AR system",
    )
    items.update({d.key: item for d, item in zip(openings, posted, strict=True)})
    audit.record("opening_balances.imported", None, by=tina, rows=len(posted), source="demo")
    step("opening balances", len(posted))

    invoices_on: dict[date, list[DebitPlan]] = defaultdict(list)
    for d in plan.debits:
        if d.kind != Item.Kind.OPENING_BALANCE:
            invoices_on[d.posted_on].append(d)
    memos_on: dict[date, list[MemoPlan]] = defaultdict(list)
    for m in plan.billing.memos:
        memos_on[m.on].append(m)
    finance_as_of = plan.billing.finance_as_of
    applied = 0
    days = set(invoices_on) | cash.days | set(memos_on)
    if finance_as_of is not None:
        days.add(finance_as_of)
    for day in sorted(days):
        cash.catch_up(day)  # a month has ended: its bank statement, its days balanced
        # Parks bills its own, the AR office the rest; the technician posts the day's invoices
        posted_items = billing.post_day(day, invoices_on.get(day, []))
        items.update(posted_items)
        step("invoices", len(posted_items))
        # the cashiers' deposits: payments recorded, applied, closed; the departments report
        received, day_applied = cash.receive_day(day)
        applied += day_applied
        step("payments", received)
        step("applications", day_applied)
        step("memos", billing.issue_memos(memos_on.get(day, [])))
        if day == finance_as_of:
            billing.charge_finance(day)

    cash_summary = cash.finish()  # today's bank files; the last few days wait to be balanced
    from fiscus.demo.adjustments import load_adjustments

    adjustments = load_adjustments(plan.today, staff)
    cash_summary.payments += adjustments.payments  # a written-off debtor paid at the counter
    step("review", billing.fill_review_queue())
    billing.draft_this_month(plan.today)
    _close_old_periods(plan, by=sam)
    from fiscus.reports.queries import ar_tie_out

    tie = ar_tie_out()
    if not tie.ties:  # pragma: no cover - the services keep it true
        raise AssertionError(f"The demo does not tie out: {tie.difference}")
    summary = billing_summary()
    item_count = Item.objects.count()
    audit.record(
        "demo.loaded",
        None,
        by=staff["ada"],
        seed=plan.seed,
        customers=len(customers),
        items=item_count,
        invoices=summary.posted,
        memos=summary.credit_memos + summary.debit_memos,
        schedules=summary.schedules,
    )
    return DemoCity(
        len(customers),
        item_count,
        applied,
        plan.conversion,
        staff,
        summary,
        cash_summary,
        adjustments,
    )


def cole_or(staff: Staff, text: str) -> User:
    """Collections writes the notes about bankruptcy and agencies; the technician the rest."""
    words = ("bankruptcy", "collection", "Chapter", "estate", "stay")
    return staff["cole"] if any(w in text for w in words) else staff["tina"]


def build_city(
    *, customers: int = 500, seed: int = 2026, progress: Progress | None = None
) -> DemoCity:
    """Plan and load the demo city."""
    return load_city(plan_city(customers=customers, seed=seed), progress=progress)


def logins_table() -> str:
    """The demo logins, one line each, ready to print."""
    width = max(len(u) for u, *_ in LOGINS)
    lines = [f"{'user':<{width}}  password        role"]
    for username, _, _, role, departments in LOGINS:
        names = [name for code, name, *_ in DEPARTMENTS if code in departments]
        extra = f", {', '.join(names)}" if names else ""
        lines.append(f"{username:<{width}}  {PASSWORD}  {role.label}{extra}")
    return "\n".join(lines)

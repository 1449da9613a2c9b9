"""Billing in the demo city: charge codes, invoices from every department, recurring leases,
credit and debit memos, a finance-charge run and an "Invoices to review" queue.

As in city.py, there are two halves. The plan (`plan_leases`, `plan_memos`, `plan_review`) is drawn
in memory from the city's seeded generator. The load (`BillingLoad`) then writes it through the
billing services, day by day as the city's loader walks the calendar: each day's invoices are
created by the department biller (Parks) or the AR technician, submitted, and posted together
with `post_invoices` (the bulk path); the leases bill from their schedules through
`run_recurring`; memos are issued with `issue_credit_memo` / `issue_debit_memo`. Payments then
apply to the invoices' open items, exactly as in production.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User

from fiscus import money
from fiscus.billing.finance_charges import post_finance_charges, preview_finance_charges
from fiscus.billing.memos import issue_credit_memo, issue_debit_memo
from fiscus.billing.models import (
    ChargeCode,
    FinanceChargeRun,
    Invoice,
    InvoiceStatus,
    Memo,
    MemoKind,
    PaymentTerms,
    ReasonCode,
    RecurringSchedule,
)
from fiscus.billing.recurring import add_months, create_schedule, run_recurring
from fiscus.billing.services import (
    LineInput,
    create_batch,
    create_invoice,
    post_invoices,
    return_invoice,
    submit_batch,
    submit_invoices,
)
from fiscus.billing.setup import create_charge_code, update_finance_charge_policy
from fiscus.customers.models import Customer
from fiscus.demo.words import (
    BILLED_BY,
    CREDITS_AGAINST_INVOICE,
    CREDITS_ON_ACCOUNT,
    DEBIT_MEMOS,
    DEPARTMENTS,
    LEASES,
    RETURN_COMMENTS,
    Charge,
)
from fiscus.organization.models import Account, Department
from fiscus.receivables.models import Item

if TYPE_CHECKING:
    from fiscus.demo.city import CustomerPlan, DebitPlan

TERMS_DAYS = {"due_on_receipt": 0, "net10": 10, "net30": 30, "net60": 60}
PARKS = "PRK"  # the department with its own biller (bill)
UNUSUAL_FACTOR = 100  # the unusual invoice: keyed without its decimal point
PO_CUSTOMERS = 3  # business customers that require a PO number on every invoice

CHARGES: dict[str, list[Charge]] = {code: charges for code, _, _, _, charges in DEPARTMENTS}
DEPARTMENT_OF: dict[str, str] = {
    charge[0]: dept for dept, _, _, _, charges in DEPARTMENTS for charge in charges
} | {lease[1]: lease[0] for lease in LEASES}


# ---------------------------------------------------------------------------------- dates, money


def months_back(today: date, months: int) -> date:
    """The first day of the month `months` before today's."""
    month = today.month - months
    year = today.year + (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1)


def last_month_end(today: date) -> date:
    """The last day of last month: the finance charges' as-of date."""
    return today.replace(day=1) - timedelta(days=1)


def draw_amount(rng: random.Random, low: int, high: int) -> Decimal:
    """An amount from low to high dollars; most fees are round numbers."""
    if low == high:
        return Decimal(low).quantize(Decimal("0.01"))
    cents = rng.randint(low * 100, high * 100)
    if rng.random() < 0.6:
        cents -= cents % 500
    return Decimal(max(cents, low * 100)) / 100


def draw_price(rng: random.Random, charge: Charge) -> tuple[Decimal, Decimal, Decimal]:
    """(quantity, unit price, amount) of one line of a charge code: so many units at the code's
    price, or one at a price the biller enters."""
    _, _, low, high, unit = charge
    if unit:
        quantity = rng.randint(max(1, math.ceil(low / unit)), max(1, int(high // unit)))
        return Decimal(quantity), unit, money.cents(quantity * unit)
    amount = draw_amount(rng, low, high)
    return Decimal(1), amount, amount


def is_clean(person: CustomerPlan) -> bool:
    """No flag, and no PO rule: an invoice to this customer passes review."""
    return not any(person.fields.get(f) for f in Customer.FLAGS) and not person.fields.get(
        "po_required"
    )


def billed_by(people: Sequence[CustomerPlan], department: str) -> list[int]:
    """Clean customers of the types the department bills."""
    return [c.key for c in people if department in BILLED_BY[c.fields["type"]] and is_clean(c)] or [
        c.key for c in people if department in BILLED_BY[c.fields["type"]]
    ]


def reference(rng: random.Random, department: str) -> str:
    return f"{department}-{rng.randint(10000, 99999)}"


# ---------------------------------------------------------------------------------- the plan


@dataclass
class LeasePlan:
    index: int
    customer: int
    department: str
    charge: str
    description: str
    frequency: str
    quantity: Decimal
    unit_price: Decimal
    reference: str
    start: date


@dataclass
class MemoPlan:
    kind: str  # credit or debit
    customer: int
    on: date
    department: str
    reason: str
    amount: Decimal
    description: str
    debit: int | None = None  # the invoice (its DebitPlan key) a credit is against


@dataclass
class ReviewPlan:
    """An invoice that is not posted: waiting in review (most failing a check), in a batch, or
    returned to the Parks biller."""

    check: str  # duplicate, po_missing, unusual_amount, customer_hold, customer_bankruptcy,
    # batch (submitted, clean), open_batch (a draft in a batch not yet balanced), returned
    customer: int
    department: str
    charge: str
    quantity: Decimal
    unit_price: Decimal
    on: date
    reference: str
    description: str = ""
    comment: str = ""

    @property
    def amount(self) -> Decimal:
        return money.cents(self.quantity * self.unit_price)


@dataclass
class BillingPlan:
    leases: list[LeasePlan] = field(default_factory=list)
    memos: list[MemoPlan] = field(default_factory=list)
    review: list[ReviewPlan] = field(default_factory=list)
    finance_as_of: date | None = None


AppendDebit = Callable[..., "DebitPlan"]


def mark_po_required(rng: random.Random, people: Sequence[CustomerPlan]) -> list[int]:
    """A few business customers (never flagged ones) require a PO number on every invoice."""
    businesses = [
        c.key
        for c in people
        if c.fields["type"] == Customer.Type.BUSINESS
        and not any(c.fields.get(f) for f in Customer.FLAGS)
    ]
    chosen = sorted(rng.sample(businesses, k=min(PO_CUSTOMERS, len(businesses))))
    for key in chosen:
        people[key].fields["po_required"] = True
    return chosen


def plan_leases(
    rng: random.Random, people: Sequence[CustomerPlan], today: date, append: AppendDebit
) -> list[LeasePlan]:
    """The recurring leases, starting 12 months ago, with a debit for each period billed before
    this month (this month's invoices stay drafts). Lessees pay their rent."""
    start = months_back(today, 12)
    first_of_month = today.replace(day=1)
    step = {"monthly": 1, "quarterly": 3, "annual": 12}
    used: set[int] = set()
    leases = []
    for index, (dept, code, text, kind, frequency, quantity, price, ref) in enumerate(LEASES):
        pool = [c.key for c in people if c.fields["type"] == kind and is_clean(c)]
        fresh = [k for k in pool if k not in used]
        fallback = next(c.key for c in people if c.fields["type"] == kind)
        customer = rng.choice(fresh or pool or [fallback])
        used.add(customer)
        person = people[customer]
        if person.habit not in ("prompt", "late"):
            person.habit = "prompt"
        lease = LeasePlan(
            index, customer, dept, code, text, frequency, Decimal(quantity), price, ref, start
        )
        leases.append(lease)
        amount = money.cents(lease.quantity * price)
        terms = TERMS_DAYS[person.fields.get("terms", "net30")]
        on = start
        while on < first_of_month:
            append(
                customer=customer,
                kind=Item.Kind.INVOICE,
                department=dept,
                document_date=on,
                due_date=on + timedelta(days=terms),
                amount=amount,
                description=text,
                reference=ref,
                posted_on=on,
                charge=code,
                quantity=lease.quantity,
                unit_price=price,
                lease=index,
            )
            on = add_months(on, step[frequency])
    return leases


def plan_memos(
    rng: random.Random,
    people: Sequence[CustomerPlan],
    debits: Sequence[DebitPlan],
    open_by_debit: dict[int, Decimal],
    today: date,
) -> list[MemoPlan]:
    """Credit memos for billing errors against posted invoices (partial and full; never more
    than what the payments leave open), a few credits on account, a couple of debit memos."""
    memos = []
    candidates = [
        d
        for d in debits
        if d.kind == Item.Kind.INVOICE
        and d.lease is None
        and open_by_debit[d.key] > 0
        and d.posted_on <= today - timedelta(days=2)
    ]
    wanted = max(3, round(len(people) * 12 / 500))
    for n, debit in enumerate(rng.sample(candidates, k=min(wanted, len(candidates)))):
        reason, text, share = CREDITS_AGAINST_INVOICE[n % len(CREDITS_AGAINST_INVOICE)]
        still_open = open_by_debit[debit.key]
        amount = still_open if share == 1 else max(Decimal("1.00"), money.cents(still_open * share))
        amount = min(amount, still_open)
        on = min(today, debit.posted_on + timedelta(days=rng.randint(3, 40)))
        memos.append(
            MemoPlan(
                MemoKind.CREDIT,
                debit.customer,
                on,
                debit.department,
                reason,
                amount,
                text,
                debit=debit.key,
            )
        )
        open_by_debit[debit.key] -= amount
    for dept, reason, text in CREDITS_ON_ACCOUNT:
        on = today - timedelta(days=rng.randint(5, 200))
        amount = draw_amount(rng, 25, 300)
        memos.append(
            MemoPlan(
                MemoKind.CREDIT, rng.choice(billed_by(people, dept)), on, dept, reason, amount, text
            )
        )
    for dept, reason, text, amount in DEBIT_MEMOS:
        on = today - timedelta(days=rng.randint(10, 90))
        customer = rng.choice(billed_by(people, dept))
        memos.append(MemoPlan(MemoKind.DEBIT, customer, on, dept, reason, amount, text))
    return sorted(memos, key=lambda m: m.on)


def plan_review(
    rng: random.Random,
    people: Sequence[CustomerPlan],
    debits: Sequence[DebitPlan],
    today: date,
    add_debit: AppendDebit,
) -> list[ReviewPlan]:
    """The invoices not posted today: each check of the review failed at least once, a clean
    batch waiting for review, a batch still being entered, and two returned to the biller."""
    plans: list[ReviewPlan] = []
    lines_of: dict[str, list[DebitPlan]] = defaultdict(list)
    for d in debits:
        if d.kind == Item.Kind.INVOICE:
            lines_of[d.charge].append(d)

    def typical(code: str) -> DebitPlan | None:
        """A line from the middle half of what the code billed: the review finds it usual."""
        billed = sorted(lines_of[code], key=lambda d: (d.amount, d.key))
        if not billed:
            return None
        return rng.choice(billed[len(billed) // 4 : len(billed) * 3 // 4 + 1])

    def new(check: str, customer: int, dept: str, on: date, **extra: Any) -> ReviewPlan:
        charge = rng.choice(CHARGES[dept])
        like = typical(charge[0])
        if like is not None:
            quantity, price = like.quantity, like.unit_price
        else:
            quantity, price, _ = draw_price(rng, charge)
        fields: dict[str, Any] = {
            "charge": charge[0],
            "quantity": quantity,
            "unit_price": price,
            "reference": reference(rng, dept),
            "description": charge[1],
        } | extra
        plan = ReviewPlan(check, customer, dept, on=on, **fields)
        plans.append(plan)
        return plan

    # Likely duplicates: billed again, days after a posted invoice of the same amount and ref.
    recent = [
        d
        for d in debits
        if d.kind == Item.Kind.INVOICE
        and d.lease is None
        and today - timedelta(days=25) <= d.posted_on < today
    ]
    clean = [c.key for c in people if is_clean(c) and c.habit == "prompt"] or [
        c.key for c in people if is_clean(c)
    ]
    while len(recent) < 2:
        doc = today - timedelta(days=rng.randint(3, 20))
        recent.append(add_debit(rng.choice(clean), Item.Kind.INVOICE, doc, doc))
    for source in rng.sample(recent, k=2):
        new(
            "duplicate",
            source.customer,
            source.department,
            min(today, source.posted_on + timedelta(days=rng.randint(1, 6))),
            charge=source.charge,
            quantity=source.quantity,
            unit_price=source.unit_price,
            reference=source.reference,
            description=source.description,
        )
    # A PO required, and none given.
    for key in [c.key for c in people if c.fields.get("po_required")][:2]:
        dept = rng.choice(BILLED_BY[Customer.Type.BUSINESS])
        new("po_missing", key, dept, today - timedelta(days=rng.randint(0, 3)), reference="")
    # An amount far from the charge code's usual: a typical line of the most billed code,
    # keyed without its decimal point (100 times over).
    code = Counter(d.charge for d in debits if d.kind == Item.Kind.INVOICE).most_common(1)[0][0]
    dept = DEPARTMENT_OF[code]
    usual = typical(code)
    assert usual is not None
    new(
        "unusual_amount",
        rng.choice(billed_by(people, dept)),
        dept,
        today - timedelta(days=rng.randint(0, 2)),
        charge=code,
        quantity=Decimal(1),
        unit_price=usual.amount * UNUSUAL_FACTOR,
        description=usual.description,
    )
    # Customers the review warns about.
    for flag, check in (("on_hold", "customer_hold"), ("in_bankruptcy", "customer_bankruptcy")):
        person = next(c for c in people if c.fields.get(flag))
        dept = rng.choice(BILLED_BY[person.fields["type"]])
        new(check, person.key, dept, today - timedelta(days=rng.randint(0, 3)))
    # Parks: a balanced batch waiting for review, one still being entered, two sent back.
    parks = billed_by(people, PARKS)
    for _ in range(3):
        new("batch", rng.choice(parks), PARKS, today - timedelta(days=1))
    for _ in range(2):
        new("open_batch", rng.choice(parks), PARKS, today)
    for comment in RETURN_COMMENTS:
        new("returned", rng.choice(parks), PARKS, today - timedelta(days=2), comment=comment)
    return plans


# ---------------------------------------------------------------------------------- the load


@dataclass
class BillingSummary:
    posted: int
    departments: int
    in_review: int
    returned: int
    drafts: int
    schedules: int
    credit_memos: int
    debit_memos: int
    finance_charges: int
    finance_skipped: int

    @property
    def text(self) -> str:
        return (
            f"Billing: {_n(self.posted, 'invoice')} posted from "
            f"{_n(self.departments, 'department')}, {self.in_review} waiting in review, "
            f"{self.returned} returned to the biller, {_n(self.drafts, 'draft')}; "
            f"{_n(self.schedules, 'recurring schedule')}; {_n(self.credit_memos, 'credit memo')}, "
            f"{_n(self.debit_memos, 'debit memo')}; finance charges on "
            f"{_n(self.finance_charges, 'customer')} ({self.finance_skipped} skipped)."
        )


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def billing_summary() -> BillingSummary:
    """What the demo's billing holds, counted in the database."""
    statuses = Counter(Invoice.objects.values_list("status", flat=True))
    memos = Counter(Memo.objects.values_list("kind", flat=True))
    run = FinanceChargeRun.objects.filter(status=FinanceChargeRun.Status.POSTED).last()
    lines = Counter(run.lines.values_list("skipped", flat=True)) if run else Counter()
    departments = (
        Invoice.objects.filter(status=InvoiceStatus.POSTED)
        .values("department_id")
        .distinct()
        .count()
    )
    return BillingSummary(
        posted=statuses[InvoiceStatus.POSTED],
        departments=departments,
        in_review=statuses[InvoiceStatus.SUBMITTED],
        returned=statuses[InvoiceStatus.RETURNED],
        drafts=statuses[InvoiceStatus.DRAFT],
        schedules=RecurringSchedule.objects.count(),
        credit_memos=memos[MemoKind.CREDIT],
        debit_memos=memos[MemoKind.DEBIT],
        finance_charges=lines[False],
        finance_skipped=lines[True],
    )


class BillingLoad:
    """Writes the billing half of the plan through the billing services."""

    def __init__(
        self,
        plan: BillingPlan,
        *,
        staff: Any,
        customers: dict[int, Customer],
        departments: dict[str, Department],
        revenue: dict[str, Account],
    ) -> None:
        self.plan = plan
        self.tina: User = staff["tina"]
        self.bill: User = staff["bill"]
        self.sam: User = staff["sam"]
        self.ada: User = staff["ada"]
        self.customers = customers
        self.departments = departments
        self.revenue = revenue
        self.codes: dict[str, ChargeCode] = {}
        self.schedules: dict[int, RecurringSchedule] = {}
        self.invoices: dict[int, Invoice] = {}  # by DebitPlan key
        self.terms = {t.code: t for t in PaymentTerms.objects.all()}
        self.reasons = {r.code: r for r in ReasonCode.objects.all()}

    # -- set-up

    def set_up(self) -> None:
        """Charge codes (the administrator), the finance-charge policy turned on (the
        supervisor), the lease schedules (the AR technician)."""
        for dept, _, _, _, charges in DEPARTMENTS:
            for code, text, _low, _high, unit in charges:
                self._charge_code(code, text, dept, unit)
        for dept, code, text, _, _, _, price, _ in LEASES:
            self._charge_code(code, text, dept, price)
        update_finance_charge_policy({"active": True}, by=self.sam)
        for lease in self.plan.leases:
            self.schedules[lease.index] = create_schedule(
                by=self.tina,
                customer=self.customers[lease.customer],
                department=self.departments[lease.department],
                description=lease.description,
                frequency=lease.frequency,
                start_date=lease.start,
                reference=lease.reference,
                lines=[(self.codes[lease.charge], lease.quantity, lease.unit_price, "")],
            )

    def _charge_code(self, code: str, text: str, dept: str, price: Decimal | None) -> None:
        self.codes[code] = ChargeCode.objects.filter(code=code).first() or create_charge_code(
            {
                "code": code,
                "description": text,
                "department": self.departments[dept],
                "revenue_account": self.revenue[dept],
                "unit_price": price,
            },
            by=self.ada,
        )

    # -- a day's work

    def _biller(self, department: str) -> User:
        return self.bill if department == PARKS else self.tina

    def _create(
        self,
        *,
        by: User,
        customer: Customer,
        department: str,
        on: date,
        charge: str,
        quantity: Decimal,
        unit_price: Decimal,
        reference: str,
        description: str,
        due: date | None = None,
        **extra: Any,
    ) -> Invoice:
        return create_invoice(
            by=by,
            customer=customer,
            department=self.departments[department],
            invoice_date=on,
            terms=self.terms[customer.terms],
            due_date=due,
            lines=[LineInput(self.codes[charge], quantity, unit_price)],
            reference=reference,
            description=description,
            **extra,
        )

    def post_day(self, day: date, debits: Sequence[DebitPlan]) -> dict[int, Item]:
        """The day's invoices: the billers create and submit them, the recurring run bills the
        leases due, and the AR technician posts them all in one call. Their items, by key."""
        made: dict[int, list[Invoice]] = defaultdict(list)
        pairs: list[tuple[DebitPlan, Invoice]] = []
        leases = [d for d in debits if d.lease is not None]
        for d in debits:
            if d.lease is not None:
                continue
            by = self._biller(d.department)
            invoice = self._create(
                by=by,
                customer=self.customers[d.customer],
                department=d.department,
                on=d.document_date,
                due=d.due_date,
                charge=d.charge,
                quantity=d.quantity,
                unit_price=d.unit_price,
                reference=d.reference,
                description=d.description,
            )
            made[by.pk].append(invoice)
            pairs.append((d, invoice))
        if leases:
            run = run_recurring(by=self.tina, through=day)
            by_schedule = {inv.recurring_id: inv for inv in run.invoices}
            if len(run.invoices) != len(leases):  # pragma: no cover - the plan keeps them equal
                raise AssertionError(
                    f"{day}: {len(run.invoices)} lease invoices, not {len(leases)}."
                )
            for d in leases:
                assert d.lease is not None
                invoice = by_schedule[self.schedules[d.lease].pk]
                made[self.tina.pk].append(invoice)
                pairs.append((d, invoice))
        if not pairs:
            return {}
        for user in (self.bill, self.tina):
            submit_invoices(made.get(user.pk, []), by=user)
        posted = post_invoices([invoice for _, invoice in pairs], by=self.tina)
        out: dict[int, Item] = {}
        for (d, _), invoice in zip(pairs, posted, strict=True):
            assert invoice.item is not None
            self.invoices[d.key] = invoice
            out[d.key] = invoice.item
        return out

    def issue_memos(self, memos: Sequence[MemoPlan]) -> int:
        for m in memos:
            customer = self.customers[m.customer]
            if m.kind == MemoKind.CREDIT:
                issue_credit_memo(
                    by=self.tina,
                    customer=customer,
                    reason=self.reasons[m.reason],
                    amount=m.amount,
                    memo_date=m.on,
                    invoice=self.invoices[m.debit] if m.debit is not None else None,
                    department=self.departments[m.department] if m.debit is None else None,
                    description=m.description,
                )
            else:
                issue_debit_memo(
                    by=self.tina,
                    customer=customer,
                    reason=self.reasons[m.reason],
                    amount=m.amount,
                    memo_date=m.on,
                    department=self.departments[m.department],
                    description=m.description,
                )
        return len(memos)

    def charge_finance(self, as_of: date) -> FinanceChargeRun:
        """Last month's finance-charge run: previewed, then posted (the gate's skips kept)."""
        run = preview_finance_charges(by=self.tina, as_of=as_of)
        if not run.lines.filter(skipped=False).exists():  # a tiny city may owe nothing past due
            return run
        return post_finance_charges(run, by=self.tina)

    # -- today

    def fill_review_queue(self) -> int:
        """The invoices not posted: waiting in review, in batches, returned to the biller."""
        plans = self.plan.review
        submitted: dict[int, list[Invoice]] = defaultdict(list)

        def create(p: ReviewPlan, by: User, **extra: Any) -> Invoice:
            return self._create(
                by=by,
                customer=self.customers[p.customer],
                department=p.department,
                on=p.on,
                charge=p.charge,
                quantity=p.quantity,
                unit_price=p.unit_price,
                reference=p.reference,
                description=p.description,
                **extra,
            )

        for p in plans:
            if p.check in ("batch", "open_batch", "returned"):
                continue
            by = self._biller(p.department)
            submitted[by.pk].append(create(p, by))
        for user in (self.bill, self.tina):
            submit_invoices(submitted.get(user.pk, []), by=user)

        batched = [p for p in plans if p.check == "batch"]
        if batched:
            batch = create_batch(
                by=self.bill,
                department=self.departments[PARKS],
                control_count=len(batched),
                control_amount=sum((p.amount for p in batched), money.ZERO),
                description="Weekend reservations",
            )
            for p in batched:
                create(p, self.bill, batch=batch)
            submit_batch(batch, by=self.bill)
        entering = [p for p in plans if p.check == "open_batch"]
        if entering:
            batch = create_batch(
                by=self.bill,
                department=self.departments[PARKS],
                control_count=len(entering) + 2,
                control_amount=sum((p.amount for p in entering), Decimal("640.00")),
                description="Camp registrations (being entered)",
            )
            for p in entering:
                create(p, self.bill, batch=batch)
        for p in plans:
            if p.check == "returned":
                invoice = create(p, self.bill)
                submit_invoices([invoice], by=self.bill)
                return_invoice(invoice, by=self.tina, comment=p.comment)
        return len(plans)

    def draft_this_month(self, today: date) -> int:
        """This month's lease invoices: made by the recurring run, left as drafts."""
        return len(run_recurring(by=self.tina, through=today).invoices)

"""Fill a bench database fast, without breaking an invariant.

Customers go in with `bulk_create` (numbers C000001 ... and the CUST sequence set to the last).
Every item goes through `post_items(..., summarize=True)` in batches of about 10,000, so each batch
is one summarized journal entry plus its hash-chained receivable rows, exactly as a conversion
posts. A few percent of the invoices are then paid: the payments are posted the same way and
applied one by one through `apply_credit`, so as-of-a-past-date reports have applications to
replay. The general ledger ties to the receivable ledger at the end, as always.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from fiscus import money
from fiscus.customers.models import Address, Customer
from fiscus.organization import services as org
from fiscus.organization.models import Account, Department, DocumentSequence, Fund
from fiscus.organization.roles import Role
from fiscus.receivables.models import Item
from fiscus.receivables.services import ItemSpec, Offset, apply_credit, post_items

BATCH = 10_000
HEAVY = 20  # customers C000001..C000020 hold a fifth of the items between them
SPAN_DAYS = 730  # two years of postings

Progress = Callable[[str, int], None]


@dataclass
class Generated:
    customers: int = 0
    items: int = 0
    payments: int = 0
    applications: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    posted: int = 0  # items posted through post_items
    posting_seconds: float = 0.0
    heavy_numbers: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    user: User | None = None

    @property
    def items_per_second(self) -> float:
        return self.posted / self.posting_seconds if self.posting_seconds else 0.0


def _staff() -> User:
    user, created = User.objects.get_or_create(username="bench", defaults={"first_name": "Bench"})
    if created:
        user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get(name=Role.TECHNICIAN.value))
    return user


def _reference(user: User, today: date) -> tuple[Fund, list[Department], dict[int, Account]]:
    org.update_agency({"name": "Bench City"}, by=user)
    org.ensure_fiscal_years(
        today - timedelta(days=SPAN_DAYS + 60), today + timedelta(days=366), by=user
    )
    general = Fund.objects.get(code="100")
    departments, revenue = [], {}
    for n, name in enumerate(["Parks", "Public Works", "Police", "Fire", "Planning", "Library"]):
        dept = org.create_department({"code": f"D{n + 1}", "name": name, "fund": general}, by=user)
        acct = org.create_account(
            {"code": f"41{n}0", "name": f"{name} revenue", "type": Account.Type.REVENUE}, by=user
        )
        departments.append(dept)
        revenue[dept.pk] = acct
    return general, departments, revenue


def _customers(count: int, user: User, rng: random.Random) -> list[Customer]:
    kinds = [Customer.Type.PERSON] * 6 + [Customer.Type.BUSINESS] * 3 + [Customer.Type.AGENCY]
    customers = [
        Customer(
            number=f"C{n:06d}",
            name=f"Bench Customer {n:06d}",
            type=rng.choice(kinds),
            email=f"customer{n}@example.com",
            phone=f"(530) 555-01{n % 100:02d}",
            created_by=user,
        )
        for n in range(1, count + 1)
    ]
    created = Customer.objects.bulk_create(customers, batch_size=5000)
    Address.objects.bulk_create(
        (
            Address(
                customer=c,
                line1=f"{100 + n % 9000} Main St",
                city="Riverbend",
                state="CA",
                postal_code="95870",
                is_primary=True,
            )
            for n, c in enumerate(created)
        ),
        batch_size=5000,
    )
    DocumentSequence.objects.update_or_create(
        doc_type="CUST", fiscal_year=0, defaults={"last": count}
    )
    return created


def generate(
    *,
    customers: int,
    items: int,
    paid_percent: float = 3.0,
    seed: int = 1,
    progress: Progress | None = None,
) -> Generated:
    """Fill the (empty, migrated) database. Returns the counts and the posting timings."""
    rng = random.Random(seed)
    today = timezone.localdate()
    out = Generated()
    user = out.user = _staff()
    started = time.perf_counter()
    general, departments, revenue = _reference(user, today)
    people = _customers(customers, user, rng)
    out.customers = len(people)
    out.seconds["customers"] = time.perf_counter() - started
    out.numbers = [c.number for c in people]
    out.heavy_numbers = out.numbers[:HEAVY]

    # Items: a fifth on the heavy customers, the rest spread evenly; batch k posts on a date
    # marching from two years ago to today, each item dated up to 30 days before its batch.
    batches = max(1, -(-items // BATCH))
    first_day = today - timedelta(days=SPAN_DAYS)
    # (item id, customer index, posted on, amount)
    invoices: list[tuple[int, int, date, Decimal]] = []
    started = time.perf_counter()
    for b in range(batches):
        size = min(BATCH, items - b * BATCH)
        on = min(today, first_day + timedelta(days=round((b + 1) * SPAN_DAYS / batches)))
        specs, who = [], []
        for _ in range(size):
            idx = rng.randrange(HEAVY) if rng.random() < 0.2 else rng.randrange(len(people))
            dept = departments[idx % len(departments)]
            doc = on - timedelta(days=rng.randint(0, 30))
            amount = Decimal(rng.randint(2_500, 500_000)) / 100
            specs.append(
                ItemSpec(
                    customer=people[idx],
                    kind=Item.Kind.INVOICE,
                    amount=amount,
                    fund=general,
                    department=dept,
                    document_date=doc,
                    due_date=doc + timedelta(days=30),
                    offsets=[Offset(revenue[dept.pk], amount)],
                    description="Bench invoice",
                )
            )
            who.append(idx)
        t0 = time.perf_counter()
        posted = post_items(specs, on=on, by=user, source="bench", summarize=True)
        out.posting_seconds += time.perf_counter() - t0
        out.posted += len(posted)
        invoices += [(it.pk, idx, on, it.amount) for it, idx in zip(posted, who, strict=True)]
        if progress:
            progress("invoices", len(posted))
    out.items = len(invoices)
    out.seconds["invoices"] = time.perf_counter() - started

    # Payments: a few percent of the invoices, paid (some short) on a weekly deposit date on or
    # after their posting, posted in summarized batches, then applied one by one.
    started = time.perf_counter()
    paid = rng.sample(invoices, k=int(len(invoices) * paid_percent / 100))
    by_day: dict[date, list[tuple[int, int, Decimal]]] = defaultdict(list)
    for item_id, idx, posted_on, amount in paid:
        day = posted_on + timedelta(days=7 * rng.randint(1, 10))
        if day > today:
            continue
        pays = amount if rng.random() < 0.8 else money.cents(amount * Decimal("0.6"))
        by_day[day].append((item_id, idx, pays))
    undeposited = org.account(Account.Role.UNDEPOSITED_CASH)
    for day in sorted(by_day):
        rows = by_day[day]
        specs = [
            ItemSpec(
                customer=people[idx],
                kind=Item.Kind.PAYMENT,
                amount=-pays,
                fund=general,
                document_date=day,
                due_date=day,
                offsets=[Offset(undeposited, pays)],
                description="Bench payment",
            )
            for _, idx, pays in rows
        ]
        t0 = time.perf_counter()
        payments = post_items(specs, on=day, by=user, source="bench.payments", summarize=True)
        out.posting_seconds += time.perf_counter() - t0
        out.posted += len(payments)
        out.payments += len(payments)
        invoice_items = Item.objects.in_bulk([item_id for item_id, _, _ in rows])
        with transaction.atomic():
            for payment, (item_id, _, pays) in zip(payments, rows, strict=True):
                apply_credit(payment, invoice_items[item_id], pays, on=day, by=user)
        out.applications += len(rows)
        if progress:
            progress("payments", len(rows))
    out.seconds["payments"] = time.perf_counter() - started
    return out


def post_one_entry_each(count: int, user: User, seed: int = 2) -> float:
    """Post `count` invoices in one bulk call, each with its own journal entry; items/s."""
    rng = random.Random(seed)
    today = timezone.localdate()
    general = Fund.objects.get(code="100")
    dept = Department.objects.order_by("code").first()
    revenue = org.account(Account.Role.REVENUE)
    people = list(Customer.objects.order_by("?")[:500])
    specs = []
    for _ in range(count):
        amount = Decimal(rng.randint(2_500, 50_000)) / 100
        specs.append(
            ItemSpec(
                customer=rng.choice(people),
                kind=Item.Kind.INVOICE,
                amount=amount,
                fund=general,
                department=dept,
                document_date=today,
                due_date=today + timedelta(days=30),
                offsets=[Offset(revenue, amount)],
            )
        )
    t0 = time.perf_counter()
    post_items(specs, on=today, by=user, source="bench.unsummarized")
    return count / (time.perf_counter() - t0)

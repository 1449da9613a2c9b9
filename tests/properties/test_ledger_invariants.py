"""Random days at the counter never break the ledger invariants of DESIGN §3.

Hypothesis draws sequences of postings, applications, reversals and credit memos over a small
city with two funds (so some applications are interfund), runs them through the real services
(a FiscusError is an allowed outcome: the service refused, and nothing may have changed), then
checks every invariant: balanced entries, verified hash chains, AR control = receivable ledger =
cached open amounts (all funds, each fund, and as of any date), items within their bounds at
every date, and customer balances equal to their open items.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import F, Sum
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from fiscus import money
from fiscus.customers.models import Customer
from fiscus.errors import FiscusError
from fiscus.ledger import queries as gl
from fiscus.ledger import services as ledger
from fiscus.ledger.models import JournalEntry, JournalLine
from fiscus.organization.models import Account, Department, Fund
from fiscus.organization.services import account
from fiscus.receivables import queries
from fiscus.receivables import services as receivables
from fiscus.receivables.models import Application, Item, ReceivableEntry
from fiscus.receivables.services import ItemSpec, Offset, post_item
from tests.factories import City, customer, make_user, small_city

FY2026_START = date(2025, 7, 1)
FY2026_DAYS = 365

days = st.integers(min_value=0, max_value=FY2026_DAYS - 1)
amounts = st.integers(min_value=1, max_value=500_000)  # cents: $0.01 to $5,000.00
picks = st.integers(min_value=0, max_value=1_000)
later = st.integers(min_value=-5, max_value=90)  # days after an earlier event


def on(day: int) -> date:
    return FY2026_START + timedelta(days=day)


def dollars(cents_: int) -> Decimal:
    return Decimal(cents_) / 100


@dataclass
class Town:
    city: City
    water: Fund
    utility: Department
    customers: list[Customer]
    boss: Any = None  # a supervisor, who approves what the clerk prepares

    @property
    def departments(self) -> list[Department]:
        return [self.city.parks, self.city.works, self.utility]

    @property
    def funds(self) -> list[Fund]:
        return [self.city.general, self.water]


def small_town() -> Town:
    city = small_city()
    water = Fund.objects.create(code="500", name="Water Utility")
    utility = Department.objects.create(code="WTR", name="Water Service", fund=water)
    people = [customer(city.clerk, name) for name in ("Avery", "Blake", "Casey")]
    return Town(city, water, utility, people, make_user("supervisor"))


# --- actions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostInvoice:
    who: int
    department: int
    cents: int
    day: int

    def run(self, town: Town) -> None:
        dept = town.departments[self.department % 3]
        amount = dollars(self.cents)
        post_item(
            ItemSpec(
                customer=town.customers[self.who % 3],
                kind=Item.Kind.INVOICE,
                amount=amount,
                fund=dept.fund,
                department=dept,
                document_date=on(self.day),
                due_date=on(self.day) + timedelta(days=30),
                offsets=[Offset(town.city.revenue(), amount)],
            ),
            on=on(self.day),
            by=town.city.clerk,
            source="property",
        )


@dataclass(frozen=True)
class PostCreditMemo:
    who: int
    department: int
    cents: int
    day: int

    def run(self, town: Town) -> None:
        dept = town.departments[self.department % 3]
        amount = dollars(self.cents)
        post_item(
            ItemSpec(
                customer=town.customers[self.who % 3],
                kind=Item.Kind.CREDIT_MEMO,
                amount=-amount,
                fund=dept.fund,
                department=dept,
                document_date=on(self.day),
                due_date=on(self.day),
                offsets=[Offset(town.city.revenue(), amount)],
            ),
            on=on(self.day),
            by=town.city.clerk,
            source="property",
        )


@dataclass(frozen=True)
class PostPayment:
    who: int
    fund: int
    cents: int
    day: int

    def run(self, town: Town) -> None:
        amount = dollars(self.cents)
        post_item(
            ItemSpec(
                customer=town.customers[self.who % 3],
                kind=Item.Kind.PAYMENT,
                amount=-amount,
                fund=town.funds[self.fund % 2],
                document_date=on(self.day),
                due_date=on(self.day),
                offsets=[Offset(account(Account.Role.UNDEPOSITED_CASH), amount)],
            ),
            on=on(self.day),
            by=town.city.clerk,
            source="property",
        )


@dataclass(frozen=True)
class Apply:
    """Apply part of a credit to a debit item: usually the same customer's, sometimes not;
    usually no more than is open, sometimes far more (the service must refuse)."""

    credit: int
    debit: int
    same_customer: bool
    share: int  # percent of the smaller open amount; above 100 asks for too much
    cents: int  # used when share is 0: a raw amount, often too large
    days_after: int  # after the later of the two postings; negative ones are refused

    def run(self, town: Town) -> None:
        credits = list(Item.objects.filter(amount__lt=0).order_by("id"))
        if not credits:
            return
        credit = credits[self.credit % len(credits)]
        debits = Item.objects.filter(amount__gt=0).order_by("id")
        if self.same_customer:
            debits = debits.filter(customer_id=credit.customer_id)
        candidates = list(debits)
        if not candidates:
            return
        debit = candidates[self.debit % len(candidates)]
        room = min(-credit.open_amount, debit.open_amount)
        amount = money.cents(room * self.share / 100) if self.share else dollars(self.cents)
        when = max(credit.posted_on, debit.posted_on) + timedelta(days=self.days_after)
        receivables.apply_credit(credit, debit, amount, on=when, by=town.city.clerk)


@dataclass(frozen=True)
class Reverse:
    application: int
    days_after: int

    def run(self, town: Town) -> None:
        applications = list(Application.objects.order_by("id"))
        if not applications:
            return
        chosen = applications[self.application % len(applications)]
        when = chosen.effective_date + timedelta(days=self.days_after)
        receivables.reverse_application(
            chosen, on=when, by=town.city.clerk, reason="Applied to the wrong invoice"
        )


REASONS = {"write_off": "BADDEBT", "correction": "BILLERR", "transfer": "WRONGCUST"}


@dataclass(frozen=True)
class Adjust:
    """A write-off, correcting entry, transfer or refund of part of an item, approved (or not,
    or rejected) by the supervisor; often refused (a credit written off, too much ...)."""

    kind: str
    item: int
    share: int  # percent of the open amount; above 100 asks for too much
    days_after: int
    decision: str  # approve, reject, leave

    def run(self, town: Town) -> None:
        from fiscus.adjustments import services as adj
        from fiscus.adjustments.models import Reason

        found = Item.objects.exclude(open_amount=0).order_by("id")
        if self.kind == "write_off":
            found = found.filter(open_amount__gt=0)
        elif self.kind == "refund":
            found = found.filter(open_amount__lt=0)
        items = list(found)
        if not items:
            return
        item = items[self.item % len(items)]
        amount = money.cents(abs(item.open_amount) * self.share / 100)
        when = item.posted_on + timedelta(days=self.days_after)
        clerk = town.city.clerk
        if self.kind == "refund":
            request = adj.request_refund(
                by=clerk,
                customer=item.customer,
                reason=Reason.objects.get(code="OVERPAY"),
                amount=amount,
                on=when,
            )
        else:
            others = [c for c in town.customers if c.pk != item.customer_id]
            request = adj.prepare(
                by=clerk,
                kind=self.kind,
                reason=Reason.objects.get(code=REASONS[self.kind]),
                lines=[adj.Wanted(item, amount)],
                on=when,
                to_customer=others[0] if self.kind == "transfer" else None,
            )
        if request.status == "pending" and self.decision == "approve":
            request = adj.approve(request, by=town.boss)
        elif request.status == "pending" and self.decision == "reject":
            request = adj.reject(request, by=town.boss, comment="Not enough collection effort")
        event(f"{self.kind} {request.status}")


@dataclass(frozen=True)
class PayDischarged:
    """A payment (or credit) applied to its customer's written-off items, each reinstated."""

    credit: int
    days_after: int

    def run(self, town: Town) -> None:
        from fiscus.adjustments import services as adj

        credits = list(Item.objects.filter(open_amount__lt=0).order_by("id"))
        if not credits:
            return
        credit = credits[self.credit % len(credits)]
        adj.pay_discharged(
            credit, on=credit.posted_on + timedelta(days=self.days_after), by=town.city.clerk
        )
        event("discharged debt paid")


actions = st.one_of(
    st.builds(PostInvoice, picks, picks, amounts, days),
    st.builds(PostCreditMemo, picks, picks, amounts, days),
    st.builds(PostPayment, picks, picks, amounts, days),
    st.builds(
        Apply,
        picks,
        picks,
        st.sampled_from([True, True, True, False]),
        st.sampled_from([0, 10, 50, 99, 100, 100, 100, 101, 250]),
        amounts,
        later,
    ),
    st.builds(Apply, picks, picks, st.just(True), st.sampled_from([30, 100]), amounts, later),
    st.builds(Reverse, picks, later),
    st.builds(
        Adjust,
        st.sampled_from(["write_off", "write_off", "correction", "transfer", "refund"]),
        picks,
        st.sampled_from([10, 50, 100, 100, 101]),
        later,
        st.sampled_from(["approve", "approve", "reject", "leave"]),
    ),
    st.builds(PayDischarged, picks, later),
)


def run_all(town: Town, steps: list[object]) -> None:
    for step in steps:
        # the service may refuse (FiscusError); the invariants must hold all the same
        with contextlib.suppress(FiscusError):
            step.run(town)  # type: ignore[attr-defined]


# --- the invariants ------------------------------------------------------------------------


class Invariants:
    def __init__(self, testcase: TestCase) -> None:
        self.t = testcase

    def every_journal_entry_balances_within_each_fund(self) -> None:
        nets: dict[tuple[int, int], Decimal] = defaultdict(lambda: money.ZERO)
        for entry_id, fund_id, debit, credit in JournalLine.objects.values_list(
            "entry_id", "fund_id", "debit", "credit"
        ):
            nets[entry_id, fund_id] += debit - credit
        unbalanced = {key: net for key, net in nets.items() if net != 0}
        self.t.assertEqual(unbalanced, {})
        self.t.assertEqual(JournalEntry.objects.count(), len({entry_id for entry_id, _ in nets}))

    def both_hash_chains_verify(self) -> None:
        self.t.assertEqual(ledger.verify(), (JournalEntry.objects.count(), []))
        self.t.assertEqual(receivables.verify(), (ReceivableEntry.objects.count(), []))

    def ar_control_equals_the_receivable_ledger_and_the_open_items(self, town: Town) -> None:
        ar = account(Account.Role.AR_CONTROL)
        self.t.assertEqual(gl.balance(ar), queries.total_open())
        self.t.assertEqual(queries.total_open(), queries.total_cached_open())
        for fund in town.funds:
            self.t.assertEqual(gl.balance(ar, fund=fund), queries.total_open(fund_id=fund.pk))
            self.t.assertEqual(
                queries.total_open(fund_id=fund.pk), queries.total_cached_open(fund_id=fund.pk)
            )
        for item_id, cached, ledger_sum in Item.objects.annotate(
            rows=Sum("entries__amount")
        ).values_list("id", "open_amount", "rows"):
            self.t.assertEqual(cached, money.cents(ledger_sum), f"item {item_id}")

    def ar_control_equals_the_receivable_ledger_as_of(self, town: Town, dates: list[date]) -> None:
        ar = account(Account.Role.AR_CONTROL)
        for d in dates:
            self.t.assertEqual(gl.balance(ar, as_of=d), queries.total_open(as_of=d), f"as of {d}")
            for fund in town.funds:
                self.t.assertEqual(
                    gl.balance(ar, fund=fund, as_of=d),
                    queries.total_open(as_of=d, fund_id=fund.pk),
                    f"fund {fund.code} as of {d}",
                )

    def every_item_stays_within_its_amount_at_every_date(self) -> None:
        """An invoice is never below zero nor above its amount; a credit never past zero nor
        beyond its amount: today, and as of every date anything happened."""
        amounts_ = dict(Item.objects.values_list("id", "amount"))
        per_item: dict[int, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for item_id, effective, amount in ReceivableEntry.objects.values_list(
            "item_id", "effective_date", "amount"
        ):
            per_item[item_id][effective] += amount
        for item_id, by_date in per_item.items():
            full = amounts_[item_id]
            running = money.ZERO
            for d in sorted(by_date):
                running += by_date[d]
                low, high = sorted((money.ZERO, full))
                self.t.assertTrue(
                    low <= running <= high,
                    f"item {item_id} of {full} is {running} as of {d}",
                )

    def no_credit_is_applied_beyond_its_amount(self) -> None:
        """An item's open amount is its amount, less what was applied, plus what adjustments
        (write-offs, reinstatements, corrections, transfers, refunds) moved."""
        applied = dict(Application.objects.values_list("credit_item_id").annotate(t=Sum("amount")))
        adjusted = dict(
            ReceivableEntry.objects.filter(source__startswith="adjustment.")
            .exclude(source_ref=F("item__number"))  # a transferred item's own posting
            .values_list("item_id")
            .annotate(t=Sum("amount"))
        )
        for item in Item.objects.filter(amount__lt=0):
            net = money.cents(applied.get(item.pk, money.ZERO))
            moved = money.cents(adjusted.get(item.pk, money.ZERO))
            self.t.assertTrue(money.ZERO <= net <= -item.amount, f"{item} applied {net}")
            self.t.assertEqual(item.open_amount, item.amount + net + moved, str(item))
        for item in Item.objects.filter(amount__gt=0):
            net = Application.objects.filter(debit_item=item).aggregate(t=Sum("amount"))["t"]
            moved = money.cents(adjusted.get(item.pk, money.ZERO))
            self.t.assertEqual(
                item.open_amount, item.amount - money.cents(net or 0) + moved, str(item)
            )

    def only_approved_requests_posted_and_no_preparer_approved(self) -> None:
        from fiscus.adjustments.models import Request

        for request in Request.objects.all():
            rows = ReceivableEntry.objects.filter(source_ref=request.number).exclude(
                source="adjustment.reinstated"
            )
            posted = request.status == "posted"
            self.t.assertEqual(rows.exists(), posted, request.number)
            if posted and request.needs_approval:
                self.t.assertNotEqual(request.decided_by_id, request.prepared_by_id)
            if posted:
                moved = sum(
                    (
                        abs(r.amount)
                        for r in rows
                        if r.item_id in set(request.lines.values_list("item_id", flat=True))
                    ),
                    money.ZERO,
                )
                self.t.assertEqual(moved, request.total, request.number)

    def each_customer_balance_is_the_sum_of_their_open_items(
        self, town: Town, dates: list[date]
    ) -> None:
        for person in town.customers:
            open_sum = sum(
                (i.open_amount for i in Item.objects.filter(customer=person)), money.ZERO
            )
            self.t.assertEqual(queries.customer_balance(person.pk), open_sum, str(person))
            self.t.assertEqual(
                sum((i.open_amount for i in queries.open_items(person.pk)), money.ZERO), open_sum
            )
            for d in dates:
                listed = queries.open_items(person.pk, as_of=d)
                self.t.assertNotIn(money.ZERO, [i.open_amount for i in listed], f"as of {d}")
                self.t.assertEqual(
                    queries.customer_balance(person.pk, as_of=d),
                    sum(
                        (i.open_amount for i in queries.open_items(person.pk, as_of=d)), money.ZERO
                    ),
                    f"{person} as of {d}",
                )


class LedgerInvariants(TestCase):
    @settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        steps=st.lists(actions, min_size=1, max_size=30),
        as_of=st.lists(days, min_size=1, max_size=4),
    )
    def test_random_postings_and_applications_keep_every_invariant(self, steps, as_of):
        town = small_town()
        run_all(town, steps)
        dates = [on(d) for d in as_of]
        check = Invariants(self)
        check.every_journal_entry_balances_within_each_fund()
        check.both_hash_chains_verify()
        check.ar_control_equals_the_receivable_ledger_and_the_open_items(town)
        check.ar_control_equals_the_receivable_ledger_as_of(town, dates)
        check.every_item_stays_within_its_amount_at_every_date()
        check.no_credit_is_applied_beyond_its_amount()
        check.only_approved_requests_posted_and_no_preparer_approved()
        check.each_customer_balance_is_the_sum_of_their_open_items(town, dates)


# --- tampering -----------------------------------------------------------------------------


def allow_updates(table: str) -> None:
    """Lift the append-only trigger inside this test's transaction (rolled back after)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Django's foreign keys are deferred; PostgreSQL alters no table with checks pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER "{table}_append_only"')
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            cursor.execute(f'DROP TRIGGER "{table}_no_update"')


ALTERED = "its contents do not match its hash (the record was altered)"


class TamperingIsDetected(TestCase):
    @settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        first=st.builds(PostInvoice, picks, picks, amounts, days),
        steps=st.lists(actions, max_size=12),
        pick=picks,
        new_cents=amounts,
        in_gl=st.booleans(),
    )
    def test_altering_any_stored_row_is_named_by_verify(self, first, steps, pick, new_cents, in_gl):
        town = small_town()
        run_all(town, [first, *steps])
        if in_gl:
            lines = list(JournalLine.objects.select_related("entry").order_by("id"))
            line = lines[pick % len(lines)]
            side = "debit" if line.debit else "credit"
            new = dollars(new_cents)
            if new == getattr(line, side):
                new += Decimal("0.01")
            allow_updates(JournalLine._meta.db_table)
            JournalLine.objects.filter(pk=line.pk).update(**{side: new})
            self.assertEqual(
                ledger.verify(),
                (JournalEntry.objects.count(), [(line.entry.seq, line.entry.number, ALTERED)]),
            )
            self.assertEqual(receivables.verify()[1], [])
        else:
            rows = list(ReceivableEntry.objects.order_by("seq"))
            row = rows[pick % len(rows)]
            new = dollars(new_cents) * (-1 if pick % 2 else 1)
            if new == row.amount:
                new += Decimal("0.01")
            allow_updates(ReceivableEntry._meta.db_table)
            ReceivableEntry.objects.filter(pk=row.pk).update(amount=new)
            self.assertEqual(
                receivables.verify(),
                (ReceivableEntry.objects.count(), [(row.seq, row.source_ref, ALTERED)]),
            )
            self.assertEqual(ledger.verify()[1], [])

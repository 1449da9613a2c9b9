"""Adjustments, write-offs and refunds in the demo city, through the adjustments services.

After the cash has come in, the AR office's exceptions of the last two months:

- a write-off batch of the oldest uncollectible debts, approved by the supervisor last month
  (its board packet prints), one of whose debtors paid later: the debt was reinstated and paid;
- last month's small-balance run, approved;
- this month's write-off batch, waiting for the supervisor's approval;
- a write-off the supervisor sent back to the technician with a comment;
- a correcting entry within its threshold (posted at once) and a transfer of an invoice billed
  to the wrong customer;
- refunds of credit balances in every state: waiting for approval, approved and to send to
  accounts payable, sent, and paid by check. Where the city has too few credit balances, a
  cancelled rental's credit memo makes one (a deposit refunded).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Max

from fiscus import money
from fiscus.adjustments import services as adj
from fiscus.adjustments.models import Kind, Reason, Request
from fiscus.billing.memos import issue_credit_memo
from fiscus.billing.models import ReasonCode
from fiscus.customers.models import Customer
from fiscus.receivables.models import Item


@dataclass
class AdjustmentSummary:
    write_offs_posted: int = 0
    write_offs_waiting: int = 0
    rejected: int = 0
    reinstated: int = 0
    payments: int = 0
    refunds: dict[str, int] | None = None

    @property
    def text(self) -> str:
        stages = ", ".join(f"{n} {stage.lower()}" for stage, n in (self.refunds or {}).items())
        return (
            f"Adjustments: {self.write_offs_posted} write-offs posted, "
            f"{self.write_offs_waiting} waiting for approval, {self.rejected} sent back; "
            f"{self.reinstated} discharged debt paid later; refunds: {stages}."
        )


def _reason(code: str) -> Reason:
    return Reason.objects.get(code=code)


class AdjustmentLoad:
    def __init__(self, today: date, staff: Any) -> None:
        self.today = today
        self.tina, self.sam = staff["tina"], staff["sam"]
        self.used: set[int] = set()  # items already in a request

    def _old_debts(self, count: int, *, older_than: int, least: Decimal) -> list[Item]:
        """The oldest open debts of different customers, not disputed, none bankrupt."""
        found = (
            Item.objects.filter(
                open_amount__gte=least,
                due_date__lt=self.today - timedelta(days=older_than),
                disputed=False,
                customer__in_bankruptcy=False,
            )
            .exclude(pk__in=self.used)
            .order_by("due_date", "id")
        )
        chosen: list[Item] = []
        people: set[int] = set()
        for item in found[:400]:
            if item.customer_id in people:
                continue
            people.add(item.customer_id)
            chosen.append(item)
            if len(chosen) == count:
                break
        self.used |= {i.pk for i in chosen}
        return chosen

    def _write_off(
        self, items: list[Item], on: date, *, kind: str = Kind.WRITE_OFF, why: str, code: str
    ) -> Request | None:
        if not items:
            return None
        return adj.prepare(
            by=self.tina,
            kind=kind,
            reason=_reason(code),
            lines=[adj.Wanted(i, i.open_amount) for i in items],
            on=on,
            description=why,
        )

    def load(self) -> AdjustmentSummary:
        today = self.today
        summary = AdjustmentSummary()
        last_month = today - timedelta(days=35)
        # last month's batch, approved: the board packet for the council's consent calendar
        batch = self._write_off(
            self._old_debts(6, older_than=300, least=Decimal("25.00")),
            last_month,
            why="Over 300 days past due; two notices and a collection call, no response",
            code="BADDEBT",
        )
        if batch is not None:
            adj.approve(batch, by=self.sam, comment="Consent calendar, council meeting")
            summary.write_offs_posted += 1
            summary.reinstated = self._paid_later(batch)
            summary.payments += summary.reinstated > 0
        # the small-balance run
        small = adj.small_balances(Decimal("10.00"), min_days=90, on=last_month)
        run = self._write_off(
            list(small.exclude(pk__in=self.used)[:25]),
            last_month,
            kind=Kind.SMALL_BALANCE,
            why="Monthly small-balance run: balances under $10.00, 90 days past due",
            code="SMALLBAL",
        )
        if run is not None:
            self.used |= set(run.lines.values_list("item_id", flat=True))
            adj.approve(run, by=self.sam)
            summary.write_offs_posted += 1
        # this month's batch, waiting for the supervisor
        waiting = self._write_off(
            self._old_debts(5, older_than=240, least=Decimal("25.00")),
            today - timedelta(days=2),
            why="Returned mail, no forwarding address; skip trace failed",
            code="SKIP",
        )
        summary.write_offs_waiting += waiting is not None
        # one sent back with a comment
        back = self._write_off(
            self._old_debts(1, older_than=60, least=Decimal("25.00")),
            today - timedelta(days=3),
            why="Customer says the service was never provided",
            code="BADDEBT",
        )
        if back is not None:
            adj.reject(
                back,
                by=self.sam,
                comment="That is a dispute, not bad debt: mark the invoice disputed and ask "
                "the department, or issue a credit memo.",
            )
            summary.rejected += 1
        self._correction_and_transfer()
        summary.refunds = self._refunds()
        return summary

    def _paid_later(self, batch: Request) -> int:
        """One written-off debtor pays: a payment on account, then applied to the discharged
        debt (reinstated for what it pays)."""
        from fiscus.cash import services as cash

        line = batch.lines.select_related("item", "customer").order_by("id").first()
        if line is None or line.item.department is None:
            return 0
        on = self.today  # at the counter today: the deposit is still open
        amount = min(money.cents(line.amount / 2), Decimal("50.00"))  # a first instalment
        deposit = cash.open_deposit(
            department=line.item.department,
            on=on,
            by=self.tina,
            control_count=1,
            control_total=amount,
        )
        paid = cash.record_payment(
            deposit,
            cash.PaymentInput(
                amount=amount,
                method="cash",
                received_on=on,
                customer=line.customer,
            ),
            by=self.tina,
        )
        assert paid.item is not None
        return len(adj.pay_discharged(paid.item, on=on, by=self.tina))

    def _correction_and_transfer(self) -> None:
        on = self.today - timedelta(days=10)
        fix = self._old_debts(1, older_than=0, least=Decimal("60.00"))
        if fix:
            adj.prepare(
                by=self.tina,
                kind=Kind.CORRECTION,
                reason=_reason("BILLERR"),
                lines=[adj.Wanted(fix[0], Decimal("18.50"))],
                on=on,
                description="Billed the 2025 rate; corrected to the current fee schedule",
            )
        moved = self._old_debts(1, older_than=0, least=Decimal("20.00"))
        to = (
            Customer.objects.exclude(pk__in=[i.customer_id for i in moved])
            .filter(type="business")
            .order_by("number")
            .first()
        )
        if moved and to is not None and moved[0].open_amount <= Decimal("500.00"):
            adj.prepare(
                by=self.tina,
                kind=Kind.TRANSFER,
                reason=_reason("WRONGCUST"),
                lines=[adj.Wanted(moved[0], moved[0].open_amount)],
                on=on,
                to_customer=to,
                description="Billed to the tenant; the lease makes the owner responsible",
            )

    def _credit_customers(self, count: int) -> list[Customer]:
        """Customers with a credit balance; cancelled rentals make more where too few."""
        from fiscus.reports.adjustments import credit_balances

        numbers = [row.customer_number for row in credit_balances().rows[:count]]
        ids = list(Customer.objects.filter(number__in=numbers).values_list("pk", flat=True))
        found = list(Customer.objects.filter(pk__in=ids))
        if len(found) >= count:
            return found[:count]
        reason = ReasonCode.objects.filter(code="NOSERVICE").first()
        fresh = (
            Customer.objects.exclude(pk__in=ids)
            .filter(type="person", department__isnull=False)
            .exclude(items__open_amount__gt=0)
            .order_by("number")
        )
        for n, who in enumerate(fresh[: count - len(found)]):
            if reason is None:
                break
            issue_credit_memo(
                by=self.tina,
                customer=who,
                reason=reason,
                amount=Decimal("150.00") + 25 * n,
                memo_date=self.today - timedelta(days=20),
                description="Pavilion rental cancelled: the deposit is refunded",
            )
            found.append(who)
        return found

    def _refunds(self) -> dict[str, int]:
        people = self._credit_customers(4)
        on = self.today - timedelta(days=14)
        requests = []
        for n, who in enumerate(people):
            owed = adj.credit_balance(who)
            if owed <= 0:
                continue
            newest = Item.objects.filter(customer=who, open_amount__lt=0).aggregate(
                d=Max("posted_on")
            )["d"]
            when = min(max(on + timedelta(days=n), newest or on), self.today)
            requests.append(
                adj.request_refund(
                    by=self.tina,
                    customer=who,
                    reason=_reason("OVERPAY" if n % 2 else "CLOSED"),
                    amount=owed,
                    on=when,
                )
            )
        # the first paid, the second sent to AP, the third to send, the last waiting
        for r in requests[:2]:
            adj.approve(r, by=self.sam)
        if requests:
            adj.export_vouchers(by=self.tina)
            adj.mark_paid(
                Request.objects.get(pk=requests[0].pk),
                by=self.tina,
                paid_on=self.today - timedelta(days=3),
                paid_by=Request.PaidBy.CHECK,
                reference="208815",
            )
        for r in requests[2:3]:
            adj.approve(r, by=self.sam)
        stages: dict[str, int] = {}
        for r in Request.objects.filter(kind=Kind.REFUND):
            stages[r.stage] = stages.get(r.stage, 0) + 1
        return stages


def load_adjustments(today: date, staff: Any) -> AdjustmentSummary:
    return AdjustmentLoad(today, staff).load()

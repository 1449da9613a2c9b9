"""Finance charges on past-due balances (issue 3, item 6).

A run is previewed first: for each customer with debit items more than the policy's grace days
past due as of a date, the base is what those items still owed on that date and the charge is
`max(cents(base * monthly_rate), minimum_charge)`. Who may be charged is decided by the one
collection gate (fiscus.customers.gate); the preview keeps every customer it skipped with the
reason. Posting turns each charge into an open item of kind finance_charge (DR AR control, CR the
policy's revenue account) in one post_items call.

Finance charges are not charged on earlier finance charges (no interest on interest), and a
customer is charged at most once per calendar month.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import DecimalField, Q, Sum
from django.utils import timezone

from fiscus import audit, money
from fiscus.billing.models import FinanceChargeLine, FinanceChargePolicy, FinanceChargeRun
from fiscus.billing.setup import finance_charge_policy
from fiscus.customers.gate import Action, may_collect
from fiscus.customers.models import Customer, CustomerType
from fiscus.db import lock
from fiscus.errors import FiscusError
from fiscus.organization.models import Fund
from fiscus.organization.roles import require
from fiscus.receivables.models import Item
from fiscus.receivables.services import ItemSpec, Offset, post_items

SOURCE = "finance_charge"
GENERAL_FUND = "100"
MONEY_FIELD: DecimalField[Decimal, Decimal] = DecimalField(max_digits=14, decimal_places=2)


class FinanceChargeError(FiscusError):
    code = "finance_charge_refused"


@dataclass
class PastDue:
    """One customer's items past the grace days as of the run's date."""

    customer: Customer
    items: list[tuple[Item, Decimal]] = field(default_factory=list)  # (item, open as of)

    @property
    def total(self) -> Decimal:
        return money.cents(sum((amount for _, amount in self.items), money.ZERO))


def _policy() -> FinanceChargePolicy:
    policy = finance_charge_policy()
    if not policy.active:
        raise FinanceChargeError(
            "Finance charges are turned off; a supervisor turns them on in the "
            "finance-charge policy.",
            code="policy_inactive",
        )
    return policy


def _fund(policy: FinanceChargePolicy) -> Fund:
    if policy.department is not None:
        return policy.department.fund
    fund = Fund.objects.filter(code=GENERAL_FUND).first() or Fund.objects.order_by("pk").first()
    if fund is None:  # pragma: no cover - seeded by organization 0002
        raise FinanceChargeError("There is no fund to post finance charges to.", code="fund")
    return fund


def past_due(as_of: date, grace_days: int) -> Iterator[PastDue]:
    """Customers' debit items more than `grace_days` past due as of `as_of`, with what each
    still owed on that date (its receivable rows dated on or before `as_of`). One grouped query."""
    cutoff = as_of - timedelta(days=grace_days)
    items = (
        Item.objects.filter(amount__gt=0, due_date__lt=cutoff)
        .exclude(kind=Item.Kind.FINANCE_CHARGE)
        .annotate(
            open_as_of=Sum(
                "entries__amount",
                filter=Q(entries__effective_date__lte=as_of),
                output_field=MONEY_FIELD,
            )
        )
        .filter(open_as_of__gt=0)
        .select_related("customer")
        .order_by("customer_id", "due_date", "id")
    )
    current: PastDue | None = None
    for item in items:
        # rounded here: SQLite sums NUMERIC in floating point
        amount = money.cents(item.open_as_of)  # type: ignore[attr-defined]
        if amount <= 0:
            continue
        if current is None or current.customer.pk != item.customer_id:
            if current is not None:
                yield current
            current = PastDue(customer=item.customer)
        current.items.append((item, amount))
    if current is not None:
        yield current


def _charged_in_month(as_of: date) -> set[int]:
    """Customers charged by a posted run dated in the calendar month of `as_of`."""
    return set(
        FinanceChargeLine.objects.filter(
            skipped=False,
            run__status=FinanceChargeRun.Status.POSTED,
            run__as_of__year=as_of.year,
            run__as_of__month=as_of.month,
        ).values_list("customer_id", flat=True)
    )


def _exempt_reason(customer: Customer, policy: FinanceChargePolicy) -> str | None:
    if customer.type and customer.type in (policy.exempt_types or []):
        return f"exempt: {str(CustomerType(customer.type).label).lower()}"
    return None


def charge_for(base: Decimal, policy: FinanceChargePolicy) -> Decimal:
    """The finance charge on a past-due base: the monthly rate, but never under the minimum."""
    if base <= 0:
        return money.ZERO
    return max(money.cents(base * policy.monthly_rate), money.cents(policy.minimum_charge))


def _line(
    run: FinanceChargeRun, due: PastDue, policy: FinanceChargePolicy, charged: set[int]
) -> FinanceChargeLine:
    """The customer's line: charged (perhaps with items left out, and why) or skipped, and why."""
    customer = due.customer
    skip = _exempt_reason(customer, policy)
    if skip is None and customer.pk in charged:
        skip = f"already charged a finance charge in {run.as_of:%B %Y}"
    if skip is None:
        decision = may_collect(customer, action=Action.FINANCE_CHARGE)
        if not decision:
            skip = decision.reason
    if skip is not None:
        return FinanceChargeLine(
            run=run,
            customer=customer,
            base_amount=due.total,
            charge=money.ZERO,
            skipped=True,
            reason=skip[:200],
        )
    base = money.ZERO
    left_out: list[str] = []
    for item, amount in due.items:
        decision = may_collect(customer, action=Action.FINANCE_CHARGE, item=item)
        if decision:
            base += amount
        else:
            left_out.append(decision.reason)
    base = money.cents(base)
    reason = "; ".join(left_out)
    charge = charge_for(base, policy)
    if charge <= 0:
        return FinanceChargeLine(
            run=run,
            customer=customer,
            base_amount=base,
            charge=money.ZERO,
            skipped=True,
            reason=(reason or "no charge at the policy's rate")[:200],
        )
    if left_out:
        reason = f"left out: {reason}"
    return FinanceChargeLine(
        run=run, customer=customer, base_amount=base, charge=charge, reason=reason[:200]
    )


@transaction.atomic
def preview_finance_charges(*, by: AbstractBaseUser, as_of: date) -> FinanceChargeRun:
    """Work out the finance charges as of a date and keep them as a preview run, with every
    customer skipped and why. Nothing is posted."""
    require(by, "billing.finance_charges")
    if as_of is None:
        raise FinanceChargeError("Give the date to charge as of.", code="as_of")
    policy = _policy()
    run = FinanceChargeRun.objects.create(
        as_of=as_of,
        fund=_fund(policy),
        created_by=by,  # type: ignore[misc]
    )
    charged = _charged_in_month(as_of)
    lines = [_line(run, due, policy, charged) for due in past_due(as_of, policy.grace_days)]
    FinanceChargeLine.objects.bulk_create(lines)
    run.total = money.cents(sum((ln.charge for ln in lines if not ln.skipped), money.ZERO))
    run.save(update_fields=["total"])
    audit.record(
        "finance_charge_run.previewed",
        run,
        by=by,
        as_of=as_of,
        charges=sum(1 for ln in lines if not ln.skipped),
        skipped=sum(1 for ln in lines if ln.skipped),
        total=run.total,
        monthly_rate=policy.monthly_rate,
        minimum_charge=policy.minimum_charge,
        grace_days=policy.grace_days,
    )
    return run


@transaction.atomic
def post_finance_charges(run: FinanceChargeRun, *, by: AbstractBaseUser) -> FinanceChargeRun:
    """Post a previewed run: one finance_charge item per charged customer, in one posting."""
    require(by, "billing.finance_charges")
    policy = lock(_policy())  # posting runs one at a time, so nobody is charged twice a month
    run = lock(run)
    if run.status == FinanceChargeRun.Status.POSTED:
        raise FinanceChargeError(
            f"The finance charges as of {run.as_of:%m/%d/%Y} were posted already; "
            "a run is posted once.",
            code="already_posted",
        )
    lines = list(
        run.lines.filter(skipped=False, charge__gt=0)
        .select_related("customer")
        .order_by("customer__number")
    )
    if not lines:
        raise FinanceChargeError("This run has no finance charges to post.", code="nothing")
    charged = _charged_in_month(run.as_of)
    again = [ln.customer for ln in lines if ln.customer_id in charged]
    if again:
        raise FinanceChargeError(
            f"Customer {again[0].number} was already charged in {run.as_of:%B %Y} by another "
            "run; preview the finance charges again.",
            code="charged_this_month",
        )
    fund = run.fund or _fund(policy)
    specs = [
        ItemSpec(
            customer=ln.customer,
            kind=Item.Kind.FINANCE_CHARGE,
            amount=ln.charge,
            fund=fund,
            document_date=run.as_of,
            due_date=run.as_of,
            offsets=[
                Offset(
                    policy.account, ln.charge, department=policy.department, memo="Finance charge"
                )
            ],
            department=policy.department,
            description=(
                f"Finance charge on {money.fmt(ln.base_amount)} past due as of {run.as_of:%m/%d/%Y}"
            ),
        )
        for ln in lines
    ]
    items = post_items(specs, on=run.as_of, by=by, source=SOURCE, memo="Finance charge")
    for ln, item in zip(lines, items, strict=True):
        ln.item = item
    FinanceChargeLine.objects.bulk_update(lines, ["item"])
    run.status = FinanceChargeRun.Status.POSTED
    run.posted_by = by  # type: ignore[assignment]
    run.posted_at = timezone.now()
    run.total = money.cents(sum((ln.charge for ln in lines), money.ZERO))
    run.save(update_fields=["status", "posted_by", "posted_at", "total"])
    audit.record(
        "finance_charge_run.posted",
        run,
        by=by,
        as_of=run.as_of,
        charges=len(lines),
        total=run.total,
        first=items[0].number,
        last=items[-1].number,
    )
    return run

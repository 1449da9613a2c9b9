"""Recurring billing (issue 3, item 5): schedules that make draft invoices, period by period.

A schedule (a lease, a maintenance contract) bills a customer monthly, quarterly or once a year
from its start date until its end date, if any. `next_date` is the invoice date of the next
invoice to make. The recurring run makes one draft invoice per period due through a date,
catching up any missed periods, each line carrying its service period (a monthly lease billed on
March 1 covers March 1 - March 31), then moves `next_date` on. Running it twice for the same date
makes nothing the second time.

Periods are counted from the start date, so month ends hold: a schedule starting January 31
bills on February 28 (29), March 31, April 30, ...
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Q

from fiscus import audit, money
from fiscus.billing.models import (
    ChargeCode,
    Frequency,
    Invoice,
    PaymentTerms,
    RecurringLine,
    RecurringSchedule,
)
from fiscus.customers.models import Customer
from fiscus.db import lock
from fiscus.errors import FiscusError
from fiscus.organization.models import Department
from fiscus.organization.roles import require

MONTHS = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.ANNUAL: 12}
DEFAULT_TERMS = "net30"

ScheduleLine = tuple[ChargeCode, Decimal, Decimal, str]  # charge code, quantity, price, text
Progress = Callable[[int, int], None]  # (done, total)


class RecurringError(FiscusError):
    code = "recurring_refused"


# -- dates ---------------------------------------------------------------------------------------


def add_months(start: date, months: int) -> date:
    """`start` moved on by whole months, kept on its day or the month's last day if shorter."""
    years, month0 = divmod(start.month - 1 + months, 12)
    year, month = start.year + years, month0 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def period_after(schedule: RecurringSchedule, on: date) -> date:
    """The invoice date of the period after the one billed on `on` (counted from the start
    date, so a schedule starting on the 31st comes back to the 31st)."""
    step = MONTHS[Frequency(schedule.frequency)]
    start = schedule.start_date
    elapsed = (on.year - start.year) * 12 + on.month - start.month
    return add_months(start, (elapsed // step + 1) * step)


def service_period(schedule: RecurringSchedule, on: date) -> tuple[date, date]:
    """The service period billed on `on`: to the day before the next period (or the end date)."""
    to = period_after(schedule, on) - timedelta(days=1)
    if schedule.end_date is not None and schedule.end_date < to:
        to = schedule.end_date
    return on, to


def periods_due(schedule: RecurringSchedule, through: date) -> list[date]:
    """The invoice dates not yet billed, through `through` and not past the end date."""
    last = through if schedule.end_date is None else min(through, schedule.end_date)
    out = []
    on = schedule.next_date
    while on <= last:
        out.append(on)
        on = period_after(schedule, on)
    return out


# -- schedules -----------------------------------------------------------------------------------


def _clean_lines(department: Department, lines: Sequence[ScheduleLine]) -> list[ScheduleLine]:
    if not lines:
        raise RecurringError("Give the schedule at least one line.", code="lines")
    out = []
    for n, (code, quantity, unit_price, text) in enumerate(lines, 1):
        where = f"Line {n}"
        if code.department_id != department.pk:
            raise RecurringError(
                f"{where}: charge code {code.code} belongs to {code.department.name}, "
                f"not {department.name}.",
                code="lines",
            )
        if not code.active:
            raise RecurringError(
                f"{where}: charge code {code.code} is no longer in use.", code="lines"
            )
        quantity = Decimal(quantity)
        if quantity <= 0:
            raise RecurringError(f"{where}: the quantity must be more than zero.", code="lines")
        if quantity != quantity.quantize(Decimal("0.001")):
            raise RecurringError(
                f"{where}: the quantity has more than three decimal places.", code="lines"
            )
        price = money.cents(unit_price)
        if price != Decimal(unit_price):
            raise RecurringError(
                f"{where}: the unit price has more than two decimal places.", code="lines"
            )
        if price < 0:
            raise RecurringError(f"{where}: the unit price cannot be negative.", code="lines")
        if money.cents(quantity * price) <= 0:
            raise RecurringError(f"{where}: the line comes to zero.", code="lines")
        out.append((code, quantity, price, (text or "").strip()[:200]))
    return out


def _check(
    *,
    customer: Customer,
    department: Department,
    description: str,
    frequency: str,
    start_date: date | None,
    end_date: date | None,
) -> str:
    description = (description or "").strip()
    if not description:
        raise RecurringError(
            "Describe what the schedule bills (e.g. Hangar 4 lease).", code="description"
        )
    if frequency not in Frequency.values:
        raise RecurringError("Choose monthly, quarterly or annual.", code="frequency")
    if start_date is None:
        raise RecurringError("Give the date of the first invoice.", code="start_date")
    if end_date is not None and end_date < start_date:
        raise RecurringError("The end date is before the start date.", code="end_date")
    if not department.active:
        raise RecurringError(f"{department.name} is no longer active.", code="department")
    if not customer.active:
        raise RecurringError(f"Customer {customer.number} is inactive.", code="customer")
    return description


def _terms(customer: Customer, terms: PaymentTerms | None) -> PaymentTerms:
    if terms is not None:
        return terms
    found = PaymentTerms.objects.filter(code=customer.terms).first()
    return found or PaymentTerms.objects.get(code=DEFAULT_TERMS)


def _write_lines(schedule: RecurringSchedule, lines: Sequence[ScheduleLine]) -> None:
    RecurringLine.objects.bulk_create(
        RecurringLine(
            schedule=schedule,
            charge_code=code,
            quantity=quantity,
            unit_price=price,
            description=text,
        )
        for code, quantity, price, text in lines
    )


def _lines_detail(lines: Sequence[ScheduleLine]) -> list[dict[str, Any]]:
    return [
        {"charge_code": code.code, "quantity": q, "unit_price": p, "description": t}
        for code, q, p, t in lines
    ]


def schedule_lines(schedule: RecurringSchedule) -> list[ScheduleLine]:
    """The schedule's lines as (charge code, quantity, unit price, description)."""
    return [
        (ln.charge_code, ln.quantity, ln.unit_price, ln.description)
        for ln in schedule.lines.select_related("charge_code").order_by("id")
    ]


def period_amount(schedule: RecurringSchedule) -> Decimal:
    """What one period bills before tax."""
    return money.cents(
        sum(
            (money.cents(q * p) for _, q, p, _ in schedule_lines(schedule)),
            money.ZERO,
        )
    )


@transaction.atomic
def create_schedule(
    *,
    by: AbstractBaseUser,
    customer: Customer,
    department: Department,
    description: str,
    frequency: str,
    start_date: date,
    end_date: date | None = None,
    terms: PaymentTerms | None = None,
    reference: str = "",
    lines: Sequence[ScheduleLine],
) -> RecurringSchedule:
    """A new schedule; its first invoice is dated `start_date`."""
    require(by, "billing.recurring")
    description = _check(
        customer=customer,
        department=department,
        description=description,
        frequency=frequency,
        start_date=start_date,
        end_date=end_date,
    )
    cleaned = _clean_lines(department, lines)
    schedule = RecurringSchedule.objects.create(
        customer=customer,
        department=department,
        description=description,
        frequency=frequency,
        start_date=start_date,
        end_date=end_date,
        next_date=start_date,
        terms=_terms(customer, terms),
        reference=(reference or "").strip(),
        created_by=by,  # type: ignore[misc]
    )
    _write_lines(schedule, cleaned)
    audit.record(
        "recurring_schedule.created",
        schedule,
        by=by,
        customer=customer.number,
        department=department.code,
        frequency=frequency,
        start_date=start_date,
        end_date=end_date,
        lines=_lines_detail(cleaned),
    )
    return schedule


def has_billed(schedule: RecurringSchedule) -> bool:
    return Invoice.objects.filter(recurring=schedule).exists()


@transaction.atomic
def update_schedule(
    schedule: RecurringSchedule,
    *,
    by: AbstractBaseUser,
    customer: Customer,
    department: Department,
    description: str,
    frequency: str,
    start_date: date,
    end_date: date | None = None,
    terms: PaymentTerms | None = None,
    reference: str = "",
    lines: Sequence[ScheduleLine],
) -> RecurringSchedule:
    """Change a schedule. Once it has made an invoice, its customer, department, frequency and
    start date stay (deactivate it and make a new one instead); the rest applies from the next
    invoice on."""
    require(by, "billing.recurring")
    schedule = lock(schedule)
    description = _check(
        customer=customer,
        department=department,
        description=description,
        frequency=frequency,
        start_date=start_date,
        end_date=end_date,
    )
    cleaned = _clean_lines(department, lines)
    if has_billed(schedule):
        fixed = {
            "customer": (schedule.customer_id, customer.pk),
            "department": (schedule.department_id, department.pk),
            "frequency": (schedule.frequency, frequency),
            "start date": (schedule.start_date, start_date),
        }
        for name, (old, new) in fixed.items():
            if old != new:
                raise RecurringError(
                    f"This schedule has made invoices already, so its {name} cannot change; "
                    "deactivate it and create a new schedule.",
                    code=name.replace(" ", "_"),
                )
    else:
        schedule.next_date = start_date
    before = {
        "description": schedule.description,
        "end_date": schedule.end_date,
        "terms": schedule.terms.code,
        "reference": schedule.reference,
        "lines": _lines_detail(schedule_lines(schedule)),
    }
    schedule.customer = customer
    schedule.department = department
    schedule.description = description
    schedule.frequency = frequency
    schedule.start_date = start_date
    schedule.end_date = end_date
    schedule.terms = _terms(customer, terms)
    schedule.reference = (reference or "").strip()
    schedule._change_reason = "updated"  # type: ignore[attr-defined]
    schedule.save()
    schedule.lines.all().delete()
    _write_lines(schedule, cleaned)
    audit.record(
        "recurring_schedule.updated",
        schedule,
        by=by,
        before=before,
        after={
            "description": description,
            "end_date": end_date,
            "terms": schedule.terms.code,
            "reference": schedule.reference,
            "lines": _lines_detail(cleaned),
        },
    )
    return schedule


@transaction.atomic
def deactivate_schedule(
    schedule: RecurringSchedule, *, by: AbstractBaseUser, reason: str = ""
) -> RecurringSchedule:
    """Stop a schedule: the recurring run makes no more invoices from it."""
    require(by, "billing.recurring")
    schedule = lock(schedule)
    if not schedule.active:
        raise RecurringError(f"The schedule {schedule} is inactive already.", code="inactive")
    schedule.active = False
    schedule.save(update_fields=["active"])
    audit.record("recurring_schedule.deactivated", schedule, by=by, reason=reason.strip())
    return schedule


# -- the run -------------------------------------------------------------------------------------


@dataclass
class RecurringRunResult:
    through: date
    invoices: list[Invoice] = field(default_factory=list)
    schedules: int = 0  # schedules that made at least one invoice
    failures: list[tuple[RecurringSchedule, str]] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return money.cents(sum((inv.total for inv in self.invoices), money.ZERO))

    @property
    def message(self) -> str:
        count = len(self.invoices)
        text = (
            f"Recurring billing through {self.through:%m/%d/%Y} made {count} draft "
            f"invoice{'' if count == 1 else 's'} from {self.schedules} "
            f"schedule{'' if self.schedules == 1 else 's'}"
        )
        if count:
            text += f", {money.fmt(self.total)}"
        text += "."
        if self.failures:
            text += f" {len(self.failures)} could not be billed."
        return text


def due_schedules(through: date) -> Any:
    """Active schedules with a period due on or before `through` (and not past their end)."""
    return RecurringSchedule.objects.filter(active=True, next_date__lte=through).filter(
        Q(end_date__isnull=True) | Q(next_date__lte=F("end_date"))
    )


def _bill(schedule: RecurringSchedule, through: date, *, by: AbstractBaseUser) -> list[Invoice]:
    from fiscus.billing.services import LineInput, create_invoice

    lines = schedule_lines(schedule)
    made = []
    dates = periods_due(schedule, through)
    for on in dates:
        service_from, service_to = service_period(schedule, on)
        made.append(
            create_invoice(
                by=by,
                customer=schedule.customer,
                department=schedule.department,
                invoice_date=on,
                lines=[
                    LineInput(
                        code,
                        quantity,
                        unit_price=price,
                        description=text or code.description,
                        service_from=service_from,
                        service_to=service_to,
                    )
                    for code, quantity, price, text in lines
                ],
                terms=schedule.terms,
                reference=schedule.reference,
                description=schedule.description,
                source=Invoice.Source.RECURRING,
                recurring=schedule,
            )
        )
    if dates:
        schedule.next_date = period_after(schedule, dates[-1])
        schedule._change_reason = "recurring run"  # type: ignore[attr-defined]
        schedule.save(update_fields=["next_date"])
    return made


@transaction.atomic
def run_recurring(
    *, by: AbstractBaseUser, through: date, progress: Progress | None = None
) -> RecurringRunResult:
    """Make the draft invoices of every period due through `through`, catching up missed ones.

    Each schedule is billed under its row lock in its own savepoint: a schedule that cannot be
    billed (say, its charge code was retired) is reported and the others still bill.
    """
    require(by, "billing.recurring")
    if through is None:
        raise RecurringError("Give the date to bill through.", code="through")
    result = RecurringRunResult(through=through)
    ids = list(due_schedules(through).order_by("next_date", "id").values_list("id", flat=True))
    total = len(ids)
    if progress:
        progress(0, total)
    for done, pk in enumerate(ids, 1):
        # locked and read again: a run going on at the same time has moved it on already
        schedule = (
            due_schedules(through)
            .select_for_update(of=("self",))
            .select_related("customer", "department", "terms")
            .filter(pk=pk)
            .first()
        )
        if schedule is not None:
            try:
                with transaction.atomic():
                    made = _bill(schedule, through, by=by)
            except FiscusError as refused:
                result.failures.append((schedule, refused.message))
            else:
                result.invoices += made
                result.schedules += 1 if made else 0
        if progress:
            progress(done, total)
    audit.record(
        "recurring.run",
        None,
        by=by,
        through=through,
        invoices=[inv.pk for inv in result.invoices],
        schedules=result.schedules,
        total=result.total,
        failures=[{"schedule": s.pk, "reason": why} for s, why in result.failures],
    )
    return result

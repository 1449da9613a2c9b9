"""Fiscal periods open and close; nothing posts into a closed period."""

from datetime import date
from decimal import Decimal

import pytest

from fiscus.audit.models import AuditEvent
from fiscus.errors import FiscusError
from fiscus.ledger.models import JournalEntry
from fiscus.organization.models import FiscalPeriod, FiscalYear
from fiscus.organization.services import (
    PeriodError,
    close_period,
    create_fiscal_year,
    period_for,
    reopen_period,
)
from fiscus.receivables.models import Application, Item
from fiscus.receivables.services import apply_credit, reverse_application
from tests.factories import customer, invoice, payment

MARCH = date(2026, 3, 15)
CLOSED = "FY2026 P09 (Mar 2026) is closed; nothing can post on 03/02/2026."


def march():
    return period_for(MARCH)


def test_a_fiscal_year_has_twelve_monthly_periods_from_july(city):
    fy = FiscalYear.objects.get(year=2026)
    periods = list(fy.periods.order_by("number"))
    assert (fy.start, fy.end) == (date(2025, 7, 1), date(2026, 6, 30))
    assert [(p.number, p.start, p.end) for p in periods[:2]] == [
        (1, date(2025, 7, 1), date(2025, 7, 31)),
        (2, date(2025, 8, 1), date(2025, 8, 31)),
    ]
    assert periods[7].end == date(2026, 2, 28)
    assert all(p.is_open for p in periods)


def test_a_fiscal_year_cannot_be_created_twice(city):
    with pytest.raises(FiscusError) as refused:
        create_fiscal_year(2026, by=city.clerk)
    assert refused.value.message == "FY2026 already exists."


def test_a_closed_period_refuses_an_invoice(city):
    close_period(march(), by=city.clerk, why="March is done")
    with pytest.raises(PeriodError) as refused:
        invoice(city, customer(city.clerk), "10.00", on=date(2026, 3, 2))
    assert refused.value.message == CLOSED
    assert Item.objects.count() == JournalEntry.objects.count() == 0


def test_a_closed_period_refuses_an_application_dated_in_it(city):
    who = customer(city.clerk)
    bill = invoice(city, who, "10.00", on=date(2026, 3, 2))
    paid = payment(city, who, "10.00", on=date(2026, 3, 10))
    close_period(march(), by=city.clerk)
    with pytest.raises(PeriodError) as refused:
        apply_credit(paid, bill, Decimal("10.00"), on=date(2026, 3, 20), by=city.clerk)
    assert refused.value.message == (
        "FY2026 P09 (Mar 2026) is closed; nothing can post on 03/20/2026."
    )
    assert Application.objects.count() == 0
    application = apply_credit(paid, bill, Decimal("10.00"), on=date(2026, 4, 1), by=city.clerk)
    assert application.effective_date == date(2026, 4, 1)


def test_a_closed_period_refuses_a_reversal_dated_in_it(city):
    who = customer(city.clerk)
    bill, paid = invoice(city, who, "10.00"), payment(city, who, "10.00")
    application = apply_credit(paid, bill, Decimal("10.00"), on=date(2026, 3, 20), by=city.clerk)
    close_period(march(), by=city.clerk)
    with pytest.raises(PeriodError):
        reverse_application(application, on=date(2026, 3, 25), by=city.clerk, reason="wrong")
    reverse_application(application, on=date(2026, 4, 2), by=city.clerk, reason="wrong")
    bill.refresh_from_db()
    assert bill.open_amount == Decimal("10.00")


def test_a_reopened_period_takes_postings_again(city):
    period = close_period(march(), by=city.clerk)
    reopen_period(period, by=city.clerk, why="late invoice from Parks")
    posted = invoice(city, customer(city.clerk), "10.00", on=date(2026, 3, 2))
    assert posted.journal_entry.period == period
    actions = list(
        AuditEvent.objects.filter(object_id=str(period.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["period.closed", "period.open"]


def test_closing_records_who_and_when_and_cannot_close_twice(city):
    period = close_period(march(), by=city.clerk)
    assert (period.status, period.closed_by) == (FiscalPeriod.Status.CLOSED, city.clerk)
    assert period.closed_at is not None
    with pytest.raises(FiscusError) as refused:
        close_period(period, by=city.clerk)
    assert refused.value.message == "FY2026 P09 (Mar 2026) is already closed."


def test_reopening_needs_a_reason(city):
    period = close_period(march(), by=city.clerk)
    with pytest.raises(FiscusError) as refused:
        reopen_period(period, by=city.clerk, why="")
    assert refused.value.message == "Say why the period is reopened."


def test_a_date_no_fiscal_year_covers_is_refused(city):
    with pytest.raises(PeriodError) as refused:
        invoice(city, customer(city.clerk), "10.00", on=date(2030, 7, 1))
    assert refused.value.message == (
        "No fiscal period covers 07/01/2030; a supervisor must create that fiscal year."
    )

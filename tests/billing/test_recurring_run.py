"""The recurring run: one draft invoice per period due, with its service period, caught up."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from fiscus.audit.models import AuditEvent
from fiscus.billing.models import Invoice, InvoiceLine, RecurringSchedule
from fiscus.billing.recurring import deactivate_schedule, run_recurring
from fiscus.customers.models import Customer
from fiscus.errors import PermissionDenied
from tests.billing.factories_memos import Codes, charge_codes
from tests.billing.factories_recurring import lease
from tests.factories import City, customer


@pytest.fixture
def codes(city: City) -> Codes:
    return charge_codes(city)


@pytest.fixture
def tenant(city: City) -> Customer:
    return customer(city.clerk, "Harbor Cafe", type="business")


def dates(schedule: RecurringSchedule) -> list[date]:
    return list(
        Invoice.objects.filter(recurring=schedule)
        .order_by("invoice_date")
        .values_list("invoice_date", flat=True)
    )


def periods(schedule: RecurringSchedule) -> list[tuple[date | None, date | None]]:
    return list(
        InvoiceLine.objects.filter(invoice__recurring=schedule)
        .order_by("invoice__invoice_date")
        .values_list("service_from", "service_to")
    )


def test_a_monthly_lease_makes_a_draft_for_march_with_its_service_period(
    city: City, codes: Codes, tenant: Customer, technician: User
) -> None:
    schedule = lease(city, codes, tenant)

    result = run_recurring(by=technician, through=date(2026, 3, 15))

    invoice = Invoice.objects.get(recurring=schedule)
    assert result.invoices == [invoice]
    assert (invoice.status, invoice.source, invoice.number) == ("draft", "recurring", None)
    assert (invoice.customer, invoice.department, invoice.description) == (
        tenant,
        city.parks,
        "Pavilion lease",
    )
    assert (invoice.invoice_date, invoice.due_date) == (date(2026, 3, 1), date(2026, 3, 31))
    assert (invoice.total, invoice.tax_total) == (Decimal("1072.50"), Decimal("72.50"))
    line = invoice.lines.get()
    assert (line.charge_code, line.quantity, line.unit_price, line.amount) == (
        codes.pavilion,
        Decimal("1.000"),
        Decimal("1000.00"),
        Decimal("1000.00"),
    )
    assert (line.service_from, line.service_to) == (date(2026, 3, 1), date(2026, 3, 31))
    assert line.description == "Pavilion rental"  # the charge code's, as none was given
    assert invoice.created_by == technician
    schedule.refresh_from_db()
    assert schedule.next_date == date(2026, 4, 1)


def test_missed_months_are_caught_up_one_draft_each(
    city: City, codes: Codes, tenant: Customer, technician: User
) -> None:
    schedule = lease(city, codes, tenant)

    result = run_recurring(by=technician, through=date(2026, 6, 10))

    assert len(result.invoices) == 4
    assert periods(schedule) == [
        (date(2026, 3, 1), date(2026, 3, 31)),
        (date(2026, 4, 1), date(2026, 4, 30)),
        (date(2026, 5, 1), date(2026, 5, 31)),
        (date(2026, 6, 1), date(2026, 6, 30)),
    ]
    assert result.total == Decimal("4290.00")
    assert result.message == (
        "Recurring billing through 06/10/2026 made 4 draft invoices from 1 schedule, $4,290.00."
    )


def test_a_quarterly_schedule_bills_each_quarter(
    city: City, codes: Codes, tenant: Customer, technician: User
) -> None:
    schedule = lease(city, codes, tenant, frequency="quarterly", start=date(2026, 1, 1))

    run_recurring(by=technician, through=date(2026, 12, 31))

    assert periods(schedule) == [
        (date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 7, 1), date(2026, 9, 30)),
        (date(2026, 10, 1), date(2026, 12, 31)),
    ]


def test_an_annual_schedule_bills_once_a_year(
    city: City, codes: Codes, tenant: Customer, technician: User
) -> None:
    schedule = lease(city, codes, tenant, frequency="annual", start=date(2026, 7, 1))

    run_recurring(by=technician, through=date(2028, 6, 30))

    assert periods(schedule) == [
        (date(2026, 7, 1), date(2027, 6, 30)),
        (date(2027, 7, 1), date(2028, 6, 30)),
    ]
    schedule.refresh_from_db()
    assert schedule.next_date == date(2028, 7, 1)


def test_billing_stops_at_the_end_date(
    city: City, codes: Codes, tenant: Customer, technician: User
) -> None:
    schedule = lease(city, codes, tenant, end=date(2026, 5, 15))

    run_recurring(by=technician, through=date(2026, 12, 31))
    again = run_recurring(by=technician, through=date(2027, 3, 31))

    assert dates(schedule) == [date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)]
    assert periods(schedule)[-1] == (date(2026, 5, 1), date(2026, 5, 15))
    assert again.invoices == []


def test_running_twice_through_the_same_date_makes_nothing_the_second_time(
    city: City, codes: Codes, tenant: Customer, technician: User
) -> None:
    lease(city, codes, tenant)
    run_recurring(by=technician, through=date(2026, 4, 30))

    second = run_recurring(by=technician, through=date(2026, 4, 30))

    assert second.invoices == []
    assert Invoice.objects.count() == 2
    assert second.message == (
        "Recurring billing through 04/30/2026 made 0 draft invoices from 0 schedules."
    )


def test_a_schedule_starting_on_the_31st_bills_each_month_end(
    city: City, codes: Codes, tenant: Customer, technician: User
) -> None:
    schedule = lease(city, codes, tenant, start=date(2026, 1, 31))

    run_recurring(by=technician, through=date(2026, 5, 31))

    assert dates(schedule) == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
    ]
    assert periods(schedule)[1] == (date(2026, 2, 28), date(2026, 3, 30))


def test_a_leap_year_february_ends_on_the_29th(
    city: City, codes: Codes, tenant: Customer, technician: User
) -> None:
    schedule = lease(city, codes, tenant, start=date(2028, 1, 31))

    run_recurring(by=technician, through=date(2028, 3, 31))

    assert dates(schedule) == [date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31)]


def test_a_deactivated_schedule_makes_no_invoices(
    city: City, codes: Codes, tenant: Customer, technician: User
) -> None:
    schedule = lease(city, codes, tenant)
    deactivate_schedule(schedule, by=technician, reason="Tenant left")

    result = run_recurring(by=technician, through=date(2026, 6, 30))

    assert result.invoices == []
    assert not Invoice.objects.exists()


def test_a_schedule_that_cannot_bill_is_reported_and_the_others_still_bill(
    city: City, codes: Codes, tenant: Customer, technician: User
) -> None:
    gone = customer(city.clerk, "Closed Shop")
    broken = lease(city, codes, gone, description="Kiosk lease")
    Customer.objects.filter(pk=gone.pk).update(active=False)
    fine = lease(city, codes, tenant)

    result = run_recurring(by=technician, through=date(2026, 3, 31))

    assert dates(fine) == [date(2026, 3, 1)]
    assert dates(broken) == []
    assert [(s.pk, why) for s, why in result.failures] == [
        (broken.pk, f"Customer {gone.number} is inactive.")
    ]
    broken.refresh_from_db()
    assert broken.next_date == date(2026, 3, 1)  # billed when the problem is fixed


def test_the_run_reports_progress_and_is_audited(
    city: City, codes: Codes, tenant: Customer, technician: User
) -> None:
    lease(city, codes, tenant)
    lease(city, codes, tenant, frequency="quarterly", description="Storage")
    lease(city, codes, tenant, start=date(2026, 9, 1), description="Not yet")
    seen: list[tuple[int, int]] = []

    result = run_recurring(
        by=technician, through=date(2026, 3, 31), progress=lambda d, t: seen.append((d, t))
    )

    assert seen == [(0, 2), (1, 2), (2, 2)]
    event = AuditEvent.objects.get(action="recurring.run")
    assert event.actor == technician
    assert event.detail["invoices"] == [inv.pk for inv in result.invoices]
    assert (event.detail["through"], event.detail["total"]) == ("2026-03-31", "2145.00")


def test_a_cashier_may_not_run_recurring_billing(
    city: City, codes: Codes, tenant: Customer, cashier: User
) -> None:
    lease(city, codes, tenant)

    with pytest.raises(PermissionDenied):
        run_recurring(by=cashier, through=date(2026, 3, 31))

    assert not Invoice.objects.exists()


def test_invoices_are_due_by_the_schedules_terms(
    city: City, codes: Codes, tenant: Customer, technician: User
) -> None:
    from fiscus.billing.models import PaymentTerms

    net10 = PaymentTerms.objects.get(code="net10")
    schedule = lease(city, codes, tenant, terms=net10, reference="PO-77")

    run_recurring(by=technician, through=date(2026, 3, 1))

    invoice = Invoice.objects.get(recurring=schedule)
    assert (invoice.terms, invoice.due_date, invoice.reference) == (
        net10,
        date(2026, 3, 1) + timedelta(days=10),
        "PO-77",
    )

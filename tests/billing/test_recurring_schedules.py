"""Recurring schedules: created, changed and stopped, with every refusal worded for the clerk."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from fiscus.audit.models import AuditEvent
from fiscus.billing.models import PaymentTerms
from fiscus.billing.recurring import (
    RecurringError,
    create_schedule,
    deactivate_schedule,
    run_recurring,
    schedule_lines,
    update_schedule,
)
from fiscus.customers.models import Customer
from tests.billing.factories_memos import Codes, charge_codes
from tests.billing.factories_recurring import lease
from tests.factories import City, customer


@pytest.fixture
def codes(city: City) -> Codes:
    return charge_codes(city)


@pytest.fixture
def tenant(city: City) -> Customer:
    return customer(city.clerk, "Harbor Cafe", type="business")


def test_a_new_schedule_first_bills_on_its_start_date_by_the_customers_terms(
    city: City, codes: Codes, tenant: Customer, technician: User
) -> None:
    schedule = create_schedule(
        by=technician,
        customer=tenant,
        department=city.parks,
        description="  Hangar 4 lease ",
        frequency="monthly",
        start_date=date(2026, 3, 1),
        lines=[
            (codes.pavilion, Decimal("1"), Decimal("1000.00"), "Hangar rent"),
            (codes.lights, Decimal("2.5"), Decimal("45.00"), ""),
        ],
    )

    assert (schedule.description, schedule.next_date, schedule.active) == (
        "Hangar 4 lease",
        date(2026, 3, 1),
        True,
    )
    assert schedule.terms == PaymentTerms.objects.get(code="net30")
    assert schedule_lines(schedule) == [
        (codes.pavilion, Decimal("1.000"), Decimal("1000.00"), "Hangar rent"),
        (codes.lights, Decimal("2.500"), Decimal("45.00"), ""),
    ]
    event = AuditEvent.objects.get(action="recurring_schedule.created")
    assert (event.actor, event.detail["frequency"]) == (technician, "monthly")


@pytest.mark.parametrize(
    ("changes", "sentence"),
    [
        ({"description": " "}, "Describe what the schedule bills (e.g. Hangar 4 lease)."),
        ({"frequency": "weekly"}, "Choose monthly, quarterly or annual."),
        ({"end_date": date(2026, 2, 1)}, "The end date is before the start date."),
        ({"lines": []}, "Give the schedule at least one line."),
        (
            {"lines": [("sewer", Decimal("1"), Decimal("10.00"), "")]},
            "Line 1: charge code PW-SEWER belongs to Public Works, not Parks and Recreation.",
        ),
        (
            {"lines": [("pavilion", Decimal("0"), Decimal("10.00"), "")]},
            "Line 1: the quantity must be more than zero.",
        ),
        (
            {"lines": [("pavilion", Decimal("1"), Decimal("-1.00"), "")]},
            "Line 1: the unit price cannot be negative.",
        ),
        (
            {"lines": [("pavilion", Decimal("1"), Decimal("10.005"), "")]},
            "Line 1: the unit price has more than two decimal places.",
        ),
    ],
)
def test_a_schedule_that_does_not_make_sense_is_refused(
    city: City, codes: Codes, tenant: Customer, changes: dict, sentence: str
) -> None:
    fields = {
        "customer": tenant,
        "department": city.parks,
        "description": "Lease",
        "frequency": "monthly",
        "start_date": date(2026, 3, 1),
        "lines": [(codes.pavilion, Decimal("1"), Decimal("100.00"), "")],
        **changes,
    }
    fields["lines"] = [
        (getattr(codes, c) if isinstance(c, str) else c, q, p, t) for c, q, p, t in fields["lines"]
    ]

    with pytest.raises(RecurringError) as refused:
        create_schedule(by=city.clerk, **fields)

    assert refused.value.message == sentence


def test_a_retired_charge_code_is_refused(city: City, codes: Codes, tenant: Customer) -> None:
    codes.lights.active = False
    codes.lights.save()

    with pytest.raises(RecurringError) as refused:
        create_schedule(
            by=city.clerk,
            customer=tenant,
            department=city.parks,
            description="Lights",
            frequency="monthly",
            start_date=date(2026, 3, 1),
            lines=[(codes.lights, Decimal("1"), Decimal("45.00"), "")],
        )

    assert refused.value.message == "Line 1: charge code PRK-LIGHTS is no longer in use."


def _update(schedule, codes: Codes, by: User, **changes):  # type: ignore[no-untyped-def]
    fields = {
        "customer": schedule.customer,
        "department": schedule.department,
        "description": schedule.description,
        "frequency": schedule.frequency,
        "start_date": schedule.start_date,
        "end_date": schedule.end_date,
        "terms": schedule.terms,
        "reference": schedule.reference,
        "lines": [(codes.pavilion, Decimal("1"), Decimal("1200.00"), "")],
        **changes,
    }
    return update_schedule(schedule, by=by, **fields)


def test_before_its_first_invoice_a_schedule_can_move_its_start(
    city: City, codes: Codes, tenant: Customer, technician: User
) -> None:
    schedule = lease(city, codes, tenant)

    schedule = _update(
        schedule, codes, technician, start_date=date(2026, 4, 15), frequency="quarterly"
    )

    assert (schedule.start_date, schedule.next_date, schedule.frequency) == (
        date(2026, 4, 15),
        date(2026, 4, 15),
        "quarterly",
    )
    assert schedule_lines(schedule) == [(codes.pavilion, Decimal("1.000"), Decimal("1200.00"), "")]
    event = AuditEvent.objects.get(action="recurring_schedule.updated")
    assert event.detail["before"]["lines"][0]["unit_price"] == "1000.00"
    assert event.detail["after"]["lines"][0]["unit_price"] == "1200.00"


def test_after_it_has_billed_the_new_price_applies_from_the_next_invoice(
    city: City, codes: Codes, tenant: Customer, technician: User
) -> None:
    schedule = lease(city, codes, tenant)
    run_recurring(by=technician, through=date(2026, 3, 31))

    schedule = _update(schedule, codes, technician, end_date=date(2026, 12, 31))
    result = run_recurring(by=technician, through=date(2026, 4, 30))

    assert schedule.next_date == date(2026, 4, 1)
    assert [inv.total for inv in result.invoices] == [Decimal("1287.00")]  # 1,200.00 + 7.25%


def test_after_it_has_billed_its_frequency_cannot_change(
    city: City, codes: Codes, tenant: Customer, technician: User
) -> None:
    schedule = lease(city, codes, tenant)
    run_recurring(by=technician, through=date(2026, 3, 31))

    with pytest.raises(RecurringError) as refused:
        _update(schedule, codes, technician, frequency="annual")

    assert refused.value.message == (
        "This schedule has made invoices already, so its frequency cannot change; "
        "deactivate it and create a new schedule."
    )


def test_a_schedule_is_deactivated_once(
    city: City, codes: Codes, tenant: Customer, technician: User
) -> None:
    schedule = lease(city, codes, tenant)

    deactivate_schedule(schedule, by=technician, reason="Tenant left")
    with pytest.raises(RecurringError) as refused:
        deactivate_schedule(schedule, by=technician)

    schedule.refresh_from_db()
    assert not schedule.active
    assert refused.value.message == "The schedule Pavilion lease is inactive already."
    event = AuditEvent.objects.get(action="recurring_schedule.deactivated")
    assert event.detail == {"reason": "Tenant left"}

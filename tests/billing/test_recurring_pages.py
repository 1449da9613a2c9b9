"""The recurring-billing pages: the schedules, a new and a changed schedule, the run button."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from fiscus.billing.models import Invoice, RecurringSchedule
from fiscus.billing.recurring import create_schedule, schedule_lines
from fiscus.customers.models import Customer
from tests.billing.factories_memos import Codes, charge_codes
from tests.billing.factories_recurring import lease
from tests.factories import City, customer

LIST = "/billing/recurring/"


@pytest.fixture
def codes(city: City) -> Codes:
    return charge_codes(city)


@pytest.fixture
def tenant(city: City) -> Customer:
    return customer(city.clerk, "Harbor Cafe", type="business")


@pytest.fixture
def pavilion_lease(city: City, codes: Codes, tenant: Customer) -> RecurringSchedule:
    return lease(city, codes, tenant)


@pytest.fixture
def sewer_contract(city: City, codes: Codes, tenant: Customer) -> RecurringSchedule:
    return create_schedule(
        by=city.clerk,
        customer=tenant,
        department=city.works,
        description="Sewer maintenance contract",
        frequency="quarterly",
        start_date=date(2026, 4, 1),
        lines=[(codes.sewer, Decimal("1"), Decimal("3120.75"), "")],
    )


def form_data(
    customer_number: str, department: int, *lines: tuple[Any, ...], **fields: str
) -> dict:
    data = {
        "customer": customer_number,
        "department": str(department),
        "description": "Hangar 4 lease",
        "frequency": "monthly",
        "start_date": "2026-03-01",
        "end_date": "",
        "terms": "",
        "reference": "",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for n, (code, quantity, price) in enumerate(lines):
        data.update(
            {
                f"lines-{n}-charge_code": str(code),
                f"lines-{n}-quantity": quantity,
                f"lines-{n}-unit_price": price,
            }
        )
    return data


def test_the_urls_are_named() -> None:
    assert reverse("billing:recurring") == LIST
    assert reverse("billing:recurring_new") == "/billing/recurring/new/"
    assert reverse("billing:recurring_edit", kwargs={"schedule": 3}) == "/billing/recurring/3/"


def test_a_technician_sees_the_schedules_with_their_next_invoice_and_amount(
    client: Client,
    technician: User,
    pavilion_lease: RecurringSchedule,
    sewer_contract: RecurringSchedule,
) -> None:
    client.force_login(technician)

    page = client.get(LIST).content.decode()

    assert "Pavilion lease" in page and "Sewer maintenance contract" in page
    assert "<td>03/01/2026</td>" in page
    assert '<td class="num">1,000.00</td>' in page
    assert '<td class="num">3,120.75</td>' in page
    assert "Run recurring billing</button>" in page


def test_a_technician_creates_a_schedule_from_the_form(
    client: Client, technician: User, codes: Codes, tenant: Customer, city: City
) -> None:
    client.force_login(technician)
    form = client.get(reverse("billing:recurring_new")).content.decode()
    assert 'name="customer"' in form and "autofocus" in form

    response = client.post(
        reverse("billing:recurring_new"),
        form_data(
            tenant.number,
            city.parks.pk,
            (codes.pavilion.pk, "1", "1,000.00"),
            (codes.lights.pk, "", ""),
        ),
    )

    schedule = RecurringSchedule.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "billing:recurring_edit", kwargs={"schedule": schedule.pk}
    )
    assert (schedule.customer, schedule.department, schedule.next_date) == (
        tenant,
        city.parks,
        date(2026, 3, 1),
    )
    # an empty quantity is 1 and an empty price is the charge code's
    assert schedule_lines(schedule) == [
        (codes.pavilion, Decimal("1.000"), Decimal("1000.00"), ""),
        (codes.lights, Decimal("1.000"), Decimal("45.00"), ""),
    ]


def test_mistakes_are_shown_beside_their_fields_and_nothing_is_saved(
    client: Client, technician: User, codes: Codes, tenant: Customer, city: City
) -> None:
    client.force_login(technician)

    unknown = client.post(
        reverse("billing:recurring_new"),
        form_data("C999999", city.parks.pk, (codes.pavilion.pk, "1", "12,34")),
    ).content.decode()
    other_department = client.post(
        reverse("billing:recurring_new"),
        form_data(tenant.number, city.parks.pk, (codes.sewer.pk, "1", "10.00")),
    ).content.decode()

    assert "No customer has number C999999." in unknown
    assert "uses a comma as the decimal mark" in unknown
    assert (
        "Line 1: charge code PW-SEWER belongs to Public Works, not Parks and Recreation."
        in other_department
    )
    assert not RecurringSchedule.objects.exists()


def test_a_technician_changes_the_price_of_a_schedule(
    client: Client,
    technician: User,
    codes: Codes,
    tenant: Customer,
    city: City,
    pavilion_lease: RecurringSchedule,
) -> None:
    client.force_login(technician)
    url = reverse("billing:recurring_edit", kwargs={"schedule": pavilion_lease.pk})
    form = client.get(url).content.decode()
    assert 'value="1,000.00"' in form
    assert f'value="{tenant.number}"' in form

    response = client.post(
        url,
        form_data(
            tenant.number,
            city.parks.pk,
            (codes.pavilion.pk, "1", "1,100.00"),
            end_date="2026-12-31",
        ),
    )

    assert response.status_code == 302
    pavilion_lease.refresh_from_db()
    assert pavilion_lease.end_date == date(2026, 12, 31)
    assert schedule_lines(pavilion_lease)[0][2] == Decimal("1100.00")


def test_the_run_button_makes_the_drafts_and_the_page_lists_them(
    client: Client, technician: User, pavilion_lease: RecurringSchedule, tenant: Customer
) -> None:
    client.force_login(technician)

    response = client.post(reverse("billing:recurring_run"), {"through": "2026-04-15"}, follow=True)

    page = response.content.decode()
    assert Invoice.objects.filter(recurring=pavilion_lease).count() == 2
    assert (
        "Recurring billing through 04/15/2026 made 2 draft invoices from 1 schedule, $2,145.00."
        in page
    )
    created = page[page.index('id="created"') : page.index('id="schedules"')]
    assert "04/01/2026" in created and "03/01/2026" in created
    assert created.count(tenant.number) == 2
    assert "<td>04/01/2026</td>" not in page[page.index('id="schedules"') :]  # moved on
    assert "<td>05/01/2026</td>" in page[page.index('id="schedules"') :]


def test_a_department_biller_sees_only_their_departments_schedules(
    client: Client,
    biller_parks: User,
    pavilion_lease: RecurringSchedule,
    sewer_contract: RecurringSchedule,
) -> None:
    client.force_login(biller_parks)

    page = client.get(LIST).content.decode()

    assert "Pavilion lease" in page
    assert "Sewer maintenance contract" not in page
    assert "Run recurring billing" not in page
    assert client.get(reverse("billing:recurring_new")).status_code == 403
    assert (
        client.post(reverse("billing:recurring_run"), {"through": "2026-04-15"}).status_code == 403
    )


def test_a_cashier_reads_the_schedules_but_may_not_change_or_run_them(
    client: Client, cashier: User, pavilion_lease: RecurringSchedule
) -> None:
    client.force_login(cashier)
    edit = reverse("billing:recurring_edit", kwargs={"schedule": pavilion_lease.pk})

    assert client.get(LIST).status_code == 200
    assert client.get(edit).status_code == 403
    assert (
        client.post(reverse("billing:recurring_run"), {"through": "2026-04-15"}).status_code == 403
    )
    assert not Invoice.objects.exists()


def test_someone_without_a_role_is_refused(client: Client, outsider: User) -> None:
    client.force_login(outsider)

    assert client.get(LIST).status_code == 403


def test_a_technician_deactivates_a_schedule(
    client: Client, technician: User, pavilion_lease: RecurringSchedule
) -> None:
    client.force_login(technician)

    response = client.post(
        reverse("billing:recurring_deactivate", kwargs={"schedule": pavilion_lease.pk}), follow=True
    )

    pavilion_lease.refresh_from_db()
    assert not pavilion_lease.active
    assert (
        "Schedule “Pavilion lease” deactivated; it makes no more invoices."
        in response.content.decode()
    )
    assert "Pavilion lease" not in client.get(LIST).content.decode().split('id="schedules"')[1]

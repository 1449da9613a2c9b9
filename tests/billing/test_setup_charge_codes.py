"""Charge codes: a supervisor sets them up; billers see their departments' codes only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from fiscus.audit.models import AuditEvent
from fiscus.billing.models import ChargeCode
from fiscus.billing.setup import SetupError, create_charge_code, update_charge_code
from fiscus.organization.models import Account
from tests.billing.factories_memos import charge_codes
from tests.factories import City


@pytest.fixture
def tax_account(db: None) -> Account:
    return Account.objects.create(code="2210", name="Sales tax payable", type="liability")


def test_a_supervisor_adds_a_taxed_charge_code_with_the_rate_as_a_percent(
    client: Client, supervisor: User, city: City, tax_account: Account
) -> None:
    client.force_login(supervisor)

    response = client.post(
        reverse("billing:charge_code_new"),
        {
            "code": "PRK-KAYAK",
            "description": "Kayak rental",
            "department": city.parks.pk,
            "revenue_account": city.revenue().pk,
            "unit_price": "1,250.00",
            "tax_rate": "7.25",
            "tax_account": tax_account.pk,
            "active": "on",
        },
    )

    assert response.status_code == 302
    kayak = ChargeCode.objects.get(code="PRK-KAYAK")
    assert (kayak.unit_price, kayak.tax_rate, kayak.tax_account) == (
        Decimal("1250.00"),
        Decimal("0.072500"),
        tax_account,
    )
    assert kayak.history.get().history_user == supervisor  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(action="charge_code.created", object_id=str(kayak.pk)).exists()


def test_a_tax_rate_without_a_tax_account_is_refused(
    client: Client, supervisor: User, city: City
) -> None:
    client.force_login(supervisor)

    page = client.post(
        reverse("billing:charge_code_new"),
        {
            "code": "PRK-KAYAK",
            "description": "Kayak rental",
            "department": city.parks.pk,
            "revenue_account": city.revenue().pk,
            "tax_rate": "7.25",
            "active": "on",
        },
    )

    assert page.status_code == 200
    assert (
        '<ul class="errorlist" id="id_tax_account_errors"><li>A tax rate needs a tax account to '
        "post the tax to; choose the tax account.</li></ul>"
    ) in page.content.decode()
    assert not ChargeCode.objects.exists()
    with pytest.raises(SetupError) as refused:
        create_charge_code(
            {
                "code": "PRK-KAYAK",
                "description": "Kayak rental",
                "department": city.parks,
                "revenue_account": city.revenue(),
                "tax_rate": Decimal("0.072500"),
            },
            by=supervisor,
        )
    assert refused.value.message == (
        "A tax rate needs a tax account to post the tax to; choose the tax account."
    )


def test_a_charge_code_must_credit_a_revenue_account(
    supervisor: User, city: City, tax_account: Account
) -> None:
    with pytest.raises(SetupError) as refused:
        create_charge_code(
            {
                "code": "PRK-X",
                "description": "X",
                "department": city.parks,
                "revenue_account": tax_account,
            },
            by=supervisor,
        )

    assert refused.value.message == (
        "Account 2210 is not a revenue account; choose a revenue account."
    )


def test_editing_a_charge_code_keeps_its_history_and_audits_the_change(
    client: Client, supervisor: User, city: City
) -> None:
    codes = charge_codes(city)
    client.force_login(supervisor)
    url = reverse("billing:charge_code_edit", args=[codes.lights.code])
    form = client.get(url).content.decode()
    assert 'value="45.00"' in form

    response = client.post(
        url,
        {
            "code": "PRK-LIGHTS",
            "description": "Field lights",
            "department": city.parks.pk,
            "revenue_account": city.revenue().pk,
            "unit_price": "47.50",
            "active": "on",
        },
    )

    assert response.status_code == 302
    codes.lights.refresh_from_db()
    assert codes.lights.unit_price == Decimal("47.50")
    assert codes.lights.history.first().history_user == supervisor  # type: ignore[attr-defined]
    event = AuditEvent.objects.get(action="charge_code.updated")
    assert (event.detail["before"], event.detail["after"]) == (
        {"unit_price": "45.00"},
        {"unit_price": "47.50"},
    )


def test_a_duplicate_code_is_refused(supervisor: User, city: City) -> None:
    codes = charge_codes(city)

    with pytest.raises(SetupError) as refused:
        update_charge_code(codes.lights, {"code": "prk-pavilion"}, by=supervisor)

    assert refused.value.message == "Charge code prk-pavilion already exists."


def test_a_technician_reads_the_list_but_may_not_change_charge_codes(
    client: Client, technician: User, city: City
) -> None:
    codes = charge_codes(city)
    client.force_login(technician)

    assert client.get(reverse("billing:charge_codes")).status_code == 200
    assert client.get(reverse("billing:charge_code_new")).status_code == 403
    edit = reverse("billing:charge_code_edit", args=[codes.lights.code])
    assert client.post(edit, {"unit_price": "1.00"}).status_code == 403


def test_a_biller_sees_only_their_departments_charge_codes(
    client: Client, biller_parks: User, city: City
) -> None:
    charge_codes(city)
    client.force_login(biller_parks)

    html = client.get(reverse("billing:charge_codes")).content.decode()

    assert "PRK-PAVILION" in html and "PRK-LIGHTS" in html
    assert "PW-SEWER" not in html
    asked_for_works = client.get(reverse("billing:charge_codes"), {"department": city.works.pk})
    assert "PW-SEWER" not in asked_for_works.content.decode()


def test_the_list_filters_by_department_and_active(
    client: Client, supervisor: User, city: City
) -> None:
    codes = charge_codes(city)
    update_charge_code(codes.lights, {"active": False}, by=supervisor)
    client.force_login(supervisor)

    active_parks = client.get(reverse("billing:charge_codes"), {"department": city.parks.pk})
    inactive = client.get(reverse("billing:charge_codes"), {"active": "no"})

    assert "PRK-PAVILION" in active_parks.content.decode()
    assert "PRK-LIGHTS" not in active_parks.content.decode()
    assert "PW-SEWER" not in active_parks.content.decode()
    assert "PRK-LIGHTS" in inactive.content.decode()
    assert "7.25%" in active_parks.content.decode()

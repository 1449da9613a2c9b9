"""The finance-charge policy: a supervisor sets the rate, minimum, grace days and exemptions."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from fiscus.audit.models import AuditEvent
from fiscus.billing.setup import finance_charge_policy
from tests.factories import City

URL = "/billing/setup/finance-charges/policy/"


def test_the_url_is_named() -> None:
    assert reverse("billing:finance_policy") == URL


def test_a_supervisor_turns_finance_charges_on_at_one_and_a_half_percent(
    client: Client, supervisor: User, city: City
) -> None:
    client.force_login(supervisor)
    policy = finance_charge_policy()
    form = client.get(URL).content.decode()
    assert 'value="1"' in form  # 0.010000 shown as a percent

    response = client.post(
        URL,
        {
            "monthly_rate": "1.5",
            "minimum_charge": "2.00",
            "grace_days": "15",
            "exempt_types": ["agency", "school_district", "person"],
            "account": policy.account_id,
            "active": "on",
        },
    )

    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.monthly_rate, policy.minimum_charge, policy.grace_days, policy.active) == (
        Decimal("0.015000"),
        Decimal("2.00"),
        15,
        True,
    )
    assert policy.exempt_types == ["person", "agency", "school_district"]
    assert policy.history.first().history_user == supervisor  # type: ignore[attr-defined]
    event = AuditEvent.objects.get(action="finance_charge_policy.updated")
    assert event.detail["after"]["monthly_rate"] == "0.015000"


def test_a_technician_reads_the_policy_but_may_not_change_it(
    client: Client, technician: User, city: City
) -> None:
    client.force_login(technician)
    policy = finance_charge_policy()

    page = client.get(URL)
    refused = client.post(URL, {"monthly_rate": "9", "account": policy.account_id})

    assert page.status_code == 200
    assert "Government agency, School district" in page.content.decode()
    assert refused.status_code == 403
    policy.refresh_from_db()
    assert policy.monthly_rate == Decimal("0.010000")


def test_a_negative_minimum_is_refused_beside_the_field(
    client: Client, supervisor: User, city: City
) -> None:
    client.force_login(supervisor)

    page = client.post(
        URL,
        {
            "monthly_rate": "1",
            "minimum_charge": "(1.00)",
            "grace_days": "30",
            "account": finance_charge_policy().account_id,
        },
    )

    assert "The minimum charge cannot be negative." in page.content.decode()

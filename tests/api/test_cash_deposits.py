"""POST/GET /api/v1/deposits/: open with control totals, read with totals, close, departments."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from fiscus.cash import services as cash
from fiscus.cash.models import Deposit
from fiscus.cash.services import PaymentInput
from fiscus.customers.models import Customer
from tests.factories import City, customer

Api = Callable[[User | None], APIClient]
URL = "/api/v1/deposits/"
TODAY = date(2026, 5, 15)
CONTROL = Decimal("150.00")


@pytest.fixture(autouse=True)
def today() -> Iterator[None]:
    """Every test runs at noon in California on 2026-05-15."""
    with time_machine.travel(datetime(2026, 5, 15, 19, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def ada(city: City) -> Customer:
    return customer(city.clerk, "Ada Park")


def body(**more: Any) -> dict[str, Any]:
    return {
        "department": "PRK",
        "deposit_date": "2026-05-15",
        "control_count": 2,
        "control_total": "150.00",
        **more,
    }


def receive(deposit: Deposit, who: Customer, amount: str, by: User) -> None:
    cash.record_payment(
        deposit,
        PaymentInput(
            amount=Decimal(amount), method="check", received_on=deposit.deposit_date, customer=who
        ),
        by=by,
    )


def test_a_cashier_opens_a_deposit_with_control_totals(api: Api, city: City, cashier: User) -> None:
    response = api(cashier).post(URL, body(bank_reference="SLIP 77"), format="json")

    assert response.status_code == 201, response.json()
    answer = response.json()
    deposit = Deposit.objects.get()
    assert answer["number"] == deposit.number == "DEP-2026-000001"
    assert (answer["deposit_date"], answer["department"], answer["fund"], answer["cashier"]) == (
        "2026-05-15",
        "PRK",
        "100",
        "cass",
    )
    assert (answer["status"], answer["source"], answer["bank_reference"]) == (
        "open",
        "api",
        "SLIP 77",
    )
    assert (answer["control_count"], answer["control_total"]) == (2, "150.00")
    assert (answer["count"], answer["total"], answer["count_off"], answer["total_off"]) == (
        0,
        "0.00",
        -2,
        "-150.00",
    )
    assert answer["matches"] is False
    assert (deposit.cashier, deposit.control_total) == (cashier, Decimal("150.00"))


def test_the_same_key_twice_opens_one_deposit(api: Api, city: City, cashier: User) -> None:
    client = api(cashier)

    first = client.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="dep-1")
    again = client.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="dep-1")
    other = client.post(URL, body(control_count=3), format="json", HTTP_IDEMPOTENCY_KEY="dep-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert other.status_code == 422
    assert Deposit.objects.count() == 1


def test_bad_fields_are_named(api: Api, city: City, cashier: User) -> None:
    response = api(cashier).post(
        URL,
        body(department="XX", deposit_date="2026-05-16", control_count=-1, control_total=150.0),
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "department": ['"XX" is not an active department.'],
        "deposit_date": ["A deposit cannot be dated in the future."],
        "control_count": ["Ensure this value is greater than or equal to 0."],
        "control_total": [
            'Send amounts as strings ("100.00"); a floating-point number is not exact.'
        ],
    }
    negative = api(cashier).post(URL, body(control_total="-1.00"), format="json")
    assert negative.json() == {"control_total": ["The control total cannot be negative."]}
    assert not Deposit.objects.exists()


def test_control_totals_may_be_left_out(api: Api, city: City, cashier: User) -> None:
    response = api(cashier).post(
        URL, {"department": "pw", "deposit_date": "2026-05-14"}, format="json"
    )

    assert response.status_code == 201, response.json()
    answer = response.json()
    assert (answer["department"], answer["control_count"], answer["control_total"]) == (
        "PW",
        None,
        None,
    )
    assert (answer["count_off"], answer["total_off"], answer["matches"]) == (None, None, True)


def test_one_deposit_reads_with_its_totals(
    api: Api, city: City, ada: Customer, cashier: User, auditor: User
) -> None:
    deposit = cash.open_deposit(
        department=city.parks,
        on=TODAY,
        by=cashier,
        control_count=2,
        control_total=Decimal("150.00"),
    )
    receive(deposit, ada, "100.00", cashier)
    receive(deposit, ada, "49.99", cashier)

    answer = api(auditor).get(f"{URL}{deposit.number}/").json()

    assert (answer["count"], answer["total"], answer["count_off"], answer["total_off"]) == (
        2,
        "149.99",
        0,
        "-0.01",
    )
    assert answer["matches"] is False


def test_closing_checks_the_control_totals(
    api: Api, city: City, ada: Customer, cashier: User
) -> None:
    deposit = cash.open_deposit(
        department=city.parks,
        on=TODAY,
        by=cashier,
        control_count=2,
        control_total=Decimal("150.00"),
    )
    receive(deposit, ada, "100.00", cashier)
    receive(deposit, ada, "49.99", cashier)
    client = api(cashier)
    url = f"{URL}{deposit.number}/close/"

    off = client.post(url)
    assert off.status_code == 400
    assert off.json() == {
        "message": f"Deposit {deposit.number} holds $149.99 but its control total is $150.00: "
        "off by -$0.01.",
        "code": "refused",
    }
    assert Deposit.objects.get().status == "open"

    receive(deposit, ada, "0.01", cashier)
    Deposit.objects.filter(pk=deposit.pk).update(control_count=3)
    closed = client.post(url, HTTP_IDEMPOTENCY_KEY="close-1")
    again = client.post(url, HTTP_IDEMPOTENCY_KEY="close-1")

    assert closed.status_code == again.status_code == 200
    assert again.json() == closed.json()
    assert (closed.json()["status"], closed.json()["total"], closed.json()["matches"]) == (
        "closed",
        "150.00",
        True,
    )
    assert closed.json()["closed_at"] is not None
    twice = client.post(url)
    assert twice.json()["message"] == f"Deposit {deposit.number} is already closed."


def test_only_the_deposit_capability_closes(
    api: Api, city: City, ada: Customer, cashier: User, auditor: User, biller_parks: User
) -> None:
    deposit = cash.open_deposit(department=city.parks, on=TODAY, by=cashier)
    receive(deposit, ada, "10.00", cashier)

    for who in (auditor, biller_parks):
        assert api(who).post(f"{URL}{deposit.number}/close/").status_code == 403
    assert Deposit.objects.get().status == "open"


def test_auditors_and_billers_read_but_may_not_open(
    api: Api, city: City, auditor: User, biller_parks: User, outsider: User
) -> None:
    for who in (auditor, biller_parks, outsider):
        assert api(who).post(URL, body(), format="json").status_code == 403
    assert api(auditor).get(URL).status_code == 200
    assert api(outsider).get(URL).status_code == 403
    assert not Deposit.objects.exists()


def test_the_list_filters_and_a_biller_sees_their_departments_only(
    api: Api, city: City, ada: Customer, cashier: User, technician: User, biller_parks: User
) -> None:
    parks = cash.open_deposit(department=city.parks, on=TODAY, by=cashier)
    works = cash.open_deposit(department=city.works, on=TODAY, by=cashier)
    earlier = cash.open_deposit(department=city.parks, on=date(2026, 5, 14), by=cashier)
    receive(earlier, ada, "25.00", cashier)
    cash.close_deposit(earlier, by=cashier)

    def numbers(client: APIClient, query: str = "") -> list[str]:
        response = client.get(URL + query)
        assert response.status_code == 200, response.json()
        return [d["number"] for d in response.json()["results"]]

    client = api(technician)
    assert numbers(client) == [works.number, parks.number, earlier.number]
    assert numbers(client, "?date=2026-05-14") == [earlier.number]
    assert numbers(client, "?status=open") == [works.number, parks.number]
    assert numbers(client, "?department=pw") == [works.number]
    listed = client.get(URL + "?status=closed").json()["results"]
    assert [(d["count"], d["total"]) for d in listed] == [(1, "25.00")]

    billers = api(biller_parks)
    assert numbers(billers) == [parks.number, earlier.number]
    assert billers.get(f"{URL}{works.number}/").status_code == 404
    assert billers.get(f"{URL}{parks.number}/").status_code == 200

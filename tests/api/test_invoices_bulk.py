"""POST /api/v1/invoices/bulk/: other systems' bulk path, all or none."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from fiscus.billing.models import Invoice
from fiscus.ledger.models import JournalLine
from fiscus.receivables.models import Item
from tests.api.test_invoices import body
from tests.billing.factories_uploads import Billing, billing_setup
from tests.factories import City

Api = Callable[[User | None], APIClient]
URL = "/api/v1/invoices/bulk/"


@pytest.fixture
def b(city: City) -> Billing:
    return billing_setup(city)


def two(b: Billing) -> list[dict[str, object]]:
    field = [{"charge_code": "PRK-FIELD", "quantity": "2"}]
    return [body(b), body(b, customer=b.ben.number, lines=field, reference="")]


def test_a_biller_sends_many_invoices_and_they_wait_for_review(
    api: Api, b: Billing, biller_parks: User
) -> None:
    response = api(biller_parks).post(URL, {"invoices": two(b)}, format="json")

    assert response.status_code == 201, response.json()
    result = response.json()
    assert (result["count"], result["total"], result["posted"]) == (2, "505.13", False)
    assert [i["status"] for i in result["invoices"]] == ["submitted", "submitted"]
    assert sorted(Invoice.objects.values_list("source", flat=True)) == ["api", "api"]
    assert not Item.objects.exists()


def test_with_post_a_technician_posts_them_all(api: Api, b: Billing, technician: User) -> None:
    response = api(technician).post(
        URL, {"invoices": two(b), "post": True}, format="json", HTTP_IDEMPOTENCY_KEY="b-1"
    )

    assert response.status_code == 201, response.json()
    assert [i["status"] for i in response.json()["invoices"]] == ["posted", "posted"]
    assert sorted(Item.objects.values_list("amount", flat=True)) == [
        Decimal("90.00"),
        Decimal("415.13"),
    ]
    ar = JournalLine.objects.filter(account__code="1200")
    assert sum(ln.debit for ln in ar) == Decimal("505.13")

    again = api(technician).post(
        URL, {"invoices": two(b), "post": True}, format="json", HTTP_IDEMPOTENCY_KEY="b-1"
    )
    assert again.json() == response.json()
    assert Invoice.objects.count() == 2


def test_a_biller_may_not_post_in_bulk(api: Api, b: Billing, biller_parks: User) -> None:
    response = api(biller_parks).post(URL, {"invoices": two(b), "post": True}, format="json")

    assert response.status_code == 403
    assert not Invoice.objects.exists()


def test_one_bad_invoice_stops_them_all(api: Api, b: Billing, technician: User) -> None:
    invoices = two(b)
    invoices[1]["customer"] = "C999999"

    response = api(technician).post(URL, {"invoices": invoices}, format="json")

    assert response.status_code == 400
    assert response.json()["invoices"]["1"] == {"customer": ['There is no customer "C999999".']}
    assert not Invoice.objects.exists()


def test_an_auditor_may_not_send(api: Api, b: Billing, auditor: User) -> None:
    assert api(auditor).post(URL, {"invoices": two(b)}, format="json").status_code == 403

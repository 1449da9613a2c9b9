"""POST/GET /api/v1/invoices/: create (with an Idempotency-Key), read, filter, departments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from fiscus.billing.models import Invoice
from tests.billing.factories_uploads import Billing, billing_setup
from tests.factories import City

Api = Callable[[User | None], APIClient]
URL = "/api/v1/invoices/"


@pytest.fixture
def b(city: City) -> Billing:
    return billing_setup(city)


def body(b: Billing, **more: Any) -> dict[str, Any]:
    return {
        "customer": b.ada.number,
        "department": "PRK",
        "invoice_date": "2026-05-04",
        "terms": "net30",
        "reference": "PO-77",
        "description": "Pavilion, May 2",
        "lines": [
            {"charge_code": "PRK-PAVILION", "quantity": "1"},
            {"charge_code": "PRK-STAFF", "quantity": "3.5", "unit_price": "42.00"},
        ],
        **more,
    }


def test_an_invoice_is_created_as_a_draft_with_amounts_as_strings(
    api: Api, b: Billing, biller_parks: User
) -> None:
    response = api(biller_parks).post(URL, body(b), format="json")

    assert response.status_code == 201, response.json()
    invoice = response.json()
    assert invoice["status"] == "draft"
    assert invoice["number"] is None
    assert (invoice["customer"], invoice["department"], invoice["terms"]) == (
        b.ada.number,
        "PRK",
        "net30",
    )
    assert invoice["due_date"] == "2026-06-03"
    assert (invoice["total"], invoice["tax_total"]) == ("415.13", "18.13")
    assert invoice["source"] == "api"
    assert [
        (ln["charge_code"], ln["quantity"], ln["unit_price"], ln["amount"], ln["tax_amount"])
        for ln in invoice["lines"]
    ] == [
        ("PRK-PAVILION", "1.000", "250.00", "250.00", "18.13"),
        ("PRK-STAFF", "3.500", "42.00", "147.00", "0.00"),
    ]


def test_submit_true_sends_it_to_review(api: Api, b: Billing, biller_parks: User) -> None:
    response = api(biller_parks).post(URL, body(b, submit=True), format="json")

    assert response.status_code == 201
    assert response.json()["status"] == "submitted"
    assert Invoice.objects.get().status == "submitted"


def test_the_same_idempotency_key_twice_creates_one_invoice(
    api: Api, b: Billing, biller_parks: User
) -> None:
    client = api(biller_parks)

    first = client.post(URL, body(b), format="json", HTTP_IDEMPOTENCY_KEY="inv-0412")
    again = client.post(URL, body(b), format="json", HTTP_IDEMPOTENCY_KEY="inv-0412")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Invoice.objects.count() == 1


def test_the_same_key_with_a_different_invoice_is_refused(
    api: Api, b: Billing, biller_parks: User
) -> None:
    client = api(biller_parks)
    client.post(URL, body(b), format="json", HTTP_IDEMPOTENCY_KEY="inv-0412")

    other = client.post(
        URL, body(b, reference="PO-78"), format="json", HTTP_IDEMPOTENCY_KEY="inv-0412"
    )

    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert Invoice.objects.count() == 1


def test_floating_point_amounts_and_quantities_are_refused(
    api: Api, b: Billing, biller_parks: User
) -> None:
    lines = [{"charge_code": "PRK-STAFF", "quantity": 1.5, "unit_price": 42.1}]

    response = api(biller_parks).post(URL, body(b, lines=lines), format="json")

    assert response.status_code == 400
    assert response.json()["lines"]["0"] == {
        "quantity": ['Send quantities as strings ("1.5"); a floating-point number is not exact.'],
        "unit_price": ['Send amounts as strings ("100.00"); a floating-point number is not exact.'],
    }
    assert not Invoice.objects.exists()


def test_bad_lines_are_named_by_their_index_and_field(
    api: Api, b: Billing, technician: User
) -> None:
    lines = [
        {"charge_code": "PRK-FIELD", "quantity": "1"},
        {"charge_code": "PW-SEWER", "quantity": "1"},
        {"charge_code": "PRK-NOPE", "quantity": "1"},
        {"charge_code": "PRK-STAFF", "quantity": "2"},
    ]

    response = api(technician).post(URL, body(b, lines=lines), format="json")

    assert response.status_code == 400
    assert response.json() == {
        "lines": {
            "1": {"charge_code": ["Charge code PW-SEWER belongs to department PW, not PRK."]},
            "2": {"charge_code": ['There is no charge code "PRK-NOPE".']},
            "3": {
                "unit_price": [
                    "Charge code PRK-STAFF has no price of its own; give the unit price."
                ]
            },
        }
    }
    assert not Invoice.objects.exists()


def test_a_quantity_of_zero_or_less_is_refused(api: Api, b: Billing, technician: User) -> None:
    lines = [
        {"charge_code": "PRK-FIELD", "quantity": "1"},
        {"charge_code": "PRK-FIELD", "quantity": "-1"},
    ]

    response = api(technician).post(URL, body(b, lines=lines), format="json")

    assert response.status_code == 400
    assert response.json() == {"lines": {"1": {"quantity": ["A quantity must be more than zero."]}}}


def test_unknown_customer_and_terms_are_refused(api: Api, b: Billing, technician: User) -> None:
    response = api(technician).post(URL, body(b, customer="C999999", terms="net45"), format="json")

    assert response.status_code == 400
    assert response.json()["customer"] == ['There is no customer "C999999".']
    assert response.json()["terms"] == [
        '"net45" is not a payment terms code; the codes are due_on_receipt, net10, net30, net60.'
    ]


def test_a_biller_cannot_bill_another_department(api: Api, b: Billing, biller_parks: User) -> None:
    lines = [{"charge_code": "PW-SEWER", "quantity": "1"}]

    response = api(biller_parks).post(URL, body(b, department="PW", lines=lines), format="json")

    assert response.status_code == 400
    assert response.json()["department"] == [
        "You may not bill for department PW; you bill for PRK."
    ]


def test_an_auditor_reads_but_may_not_create(api: Api, b: Billing, auditor: User) -> None:
    client = api(auditor)

    assert client.post(URL, body(b), format="json").status_code == 403
    assert client.get(URL).status_code == 200


def test_the_list_filters_and_a_biller_sees_their_departments_only(
    api: Api, b: Billing, technician: User, biller_parks: User
) -> None:
    client = api(technician)
    parks = client.post(URL, body(b), format="json").json()
    works = client.post(
        URL,
        body(
            b,
            customer=b.ben.number,
            department="PW",
            lines=[{"charge_code": "PW-SEWER", "quantity": "1"}],
        ),
        format="json",
    ).json()

    assert [i["id"] for i in client.get(URL).json()["results"]] == [works["id"], parks["id"]]
    assert [i["id"] for i in client.get(URL, {"department": "pw"}).json()["results"]] == [
        works["id"]
    ]
    assert [i["id"] for i in client.get(URL, {"customer": b.ada.number}).json()["results"]] == [
        parks["id"]
    ]
    assert client.get(URL, {"status": "posted"}).json()["count"] == 0

    biller = api(biller_parks)
    assert [i["id"] for i in biller.get(URL).json()["results"]] == [parks["id"]]
    assert biller.get(f"{URL}{parks['id']}/").json()["total"] == "415.13"
    assert biller.get(f"{URL}{works['id']}/").status_code == 404
    assert biller.post(f"{URL}{works['id']}/submit/").status_code == 404

from collections.abc import Callable

from django.contrib.auth.models import User
from rest_framework.test import APIClient

from fiscus.audit.models import AuditEvent
from fiscus.customers.models import Customer
from fiscus.customers.services import create_customer

Api = Callable[[User | None], APIClient]
URL = "/api/v1/customers/"

NEW = {
    "name": "Oak Street Deli",
    "type": "business",
    "credit_limit": "2500.00",
    "tax_id": "12-3456789",
    "address": {"line1": "12 Oak St", "city": "Fresno", "postal_code": "93701"},
    "contact": {"name": "Ana Oak", "email": "ana@oakdeli.example"},
}


def test_a_technician_creates_a_customer_with_address_and_contact(
    api: Api, technician: User
) -> None:
    response = api(technician).post(URL, NEW, format="json")

    assert response.status_code == 201
    body = response.json()
    customer = Customer.objects.get(number=body["number"])
    assert customer.name == "Oak Street Deli"
    assert customer.created_by == technician
    assert body["credit_limit"] == "2500.00"
    assert body["tax_id_masked"].endswith("6789")
    assert "tax_id" not in body
    assert body["addresses"][0]["line1"] == "12 Oak St"
    assert body["contacts"][0]["email"] == "ana@oakdeli.example"
    assert AuditEvent.objects.filter(action="customer.created", actor=technician).count() == 1


def test_the_same_idempotency_key_twice_creates_one_customer_and_answers_the_same(
    api: Api, technician: User
) -> None:
    client = api(technician)
    first = client.post(URL, NEW, format="json", HTTP_IDEMPOTENCY_KEY="order-77")
    second = client.post(URL, NEW, format="json", HTTP_IDEMPOTENCY_KEY="order-77")

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Customer.objects.count() == 1


def test_reusing_an_idempotency_key_for_a_different_customer_is_refused(
    api: Api, technician: User
) -> None:
    client = api(technician)
    client.post(URL, NEW, format="json", HTTP_IDEMPOTENCY_KEY="order-77")

    response = client.post(
        URL, {**NEW, "name": "Elm Street Deli"}, format="json", HTTP_IDEMPOTENCY_KEY="order-77"
    )

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert list(Customer.objects.values_list("name", flat=True)) == ["Oak Street Deli"]


def test_a_likely_duplicate_is_refused_with_409_until_confirmed(api: Api, technician: User) -> None:
    existing = create_customer(by=technician, fields={"name": "Pat Rivera"}, tax_id="123456789")
    client = api(technician)

    warned = client.post(URL, {"name": "Patricia Rivera", "tax_id": "123-45-6789"}, format="json")
    assert warned.status_code == 409
    assert warned.json() == {
        "message": f"This looks like a customer we already have: {existing}.",
        "code": "likely_duplicate",
        "matches": [existing.number],
    }
    assert Customer.objects.count() == 1

    confirmed = client.post(
        URL,
        {"name": "Patricia Rivera", "tax_id": "123-45-6789", "confirm_duplicate": True},
        format="json",
    )
    assert confirmed.status_code == 201
    assert Customer.objects.count() == 2


def test_a_refused_request_does_not_use_up_its_idempotency_key(api: Api, technician: User) -> None:
    create_customer(by=technician, fields={"name": "Pat Rivera"}, tax_id="123456789")
    client = api(technician)
    body = {"name": "Patricia Rivera", "tax_id": "123456789"}

    warned = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    confirmed = client.post(
        URL, {**body, "confirm_duplicate": True}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )

    assert (warned.status_code, confirmed.status_code) == (409, 201)


def test_a_credit_limit_sent_as_a_float_is_refused(api: Api, technician: User) -> None:
    response = api(technician).post(
        URL, {"name": "Pat Rivera", "credit_limit": 100.5}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "credit_limit": [
            'Send amounts as strings ("100.00"); a floating-point number is not exact.'
        ]
    }
    assert not Customer.objects.exists()


def test_a_customer_needs_a_name(api: Api, technician: User) -> None:
    response = api(technician).post(URL, {"type": "person"}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()


def test_a_bad_tax_id_gets_the_services_sentence(api: Api, technician: User) -> None:
    response = api(technician).post(URL, {"name": "Pat", "tax_id": "123"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "message": "A tax id (SSN, ITIN or EIN) has nine digits.",
        "code": "bad_tax_id",
    }


def test_an_auditor_may_not_create_a_customer(api: Api, auditor: User) -> None:
    assert api(auditor).post(URL, NEW, format="json").status_code == 403
    assert not Customer.objects.exists()


def test_a_cashier_may_read_customers_but_not_create_them(api: Api, cashier: User) -> None:
    client = api(cashier)
    assert client.get(URL).status_code == 200
    assert client.post(URL, NEW, format="json").status_code == 403
    assert not Customer.objects.exists()


def test_a_department_biller_may_not_create_a_customer(api: Api, biller_parks: User) -> None:
    assert api(biller_parks).post(URL, NEW, format="json").status_code == 403

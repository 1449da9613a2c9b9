from collections.abc import Callable

from django.contrib.auth.models import User
from rest_framework.test import APIClient

from fiscus.audit.models import AuditEvent
from fiscus.customers.models import Customer
from tests.factories import City, customer, invoice

Api = Callable[[User | None], APIClient]


def url(c: Customer) -> str:
    return f"/api/v1/customers/{c.number}/"


def test_a_customer_is_read_by_number(api: Api, technician: User) -> None:
    pat = customer(technician, "Pat Rivera", credit_limit="100.00")
    response = api(technician).get(url(pat))
    assert response.status_code == 200
    assert response.json()["number"] == pat.number
    assert response.json()["credit_limit"] == "100.00"


def test_patch_changes_only_the_fields_sent_and_is_audited(api: Api, technician: User) -> None:
    pat = customer(technician, "Pat Rivera", email="pat@old.example")

    response = api(technician).patch(
        url(pat), {"on_hold": True, "credit_limit": "750.00"}, format="json"
    )

    assert response.status_code == 200
    pat.refresh_from_db()
    assert pat.on_hold is True
    assert str(pat.credit_limit) == "750.00"
    assert pat.email == "pat@old.example"
    event = AuditEvent.objects.get(action="customer.updated")
    assert event.detail["after"] == {"on_hold": "True", "credit_limit": "750.00"}


def test_put_replaces_the_customers_fields(api: Api, technician: User) -> None:
    pat = customer(technician, "Pat Rivera")
    response = api(technician).put(url(pat), {"name": "Patricia Rivera"}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "Patricia Rivera"


def test_a_new_tax_id_replaces_the_old_one_and_shows_masked(api: Api, technician: User) -> None:
    pat = customer(technician, "Pat Rivera")
    response = api(technician).patch(url(pat), {"tax_id": "987-65-4321"}, format="json")
    assert response.json()["tax_id_masked"].endswith("4321")
    assert "987654321" not in response.content.decode()


def test_an_auditor_may_not_change_a_customer(api: Api, technician: User, auditor: User) -> None:
    pat = customer(technician, "Pat Rivera")
    client = api(auditor)
    assert client.get(url(pat)).status_code == 200
    assert client.patch(url(pat), {"on_hold": True}, format="json").status_code == 403
    pat.refresh_from_db()
    assert pat.on_hold is False


def test_customers_cannot_be_deleted(api: Api, administrator: User) -> None:
    pat = customer(administrator, "Pat Rivera")
    assert api(administrator).delete(url(pat)).status_code == 405
    assert Customer.objects.filter(pk=pat.pk).exists()


def test_a_biller_gets_404_for_another_departments_customer(
    api: Api, technician: User, biller_parks: User, city: City
) -> None:
    works = customer(technician, "Works customer")
    invoice(city, works, "40.00", department=city.works)
    parks = customer(technician, "Parks customer")
    invoice(city, parks, "40.00", department=city.parks)

    client = api(biller_parks)
    assert client.get(url(works)).status_code == 404
    assert client.get(url(parks)).status_code == 200


def test_an_unknown_customer_is_404(api: Api, technician: User) -> None:
    response = api(technician).get("/api/v1/customers/C999999/")
    assert response.status_code == 404

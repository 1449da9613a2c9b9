from collections.abc import Callable

from django.contrib.auth.models import User
from rest_framework.test import APIClient

from fiscus.customers.services import create_customer, update_customer
from tests.factories import City, customer, invoice

Api = Callable[[User | None], APIClient]
URL = "/api/v1/customers/"


def numbers(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [row["number"] for row in response.json()["results"]]


def test_the_list_shows_every_customer_with_its_masked_tax_id(
    api: Api, technician: User, cashier: User
) -> None:
    pat = create_customer(by=technician, fields={"name": "Pat Rivera"}, tax_id="123-45-6789")

    response = api(cashier).get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["number"] == pat.number
    assert row["name"] == "Pat Rivera"
    assert row["tax_id_masked"].endswith("6789")
    assert "123456789" not in response.content.decode()
    assert "tax_id" not in row


def test_search_finds_customers_by_name_address_or_number(api: Api, technician: User) -> None:
    oak = create_customer(
        by=technician,
        fields={"name": "Oak Street Deli", "type": "business"},
        address={"line1": "12 Oak St", "city": "Fresno", "postal_code": "93701"},
    )
    create_customer(by=technician, fields={"name": "Pat Rivera"})

    assert numbers(api(technician).get(URL, {"q": "deli"})) == [oak.number]
    assert numbers(api(technician).get(URL, {"q": "12 Oak"})) == [oak.number]
    assert numbers(api(technician).get(URL, {"q": oak.number})) == [oak.number]


def test_customers_filter_by_type_flag_and_department(
    api: Api, technician: User, city: City
) -> None:
    shop = customer(technician, "Shop", type="business", department=city.parks)
    held = customer(technician, "Held")
    update_customer(held, by=technician, changes={"on_hold": True})
    customer(technician, "Plain")

    client = api(technician)
    assert numbers(client.get(URL, {"type": "business"})) == [shop.number]
    assert numbers(client.get(URL, {"flag": "hold"})) == [held.number]
    assert numbers(client.get(URL, {"department": "PRK"})) == [shop.number]


def test_a_department_biller_lists_only_their_departments_customers(
    api: Api, technician: User, biller_parks: User, city: City
) -> None:
    billed = customer(technician, "Billed by Parks")
    invoice(city, billed, "40.00", department=city.parks)
    works = customer(technician, "Billed by Works")
    invoice(city, works, "40.00", department=city.works)

    assert numbers(api(biller_parks).get(URL)) == [billed.number]


def test_a_user_without_a_role_is_forbidden(api: Api, outsider: User) -> None:
    assert api(outsider).get(URL).status_code == 403


def test_an_unauthenticated_request_is_refused_with_401(db: None, api: Api) -> None:
    assert api(None).get(URL).status_code == 401


def test_the_list_costs_the_same_queries_for_three_customers_or_ten(
    api: Api, technician: User
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for_list() -> int:
        client = api(technician)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    for n in range(3):
        create_customer(
            by=technician,
            fields={"name": f"Customer {n}"},
            address={"line1": f"{n} Main St", "city": "Fresno", "postal_code": "93701"},
        )
    three = queries_for_list()
    for n in range(3, 10):
        create_customer(by=technician, fields={"name": f"Customer {n}"})
    assert queries_for_list() == three

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from rest_framework.test import APIClient

from fiscus.receivables.services import apply_credit
from tests.factories import City, customer, invoice, payment

Api = Callable[[User | None], APIClient]
URL = "/api/v1/items/"


def numbers(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [row["number"] for row in response.json()["results"]]


def test_items_list_across_customers_with_amounts_as_strings(
    api: Api, city: City, cashier: User
) -> None:
    pat = customer(city.clerk, "Pat")
    ana = customer(city.clerk, "Ana")
    first = invoice(city, pat, "100.00")
    second = invoice(city, ana, "12.34", on=date(2026, 3, 3))

    response = api(cashier).get(URL)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["number"], r["customer"], r["amount"], r["open_amount"]) for r in rows] == [
        (first.number, pat.number, "100.00", "100.00"),
        (second.number, ana.number, "12.34", "12.34"),
    ]
    assert rows[0]["fund"] == "100"
    assert rows[0]["department"] == "PRK"


def test_items_filter_by_customer_kind_department_and_openness(
    api: Api, city: City, technician: User
) -> None:
    pat = customer(city.clerk, "Pat")
    ana = customer(city.clerk, "Ana")
    settled = invoice(city, pat, "50.00", department=city.parks)
    works = invoice(city, pat, "70.00", department=city.works)
    other = invoice(city, ana, "30.00", department=city.parks)
    paid = payment(city, pat, "50.00")
    apply_credit(paid, settled, Decimal("50.00"), on=date(2026, 3, 10), by=city.clerk)

    client = api(technician)
    assert numbers(client.get(URL, {"customer": ana.number})) == [other.number]
    assert numbers(client.get(URL, {"kind": "payment"})) == [paid.number]
    assert numbers(client.get(URL, {"department": "PW"})) == [works.number]
    assert set(numbers(client.get(URL, {"open": "true"}))) == {works.number, other.number}
    assert set(numbers(client.get(URL, {"open": "false"}))) == {settled.number, paid.number}


def test_one_item_by_number(api: Api, city: City, cashier: User) -> None:
    item = invoice(city, customer(city.clerk), "99.99")
    response = api(cashier).get(f"{URL}{item.number}/")
    assert response.status_code == 200
    assert response.json()["open_amount"] == "99.99"
    assert response.json()["due_date"] == "2026-04-01"


def test_a_biller_sees_only_their_departments_items(
    api: Api, city: City, biller_parks: User
) -> None:
    pat = customer(city.clerk)
    parks = invoice(city, pat, "10.00", department=city.parks)
    works = invoice(city, pat, "20.00", department=city.works)

    client = api(biller_parks)
    assert numbers(client.get(URL)) == [parks.number]
    assert client.get(f"{URL}{works.number}/").status_code == 404


def test_items_are_read_only(api: Api, city: City, administrator: User) -> None:
    item = invoice(city, customer(city.clerk), "10.00")
    client = api(administrator)
    assert client.post(URL, {}, format="json").status_code == 405
    assert client.delete(f"{URL}{item.number}/").status_code == 405


def test_a_user_without_a_role_may_not_read_items(api: Api, outsider: User) -> None:
    assert api(outsider).get(URL).status_code == 403


def test_the_list_costs_the_same_queries_for_two_items_or_eight(
    api: Api, city: City, cashier: User
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for_list() -> int:
        client = api(cashier)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(2):
        invoice(city, customer(city.clerk), "10.00")
    two = queries_for_list()
    for _ in range(6):
        invoice(city, customer(city.clerk), "10.00", department=city.works)
    assert queries_for_list() == two

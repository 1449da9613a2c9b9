"""A customer's open items, balance and ledger, to the cent."""

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from fiscus.customers.models import Customer
from fiscus.receivables.services import apply_credit
from tests.factories import City, customer, invoice, payment

Api = Callable[[User | None], APIClient]


@pytest.fixture
def pat(city: City) -> Customer:
    """Two invoices (100.00 Parks on Mar 2, 250.50 Works on Mar 5) and 60.25 paid on Mar 10
    and applied to the first."""
    pat = customer(city.clerk, "Pat Rivera")
    first = invoice(city, pat, "100.00", on=date(2026, 3, 2), department=city.parks)
    invoice(city, pat, "250.50", on=date(2026, 3, 5), department=city.works)
    paid = payment(city, pat, "60.25", on=date(2026, 3, 10))
    apply_credit(paid, first, Decimal("60.25"), on=date(2026, 3, 10), by=city.clerk)
    return pat


def url(c: Customer, what: str) -> str:
    return f"/api/v1/customers/{c.number}/{what}/"


def test_the_balance_is_what_the_customer_owes(api: Api, pat: Customer, cashier: User) -> None:
    response = api(cashier).get(url(pat, "balance"))
    assert response.status_code == 200
    assert response.json() == {"customer": pat.number, "balance": "290.25", "as_of": None}


def test_the_balance_as_of_a_past_date(api: Api, pat: Customer, cashier: User) -> None:
    response = api(cashier).get(url(pat, "balance"), {"as_of": "2026-03-04"})
    assert response.json() == {"customer": pat.number, "balance": "100.00", "as_of": "2026-03-04"}


def test_a_bad_date_is_refused_with_a_sentence(api: Api, pat: Customer, cashier: User) -> None:
    response = api(cashier).get(url(pat, "balance"), {"as_of": "03/04/2026"})
    assert response.status_code == 400
    assert response.json() == {
        "message": 'as_of must be a date written YYYY-MM-DD; "03/04/2026" is not.',
        "code": "bad_parameter",
    }


def test_open_items_show_what_is_left_of_each_as_strings(
    api: Api, pat: Customer, cashier: User
) -> None:
    response = api(cashier).get(url(pat, "items"))
    assert response.status_code == 200
    rows = [(r["kind"], r["amount"], r["open_amount"]) for r in response.json()["results"]]
    assert rows == [("invoice", "100.00", "39.75"), ("invoice", "250.50", "250.50")]


def test_open_items_as_of_a_date_before_the_payment(api: Api, pat: Customer, cashier: User) -> None:
    response = api(cashier).get(url(pat, "items"), {"as_of": "2026-03-09"})
    rows = [(r["amount"], r["open_amount"]) for r in response.json()["results"]]
    assert rows == [("100.00", "100.00"), ("250.50", "250.50")]


def test_all_items_include_the_settled_payment(api: Api, pat: Customer, cashier: User) -> None:
    response = api(cashier).get(url(pat, "items"), {"all": "1"})
    rows = [(r["kind"], r["amount"], r["open_amount"]) for r in response.json()["results"]]
    assert ("payment", "-60.25", "0.00") in rows
    assert len(rows) == 3


def test_the_ledger_runs_a_balance_newest_first(api: Api, pat: Customer, cashier: User) -> None:
    response = api(cashier).get(url(pat, "ledger"))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    rows = [(r["effective_date"], r["amount"], r["balance"]) for r in body["results"]]
    assert rows == [
        ("2026-03-10", "-60.25", "290.25"),
        ("2026-03-10", "60.25", "350.50"),
        ("2026-03-10", "-60.25", "290.25"),
        ("2026-03-05", "250.50", "350.50"),
        ("2026-03-02", "100.00", "100.00"),
    ]


def test_a_parks_biller_sees_only_the_parks_part_of_the_account(
    api: Api, pat: Customer, biller_parks: User
) -> None:
    client = api(biller_parks)
    assert client.get(url(pat, "balance")).json()["balance"] == "39.75"
    items = client.get(url(pat, "items")).json()["results"]
    assert [(i["department"], i["open_amount"]) for i in items] == [("PRK", "39.75")]
    ledger = client.get(url(pat, "ledger")).json()["results"]
    assert [(r["amount"], r["balance"]) for r in ledger] == [
        ("-60.25", "39.75"),
        ("100.00", "100.00"),
    ]


def test_a_biller_of_another_department_gets_404(api: Api, city: City, technician: User) -> None:
    from tests.factories import make_user

    works_only = customer(city.clerk, "Works only")
    invoice(city, works_only, "10.00", department=city.works)
    biller = make_user("department biller", departments=[city.parks])

    client = api(biller)
    for what in ("balance", "items", "ledger"):
        assert client.get(url(works_only, what)).status_code == 404


def test_a_user_without_a_role_may_not_read_balances(
    api: Api, pat: Customer, outsider: User
) -> None:
    assert api(outsider).get(url(pat, "balance")).status_code == 403

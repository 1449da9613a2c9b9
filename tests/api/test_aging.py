from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from fiscus.customers.models import Customer
from fiscus.customers.services import update_customer
from fiscus.reports.queries import aging
from tests.factories import City, customer, invoice, payment

Api = Callable[[User | None], APIClient]
URL = "/api/v1/reports/aging/"
AS_OF = date(2026, 6, 30)


@pytest.fixture
def ledger(city: City) -> dict[str, Customer]:
    """Pat owes 100.00 (Parks, 90 days past due) and 45.67 (Works, not yet due); Ana (a
    business, on hold) owes 250.00 (Parks, 45 days past due) and has 20.00 unapplied."""
    pat = customer(city.clerk, "Pat")
    ana = customer(city.clerk, "Ana", type="business")
    update_customer(ana, by=city.clerk, changes={"on_hold": True})
    invoice(city, pat, "100.00", on=date(2026, 3, 2), due_in=30, department=city.parks)
    invoice(city, pat, "45.67", on=date(2026, 6, 20), due_in=30, department=city.works)
    invoice(city, ana, "250.00", on=date(2026, 4, 16), due_in=30, department=city.parks)
    payment(city, ana, "20.00", on=date(2026, 6, 1))
    return {"pat": pat, "ana": ana}


def as_json(report) -> dict:  # type: ignore[no-untyped-def]
    """The report as the API should send it: every amount a string."""
    s = str
    return {
        "labels": report.labels,
        "rows": [
            {
                "customer": r.number,
                "name": r.name,
                "type": r.type,
                "buckets": [s(b) for b in r.buckets],
                "credits": s(r.credits),
                "total": s(r.total),
            }
            for r in report.rows
        ],
        "bucket_totals": [s(t) for t in report.bucket_totals],
        "credits_total": s(report.credits_total),
        "total": s(report.total),
    }


def test_the_aging_json_equals_the_aging_query(
    api: Api, ledger: dict[str, Customer], supervisor: User
) -> None:
    response = api(supervisor).get(URL, {"as_of": "2026-06-30"})

    assert response.status_code == 200
    body = response.json()
    expected = aging(as_of=AS_OF)
    assert {k: body[k] for k in as_json(expected)} == as_json(expected)
    assert body["as_of"] == "2026-06-30"
    assert body["basis"] == "due"
    assert body["total"] == "375.67"
    assert body["credits_total"] == "-20.00"
    assert body["tie_out"] == {
        "subledger": "375.67",
        "gl": "375.67",
        "difference": "0.00",
        "ties": True,
    }


def test_each_amount_lands_in_its_bucket_to_the_cent(
    api: Api, ledger: dict[str, Customer], supervisor: User
) -> None:
    body = api(supervisor).get(URL, {"as_of": "2026-06-30"}).json()
    assert body["labels"][:5] == ["Not yet due", "1–30", "31–60", "61–90", "91–120"]
    by_customer = {r["customer"]: r for r in body["rows"]}
    pat = by_customer[ledger["pat"].number]
    ana = by_customer[ledger["ana"].number]
    assert pat["buckets"] == ["45.67", "0.00", "0.00", "100.00", "0.00", "0.00"]
    assert pat["total"] == "145.67"
    assert ana["buckets"] == ["0.00", "0.00", "250.00", "0.00", "0.00", "0.00"]
    assert (ana["credits"], ana["total"]) == ("-20.00", "230.00")


def test_filters_pass_through_to_the_same_query(
    api: Api, ledger: dict[str, Customer], city: City, supervisor: User
) -> None:
    client = api(supervisor)
    for params, kwargs in [
        ({"department": "PRK"}, {"department_ids": {city.parks.pk}}),
        ({"customer_type": "business"}, {"customer_type": "business"}),
        ({"flag": "hold"}, {"flag": "on_hold"}),
        ({"basis": "document"}, {"basis": "document"}),
    ]:
        body = client.get(URL, {"as_of": "2026-06-30", **params}).json()
        assert {k: body[k] for k in ("rows", "total")} == {
            k: as_json(aging(as_of=AS_OF, **kwargs))[k] for k in ("rows", "total")
        }, params


def test_a_past_date_reads_the_ledger_as_of_then(
    api: Api, ledger: dict[str, Customer], supervisor: User
) -> None:
    body = api(supervisor).get(URL, {"as_of": "2026-05-31"}).json()
    assert body["total"] == "350.00"
    assert body["total"] == str(aging(as_of=date(2026, 5, 31)).total)


def test_a_parks_biller_gets_the_parks_aging_only(
    api: Api, ledger: dict[str, Customer], city: City, biller_parks: User
) -> None:
    body = api(biller_parks).get(URL, {"as_of": "2026-06-30"}).json()
    assert body["total"] == str(aging(as_of=AS_OF, department_ids={city.parks.pk}).total)
    assert body["total"] == "350.00"
    refused = api(biller_parks).get(URL, {"as_of": "2026-06-30", "department": "PW"})
    assert refused.status_code == 400


def test_a_bad_date_is_refused(api: Api, supervisor: User) -> None:
    response = api(supervisor).get(URL, {"as_of": "yesterday"})
    assert response.status_code == 400
    assert "as_of" in response.json()


def test_a_user_without_a_role_may_not_read_the_aging(api: Api, outsider: User) -> None:
    assert api(outsider).get(URL).status_code == 403


def test_amounts_are_decimal_strings(api: Api, ledger: dict[str, Customer], auditor: User) -> None:
    body = api(auditor).get(URL, {"as_of": "2026-06-30"}).json()
    assert Decimal(body["total"]) == Decimal("375.67")
    assert isinstance(body["total"], str)

"""/api/v1/returns/: a returned payment reopens exactly what it paid; worked; redeposited."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from fiscus.cash import returns
from fiscus.cash import services as cash
from fiscus.cash.models import Payment, ReturnedPayment
from fiscus.customers.models import Customer
from fiscus.receivables.models import Item, ReceivableEntry
from tests.factories import City, customer, make_user, paid_check

Api = Callable[[User | None], APIClient]
URL = "/api/v1/returns/"
BACK = date(2026, 3, 16)


@pytest.fixture(autouse=True)
def today() -> Iterator[None]:
    """Every test runs at noon in California on 2026-03-16, the day the check came back."""
    with time_machine.travel(datetime(2026, 3, 16, 19, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def rosa(city: City) -> Customer:
    return customer(city.clerk, "Rosa Diaz")


@pytest.fixture
def paid(city: City, cashier: User, technician: User, rosa: Customer) -> tuple[list[Item], Payment]:
    """A 300.00 check applied to three invoices (100.00, 120.00 and 50.00 of a 75.00 one), 30.00
    left on account, in a closed deposit."""
    return paid_check(city, cashier, technician, rosa)


def opens(items: list[Item]) -> list[Decimal]:
    return [Item.objects.get(pk=i.pk).open_amount for i in items]


def back(pay: Payment, **more: Any) -> dict[str, Any]:
    return {"payment": pay.number, "reason": "nsf", "returned_on": "2026-03-16", **more}


def test_a_returned_check_reopens_exactly_what_it_paid_on_the_three_invoices(
    api: Api, paid: tuple[list[Item], Payment], rosa: Customer, technician: User
) -> None:
    bills, pay = paid
    assert opens(bills) == [Decimal("0.00"), Decimal("0.00"), Decimal("25.00")]

    response = api(technician).post(URL, back(pay, note="Bank letter 3/16"), format="json")

    assert response.status_code == 201, response.json()
    answer = response.json()
    assert (answer["number"], answer["status"], answer["payment"], answer["customer"]) == (
        "RET-2026-000001",
        "returned",
        pay.number,
        rosa.number,
    )
    assert (answer["reason"], answer["amount"], answer["note"], answer["from_bank"]) == (
        "nsf",
        "300.00",
        "Bank letter 3/16",
        False,
    )
    assert sorted((r["item"], r["amount"]) for r in answer["reversed"]) == sorted(
        [(bills[0].number, "100.00"), (bills[1].number, "120.00"), (bills[2].number, "50.00")]
    )
    assert opens(bills) == [Decimal("100.00"), Decimal("120.00"), Decimal("75.00")]
    fee = Item.objects.get(number=answer["fee_item"])
    assert (answer["fee"], fee.kind, fee.customer_id) == ("15.00", "fee", rosa.pk)
    assert (answer["cash_only_until"], answer["cash_only_for_good"]) == ("2027-03-16", False)
    assert (answer["worked_at"], answer["created_by"]) == (None, "tina")


def test_a_return_sent_twice_with_the_same_key_reopens_the_invoices_once(
    api: Api, paid: tuple[list[Item], Payment], technician: User
) -> None:
    bills, pay = paid
    client = api(technician)

    first = client.post(URL, back(pay), format="json", HTTP_IDEMPOTENCY_KEY="nsf-5150")
    entries = ReceivableEntry.objects.count()
    again = client.post(URL, back(pay), format="json", HTTP_IDEMPOTENCY_KEY="nsf-5150")
    without_key = client.post(URL, back(pay), format="json")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert ReceivableEntry.objects.count() == entries
    assert ReturnedPayment.objects.count() == 1
    assert opens(bills) == [Decimal("100.00"), Decimal("120.00"), Decimal("75.00")]
    assert without_key.status_code == 400
    assert without_key.json() == {
        "message": f"Payment {pay.number} is already returned.",
        "code": "already_returned",
    }


def test_bad_input_is_refused_naming_the_field(
    api: Api, paid: tuple[list[Item], Payment], technician: User
) -> None:
    _, pay = paid
    client = api(technician)

    unknown = client.post(
        URL,
        {"payment": "PMT-2026-999999", "reason": "lost", "returned_on": "2026-03-16"},
        format="json",
    )
    bad_code = client.post(URL, back(pay, ach_code="X1"), format="json")
    no_reason = client.post(URL, back(pay, reason=""), format="json")
    future = client.post(URL, back(pay, returned_on="2026-03-17"), format="json")
    no_note = client.post(URL, back(pay, reason="other"), format="json")

    assert unknown.status_code == 400
    assert unknown.json() == {
        "payment": ['There is no payment "PMT-2026-999999".'],
        "reason": [
            '"lost" is not a return reason; the choices are nsf, stop_payment, closed_account, '
            "ach_return, other."
        ],
    }
    assert bad_code.json() == {"ach_code": ["An ACH return code looks like R01."]}
    assert no_reason.json() == {"reason": ["Give the reason, or the ACH return code."]}
    assert future.json() == {"message": "The return date is in the future.", "code": "bad_date"}
    assert no_note.json() == {
        "message": "Say in the note why the payment came back.",
        "code": "note_required",
    }
    assert not ReturnedPayment.objects.exists()


def test_an_ach_code_gives_the_reason_and_only_a_dishonored_payment_is_charged(
    api: Api, city: City, cashier: User, technician: User
) -> None:
    _, nsf = paid_check(city, cashier, technician, customer(city.clerk, "Ann"))
    _, wrong_account = paid_check(city, cashier, technician, customer(city.clerk, "Ben"))
    client = api(technician)

    r01 = client.post(URL, back(nsf, reason="", ach_code="r01"), format="json").json()
    r03 = client.post(URL, back(wrong_account, reason="ach_return", ach_code="R03"), format="json")

    assert (r01["reason"], r01["ach_code"], r01["fee"]) == ("nsf", "R01", "15.00")
    assert (r03.json()["reason"], r03.json()["fee"], r03.json()["fee_item"]) == (
        "ach_return",
        "0.00",
        None,
    )


def test_the_fee_can_be_waived(
    api: Api, paid: tuple[list[Item], Payment], technician: User
) -> None:
    _, pay = paid

    answer = api(technician).post(URL, back(pay, fee=False), format="json").json()

    assert (answer["fee"], answer["fee_item"]) == ("0.00", None)
    assert not Item.objects.filter(kind="fee").exists()


def test_a_worked_return_leaves_the_list_to_work(
    api: Api, paid: tuple[list[Item], Payment], technician: User
) -> None:
    _, pay = paid
    client = api(technician)
    number = client.post(URL, back(pay), format="json").json()["number"]
    assert [r["number"] for r in client.get(f"{URL}?to_work=true").json()["results"]] == [number]

    worked = client.post(f"{URL}{number}/worked/")

    assert worked.status_code == 200, worked.json()
    assert worked.json()["worked_at"] is not None
    assert worked.json()["worked_by"] == "tina"
    assert client.get(f"{URL}?to_work=true").json()["results"] == []
    assert [r["number"] for r in client.get(f"{URL}?to_work=false").json()["results"]] == [number]
    assert list(returns.to_work()) == []


def test_a_redeposit_that_clears_applies_the_payment_again(
    api: Api, paid: tuple[list[Item], Payment], technician: User
) -> None:
    bills, pay = paid
    client = api(technician)
    number = client.post(URL, back(pay), format="json").json()["number"]

    response = client.post(f"{URL}{number}/redeposit/", {"redeposited_on": "2026-03-16"})
    again = client.post(f"{URL}{number}/redeposit/", {"redeposited_on": "2026-03-16"})

    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["redeposited_on"]) == (
        "redeposited",
        "2026-03-16",
    )
    assert opens(bills) == [Decimal("0.00"), Decimal("0.00"), Decimal("25.00")]
    assert again.status_code == 400
    assert again.json() == {
        "message": f"{number} was already redeposited.",
        "code": "already_redeposited",
    }
    assert [r["number"] for r in client.get(f"{URL}?status=redeposited").json()["results"]] == [
        number
    ]


def test_cashiers_and_auditors_read_returns_but_only_cash_return_makes_them(
    api: Api,
    paid: tuple[list[Item], Payment],
    cashier: User,
    auditor: User,
    outsider: User,
    technician: User,
) -> None:
    bills, pay = paid

    for who in (cashier, auditor, outsider):
        assert api(who).post(URL, back(pay), format="json").status_code == 403
    number = api(technician).post(URL, back(pay), format="json").json()["number"]
    for who in (cashier, auditor):
        assert api(who).get(f"{URL}{number}/").status_code == 200
        assert api(who).post(f"{URL}{number}/worked/").status_code == 403
        assert api(who).post(f"{URL}{number}/redeposit/").status_code == 403
    assert api(outsider).get(URL).status_code == 403
    assert api(None).get(URL).status_code == 401
    assert ReturnedPayment.objects.get().worked_at is None


def test_a_biller_sees_only_the_returns_of_their_departments(
    api: Api, city: City, paid: tuple[list[Item], Payment], technician: User, biller_parks: User
) -> None:
    _, pay = paid  # received into a Parks deposit
    number = api(technician).post(URL, back(pay), format="json").json()["number"]
    biller_works = make_user("department biller", departments=[city.works])

    parks = api(biller_parks)
    works = api(biller_works)

    assert [r["number"] for r in parks.get(URL).json()["results"]] == [number]
    assert parks.get(f"{URL}{number}/").status_code == 200
    assert works.get(URL).json()["results"] == []
    assert works.get(f"{URL}{number}/").status_code == 404


def test_an_open_deposits_payment_is_not_returned(
    api: Api, city: City, cashier: User, technician: User, rosa: Customer
) -> None:
    deposit = cash.open_deposit(department=city.parks, on=BACK, by=cashier)
    pay = cash.record_payment(
        deposit,
        cash.PaymentInput(amount=Decimal("20.00"), method="cash", received_on=BACK, customer=rosa),
        by=cashier,
    )

    response = api(technician).post(URL, back(pay), format="json")

    assert response.status_code == 400
    assert response.json() == {
        "message": f"Deposit {deposit.number} is still open: take the payment out of the deposit "
        "instead of returning it, or close the deposit first.",
        "code": "deposit_open",
    }

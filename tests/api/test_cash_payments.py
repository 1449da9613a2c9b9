"""POST/GET /api/v1/payments/: record (Idempotency-Key required), apply, read, departments."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from fiscus.cash import services as cash
from fiscus.cash.models import Deposit, Payment
from fiscus.cash.services import PaymentInput
from fiscus.customers.models import Customer
from fiscus.ledger.models import JournalLine
from fiscus.receivables.models import Item, ReceivableEntry
from tests.factories import City, customer, invoice

Api = Callable[[User | None], APIClient]
URL = "/api/v1/payments/"
TODAY = date(2026, 5, 15)
FLOAT_REFUSED = 'Send amounts as strings ("100.00"); a floating-point number is not exact.'


@pytest.fixture(autouse=True)
def today() -> Iterator[None]:
    """Every test runs at noon in California on 2026-05-15."""
    with time_machine.travel(datetime(2026, 5, 15, 19, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def deposit(city: City, cashier: User) -> Deposit:
    return cash.open_deposit(department=city.parks, on=TODAY, by=cashier)


@pytest.fixture
def ada(city: City) -> Customer:
    return customer(city.clerk, "Ada Park")


@pytest.fixture
def bills(city: City, ada: Customer) -> tuple[Item, Item]:
    """Two invoices of Ada's: 80.00 due 2026-04-01 and 90.00 due 2026-05-01."""
    return (
        invoice(city, ada, "80.00", on=date(2026, 3, 2)),
        invoice(city, ada, "90.00", on=date(2026, 4, 1)),
    )


def body(deposit: Deposit, who: Customer | None, **more: Any) -> dict[str, Any]:
    return {
        "deposit": deposit.number,
        "customer": who.number if who is not None else None,
        "method": "check",
        "amount": "123.45",
        "received_on": "2026-05-14",
        "payer": "Ada Park",
        "check_number": "1042",
        "bank_account": "000123456789",
        **more,
    }


def pay(client: APIClient, data: dict[str, Any], key: str = "pmt-1") -> Any:
    return client.post(URL, data, format="json", HTTP_IDEMPOTENCY_KEY=key)


def gl(entry_id: int) -> list[tuple[str, Decimal, Decimal]]:
    return sorted(
        (ln.account.role, ln.debit, ln.credit)
        for ln in JournalLine.objects.filter(entry_id=entry_id).select_related("account")
    )


def rows(item: Item) -> list[Decimal]:
    return list(ReceivableEntry.objects.filter(item=item).values_list("amount", flat=True))


def open_amounts(*items: Item) -> list[Decimal]:
    return [Item.objects.get(pk=it.pk).open_amount for it in items]


# --- recording -------------------------------------------------------------------------------


def test_a_payment_posts_undeposited_cash_against_ar_and_a_credit_item(
    api: Api, deposit: Deposit, ada: Customer, cashier: User
) -> None:
    response = pay(api(cashier), body(deposit, ada))

    assert response.status_code == 201, response.json()
    answer = response.json()
    payment = Payment.objects.get()
    assert answer["number"] == payment.number == payment.item.number == "PMT-2026-000001"
    assert (answer["status"], answer["customer"], answer["customer_name"]) == (
        "posted",
        ada.number,
        ada.name,
    )
    assert (answer["amount"], answer["unapplied"], answer["applications"]) == (
        "123.45",
        "123.45",
        [],
    )
    assert (answer["deposit"], answer["department"], answer["fund"]) == (
        deposit.number,
        "PRK",
        "100",
    )
    assert (answer["bank_account"], answer["check_number"], answer["source"]) == (
        "••••6789",
        "1042",
        "api",
    )
    assert answer["journal_entry"] == payment.journal_entry.number
    assert gl(payment.journal_entry_id) == [
        ("ar_control", Decimal("0.00"), Decimal("123.45")),
        ("undeposited_cash", Decimal("123.45"), Decimal("0.00")),
    ]
    assert rows(payment.item) == [Decimal("-123.45")]


def test_a_payment_without_a_customer_waits_in_unidentified_receipts(
    api: Api, deposit: Deposit, cashier: User
) -> None:
    response = pay(api(cashier), body(deposit, None, amount="50.00", payer="R. Lopez"))

    assert response.status_code == 201, response.json()
    answer = response.json()
    assert (answer["status"], answer["customer"], answer["customer_name"]) == (
        "unidentified",
        None,
        None,
    )
    assert (answer["payer"], answer["unapplied"]) == ("R. Lopez", "50.00")
    payment = Payment.objects.get()
    assert payment.item is None
    assert gl(payment.journal_entry_id) == [
        ("undeposited_cash", Decimal("50.00"), Decimal("0.00")),
        ("unidentified", Decimal("0.00"), Decimal("50.00")),
    ]
    assert not ReceivableEntry.objects.exists()


def test_without_a_customer_the_payer_must_be_named(
    api: Api, deposit: Deposit, cashier: User
) -> None:
    response = pay(api(cashier), body(deposit, None, payer=""))

    assert response.status_code == 400
    assert response.json() == {"payer": ["Without a customer number, give the payer's name."]}
    assert not Payment.objects.exists()


def test_an_unknown_customer_number_is_refused_naming_the_field(
    api: Api, deposit: Deposit, cashier: User
) -> None:
    response = pay(api(cashier), {**body(deposit, None), "customer": "C999999"})

    assert response.status_code == 400
    assert response.json() == {"customer": ['There is no customer "C999999".']}
    assert not Payment.objects.exists()


def test_a_floating_point_amount_is_refused(
    api: Api, deposit: Deposit, ada: Customer, technician: User, bills: tuple[Item, Item]
) -> None:
    client = api(technician)

    whole = pay(client, body(deposit, ada, amount=123.45))
    line = pay(
        client,
        body(deposit, ada, apply=[{"item": bills[0].number, "amount": 12.5}]),
        key="pmt-2",
    )

    assert whole.status_code == line.status_code == 400
    assert whole.json() == {"amount": [FLOAT_REFUSED]}
    assert line.json() == {"apply": {"0": {"amount": [FLOAT_REFUSED]}}}
    assert not Payment.objects.exists()


def test_bad_method_zero_amount_and_future_date_are_named(
    api: Api, deposit: Deposit, ada: Customer, cashier: User
) -> None:
    response = pay(
        api(cashier), body(deposit, ada, method="barter", amount="0.00", received_on="2026-05-16")
    )

    assert response.status_code == 400
    assert response.json() == {
        "method": [
            '"barter" is not a payment method; the methods are check, cash, money_order, card, '
            "ach, wire."
        ],
        "amount": ["The amount must be more than zero."],
        "received_on": ["The received date is in the future."],
    }


def test_a_closed_or_unknown_deposit_is_refused_naming_the_field(
    api: Api, deposit: Deposit, ada: Customer, cashier: User
) -> None:
    client = api(cashier)
    assert pay(client, body(deposit, ada, amount="10.00"), key="a").status_code == 201
    cash.close_deposit(deposit, by=cashier)

    closed = pay(client, body(deposit, ada), key="b")
    unknown = pay(client, {**body(deposit, ada), "deposit": "DEP-2026-999999"}, key="c")

    assert closed.json() == {
        "deposit": [f"Deposit {deposit.number} is closed; open a new deposit for this payment."]
    }
    assert unknown.json() == {"deposit": ['There is no deposit "DEP-2026-999999".']}
    assert Payment.objects.count() == 1


def test_a_cash_only_customer_cannot_pay_by_check(
    api: Api, deposit: Deposit, city: City, cashier: User
) -> None:
    who = customer(city.clerk, "Cole Cash", cash_only=True)

    response = pay(api(cashier), body(deposit, who))

    assert response.status_code == 400
    assert response.json() == {
        "message": f"The payment: {who.name} is on cash only (a check of theirs was returned), "
        "so a check cannot be taken; take cash, a money order, a card or a wire.",
        "code": "cash_only",
    }
    assert not Payment.objects.exists()


# --- idempotency -----------------------------------------------------------------------------


def test_the_idempotency_key_is_required(
    api: Api, deposit: Deposit, ada: Customer, cashier: User
) -> None:
    response = api(cashier).post(URL, body(deposit, ada), format="json")

    assert response.status_code == 400
    assert response.json() == {
        "message": "Send an Idempotency-Key header (a UUID is good), so a payment sent twice is "
        "recorded once.",
        "code": "idempotency_key_required",
    }
    assert not Payment.objects.exists()


def test_the_same_key_twice_records_one_payment_and_answers_the_same(
    api: Api, deposit: Deposit, ada: Customer, cashier: User
) -> None:
    client = api(cashier)

    first = pay(client, body(deposit, ada), key="counter-0412")
    again = pay(client, body(deposit, ada), key="counter-0412")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1
    assert ReceivableEntry.objects.count() == 1


def test_the_same_key_with_a_different_payment_is_refused(
    api: Api, deposit: Deposit, ada: Customer, cashier: User
) -> None:
    client = api(cashier)
    pay(client, body(deposit, ada), key="counter-0412")

    other = pay(client, body(deposit, ada, amount="99.00"), key="counter-0412")

    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert Payment.objects.get().amount == Decimal("123.45")


# --- applying --------------------------------------------------------------------------------


def test_a_short_pay_applied_by_line_leaves_the_rest_of_the_invoice_open(
    api: Api, deposit: Deposit, ada: Customer, technician: User, bills: tuple[Item, Item]
) -> None:
    first, second = bills
    apply = [{"item": first.number, "amount": "80.00"}, {"item": second.number, "amount": "20.00"}]

    response = pay(api(technician), body(deposit, ada, amount="100.00", apply=apply))

    assert response.status_code == 201, response.json()
    answer = response.json()
    assert answer["unapplied"] == "0.00"
    assert [
        (a["item"], a["amount"], a["date"], a["rule"], a["automatic"], a["confidence"])
        for a in answer["applications"]
    ] == [
        (first.number, "80.00", "2026-05-15", "manual", False, None),
        (second.number, "20.00", "2026-05-15", "manual", False, None),
    ]
    assert open_amounts(first, second) == [Decimal("0.00"), Decimal("70.00")]
    payment = Payment.objects.get()
    assert rows(payment.item) == [Decimal("-100.00"), Decimal("80.00"), Decimal("20.00")]
    assert rows(second) == [Decimal("90.00"), Decimal("-20.00")]


def test_auto_applies_by_the_policy_and_an_overpayment_stays_on_account(
    api: Api, deposit: Deposit, ada: Customer, technician: User, bills: tuple[Item, Item]
) -> None:
    first, second = bills

    response = pay(api(technician), body(deposit, ada, amount="200.00", apply="auto"))

    assert response.status_code == 201, response.json()
    answer = response.json()
    assert [(a["item"], a["amount"], a["rule"]) for a in answer["applications"]] == [
        (first.number, "80.00", "policy:oldest_first"),
        (second.number, "90.00", "policy:oldest_first"),
    ]
    assert answer["unapplied"] == "30.00"
    assert open_amounts(first, second) == [Decimal("0.00"), Decimal("0.00")]
    assert Payment.objects.get().item.open_amount == Decimal("-30.00")


def test_auto_with_nothing_owed_records_the_payment_as_unapplied_cash(
    api: Api, deposit: Deposit, ada: Customer, technician: User
) -> None:
    response = pay(api(technician), body(deposit, ada, amount="40.00", apply="auto"))

    assert response.status_code == 201, response.json()
    assert (response.json()["applications"], response.json()["unapplied"]) == ([], "40.00")
    assert Payment.objects.get().item.open_amount == Decimal("-40.00")


def test_applying_more_than_the_payment_refuses_and_records_nothing(
    api: Api, deposit: Deposit, ada: Customer, technician: User, bills: tuple[Item, Item]
) -> None:
    apply = [{"item": bills[0].number, "amount": "80.00"}]

    response = pay(api(technician), body(deposit, ada, amount="50.00", apply=apply))

    assert response.status_code == 400
    assert response.json() == {
        "message": "PMT-2026-000001 has only $50.00 left to apply.",
        "code": "refused",
    }
    assert not Payment.objects.exists()
    assert open_amounts(bills[0]) == [Decimal("80.00")]


def test_an_item_that_is_not_the_customers_is_named_by_its_line(
    api: Api,
    deposit: Deposit,
    ada: Customer,
    city: City,
    technician: User,
    bills: tuple[Item, Item],
) -> None:
    someone_else = invoice(city, customer(city.clerk, "Ben Other"), "40.00")
    apply = [
        {"item": bills[0].number, "amount": "10.00"},
        {"item": someone_else.number, "amount": "10.00"},
        {"item": bills[1].number, "amount": "0.00"},
    ]

    response = pay(api(technician), body(deposit, ada, apply=apply))

    assert response.status_code == 400
    assert response.json() == {
        "apply": {
            "2": {"amount": ["The amount to apply must be more than zero."]},
        }
    }
    apply[2]["amount"] = "5.00"
    response = pay(api(technician), body(deposit, ada, apply=apply), key="pmt-2")
    assert response.json() == {
        "apply": {"1": {"item": [f'Customer {ada.number} has no item "{someone_else.number}".']}}
    }
    assert not Payment.objects.exists()


def test_an_unidentified_payment_cannot_be_applied_when_recorded(
    api: Api, deposit: Deposit, technician: User
) -> None:
    response = pay(api(technician), body(deposit, None, apply="auto"))

    assert response.status_code == 400
    assert response.json() == {
        "apply": [
            "A payment without a customer cannot be applied; give the customer number, or "
            "apply it once it is identified."
        ]
    }


def test_a_cashier_records_payments_but_may_not_apply_them(
    api: Api, deposit: Deposit, ada: Customer, cashier: User, bills: tuple[Item, Item]
) -> None:
    client = api(cashier)

    applied = pay(client, body(deposit, ada, apply="auto"), key="a")
    recorded = pay(client, body(deposit, ada), key="b")

    assert applied.status_code == 403
    assert applied.json()["code"] == "forbidden"
    assert recorded.status_code == 201
    assert Payment.objects.count() == 1


def recorded(deposit: Deposit, who: Customer | None, amount: str, by: User, **kw: Any) -> Payment:
    return cash.record_payment(
        deposit,
        PaymentInput(amount=Decimal(amount), method="check", received_on=TODAY, customer=who, **kw),
        by=by,
    )


def test_applying_a_recorded_payment_by_line_then_by_policy(
    api: Api, deposit: Deposit, ada: Customer, cashier: User, technician: User, bills
) -> None:
    first, second = bills
    payment = recorded(deposit, ada, "150.00", cashier)
    client = api(technician)
    url = f"{URL}{payment.number}/apply/"

    by_line = client.post(
        url, {"apply": [{"item": second.number, "amount": "30.00"}]}, format="json"
    )
    by_policy = client.post(url, {"apply": "auto"}, format="json")
    nothing_left = client.post(url, {"apply": "auto"}, format="json")

    assert by_line.status_code == by_policy.status_code == 200
    assert by_line.json()["unapplied"] == "120.00"
    assert [(a["item"], a["amount"]) for a in by_policy.json()["applications"]] == [
        (second.number, "30.00"),
        (first.number, "80.00"),
        (second.number, "40.00"),
    ]
    assert by_policy.json()["unapplied"] == "0.00"
    assert open_amounts(first, second) == [Decimal("0.00"), Decimal("20.00")]
    assert nothing_left.status_code == 400
    assert nothing_left.json()["message"] == f"Payment {payment.number} is already applied in full."


def test_auto_with_nothing_owed_is_refused_and_the_payment_stays_unapplied(
    api: Api, deposit: Deposit, ada: Customer, cashier: User, technician: User
) -> None:
    payment = recorded(deposit, ada, "25.00", cashier)

    response = api(technician).post(
        f"{URL}{payment.number}/apply/", {"apply": "auto"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["message"] == (
        f"{ada} owes nothing that payment {payment.number} could pay; it stays on account as "
        "unapplied cash."
    )


def test_an_unidentified_payment_is_not_applied(
    api: Api, deposit: Deposit, cashier: User, technician: User
) -> None:
    payment = recorded(deposit, None, "25.00", cashier, payer="Someone")

    response = api(technician).post(
        f"{URL}{payment.number}/apply/", {"apply": "auto"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "apply": [
            f"Payment {payment.number} is unidentified: name its customer before applying it."
        ]
    }


def test_apply_with_an_idempotency_key_applies_once(
    api: Api, deposit: Deposit, ada: Customer, cashier: User, technician: User, bills
) -> None:
    payment = recorded(deposit, ada, "50.00", cashier)
    client = api(technician)
    url = f"{URL}{payment.number}/apply/"
    data = {"apply": [{"item": bills[1].number, "amount": "25.00"}]}

    first = client.post(url, data, format="json", HTTP_IDEMPOTENCY_KEY="apply-1")
    again = client.post(url, data, format="json", HTTP_IDEMPOTENCY_KEY="apply-1")

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert open_amounts(bills[1]) == [Decimal("65.00")]


def test_only_the_apply_capability_applies(
    api: Api, deposit: Deposit, ada: Customer, cashier: User, auditor: User, bills
) -> None:
    payment = recorded(deposit, ada, "50.00", cashier)
    url = f"{URL}{payment.number}/apply/"

    for who in (cashier, auditor):
        assert api(who).post(url, {"apply": "auto"}, format="json").status_code == 403
    assert open_amounts(*bills) == [Decimal("80.00"), Decimal("90.00")]


# --- reading, roles and departments ----------------------------------------------------------


def test_auditors_and_billers_read_but_may_not_record(
    api: Api, deposit: Deposit, ada: Customer, auditor: User, biller_parks: User, outsider: User
) -> None:
    for who in (auditor, biller_parks, outsider):
        assert pay(api(who), body(deposit, ada)).status_code == 403
    assert api(auditor).get(URL).status_code == 200
    assert api(outsider).get(URL).status_code == 403
    assert api(None).get(URL).status_code == 401
    assert not Payment.objects.exists()


def test_one_payment_reads_with_its_applications(
    api: Api, deposit: Deposit, ada: Customer, cashier: User, technician: User, bills, auditor: User
) -> None:
    payment = recorded(deposit, ada, "100.00", cashier, remittance="INV for March")
    cash.apply_payment(payment, [(bills[0], Decimal("80.00"))], by=technician)

    response = api(auditor).get(f"{URL}{payment.number}/")

    assert response.status_code == 200
    answer = response.json()
    assert (answer["number"], answer["amount"], answer["unapplied"], answer["remittance"]) == (
        payment.number,
        "100.00",
        "20.00",
        "INV for March",
    )
    assert [(a["item"], a["amount"], a["rule"]) for a in answer["applications"]] == [
        (bills[0].number, "80.00", "manual")
    ]


def test_the_list_filters_by_date_customer_status_and_unapplied(
    api: Api, deposit: Deposit, ada: Customer, city: City, cashier: User, technician: User, bills
) -> None:
    ben = customer(city.clerk, "Ben Other")
    spent = recorded(deposit, ada, "80.00", cashier)
    cash.apply_payment(spent, [(bills[0], Decimal("80.00"))], by=technician)
    left = recorded(deposit, ben, "10.00", cashier)
    stranger = recorded(deposit, None, "5.00", cashier, payer="Someone")
    early = cash.record_payment(
        deposit,
        PaymentInput(
            amount=Decimal("7.00"), method="cash", received_on=date(2026, 5, 1), customer=ben
        ),
        by=cashier,
    )
    client = api(technician)

    def numbers(query: str) -> list[str]:
        response = client.get(URL + query)
        assert response.status_code == 200, response.json()
        return sorted(p["number"] for p in response.json()["results"])

    assert numbers("") == sorted(p.number for p in (spent, left, stranger, early))
    assert numbers("?unapplied=true") == sorted([left.number, stranger.number, early.number])
    assert numbers("?unapplied=false") == [spent.number]
    assert numbers(f"?customer={ben.number}") == sorted([left.number, early.number])
    assert numbers("?status=unidentified") == [stranger.number]
    assert numbers("?received_from=2026-05-02&received_to=2026-05-15") == sorted(
        [spent.number, left.number, stranger.number]
    )
    assert numbers("?received_to=2026-05-01") == [early.number]


def test_a_biller_sees_only_their_departments_payments(
    api: Api, deposit: Deposit, ada: Customer, city: City, cashier: User, biller_parks: User
) -> None:
    works = cash.open_deposit(department=city.works, on=TODAY, by=cashier)
    parks_payment = recorded(deposit, ada, "10.00", cashier)
    works_payment = recorded(works, ada, "20.00", cashier)
    client = api(biller_parks)

    listed = client.get(URL).json()["results"]

    assert [p["number"] for p in listed] == [parks_payment.number]
    assert client.get(f"{URL}{parks_payment.number}/").status_code == 200
    assert client.get(f"{URL}{works_payment.number}/").status_code == 404


def test_the_list_reads_the_same_number_of_queries_for_more_payments(
    api: Api, deposit: Deposit, ada: Customer, cashier: User, technician: User, bills
) -> None:
    client = api(technician)
    first = recorded(deposit, ada, "10.00", cashier)
    cash.apply_payment(first, [(bills[0], Decimal("10.00"))], by=technician)
    client.get(URL)  # the token and the role are read once and cached on the first call

    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    for amount in ("11.00", "12.00", "13.00"):
        more = recorded(deposit, ada, amount, cashier)
        cash.apply_payment(more, [(bills[1], Decimal(amount))], by=technician)
    with CaptureQueriesContext(connection) as four:
        response = client.get(URL)

    assert response.json()["count"] == 4
    assert len(four.captured_queries) == len(one.captured_queries)

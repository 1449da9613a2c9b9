"""The batch entry grid and its helpers: find the customer by number, name or open invoice
number, spread the amount by the allocation policy, save a stack of checks all or nothing."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from fiscus.cash import services as cash
from fiscus.cash.models import Deposit, Payment
from fiscus.cash.services import PaymentInput
from fiscus.cash.views.entry import lookup
from fiscus.receivables.models import Application, Item
from tests.factories import customer, invoice

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 10)


@pytest.fixture
def deposit(city, cashier):
    return cash.open_deposit(
        department=city.parks,
        on=DAY,
        by=cashier,
        control_count=3,
        control_total=Decimal("425.00"),
    )


def entry_url(deposit: Deposit) -> str:
    return reverse("cash:entry", args=[deposit.pk])


def post_rows(client, deposit: Deposit, rows: list[dict]):
    return client.post(
        entry_url(deposit), json.dumps({"rows": rows}), content_type="application/json"
    )


def refresh(*items: Item) -> list[Decimal]:
    for it in items:
        it.refresh_from_db()
    return [it.open_amount for it in items]


# --- the lookup ---------------------------------------------------------------------------------


def test_the_lookup_finds_a_customer_by_number_name_and_open_invoice_number(client, city, cashier):
    who = customer(city.clerk, "Quillfeather Bakery")
    other = customer(city.clerk, "Bakery Row Cafe")
    open_one = invoice(city, who, "125.00")
    paid = invoice(city, other, "10.00")
    deposit = cash.open_deposit(department=city.parks, on=DAY, by=cashier)
    pay = cash.record_payment(
        deposit, PaymentInput(Decimal("10.00"), "cash", DAY, customer=other), by=cashier
    )
    cash.apply_payment(pay, [(paid, Decimal("10.00"))], by=cashier)
    client.force_login(cashier)

    def found(q: str) -> list[str]:
        response = client.get(reverse("cash:lookup"), {"q": q})
        assert response.status_code == 200
        return [c["number"] for c in response.json()["customers"]]

    assert found(who.number) == [who.number]
    assert found("quillfeather") == [who.number]
    assert found("Bakery") == [other.number, who.number]  # a name starting with it comes first
    assert found(open_one.number.lower()) == [who.number]
    assert found(open_one.number[:-1]) == [who.number]  # the start of an open invoice number
    assert found(paid.number) == []  # a paid invoice is no longer open
    assert found("   ") == []
    body = client.get(reverse("cash:lookup"), {"q": open_one.number}).json()["customers"][0]
    assert body["found_by"] == open_one.number and body["exact"] is True
    assert body["flags"] == {"cash_only": False, "on_hold": False}
    assert body["items"] == [
        {
            "id": open_one.pk,
            "number": open_one.number,
            "kind": "invoice",
            "kind_label": "Invoice",
            "document_date": "2026-03-02",
            "due_date": "2026-04-01",
            "open_amount": "125.00",
        }
    ]


def test_the_lookup_shows_the_flags_and_at_most_ten_customers_in_few_queries(
    client, city, cashier, django_assert_max_num_queries
):
    flagged = customer(city.clerk, "Marsh Abbey", cash_only=True, on_hold=True)
    for _ in range(12):
        invoice(city, customer(city.clerk, "Marsh Tenant"), "5.00")
    client.force_login(cashier)

    with django_assert_max_num_queries(14):
        customers = client.get(reverse("cash:lookup"), {"q": "marsh"}).json()["customers"]

    assert len(customers) == 10
    by_number = {c["number"]: c for c in customers}
    assert by_number[flagged.number]["flags"] == {"cash_only": True, "on_hold": True}


def test_a_department_biller_finds_only_their_departments_items(city, biller_parks):
    who = customer(city.clerk, "Two Department Tenant")
    parks_invoice = invoice(city, who, "40.00", department=city.parks)
    works_invoice = invoice(city, who, "60.00", department=city.works)
    works_only = customer(city.clerk, "Works Only Tenant")
    works_only_invoice = invoice(city, works_only, "70.00", department=city.works)

    found = lookup(biller_parks, "Tenant")

    assert [c["number"] for c in found] == [who.number]
    assert [i["number"] for i in found[0]["items"]] == [parks_invoice.number]
    assert lookup(biller_parks, works_invoice.number) == []
    assert lookup(biller_parks, works_only_invoice.number) == []


# --- the allocation -----------------------------------------------------------------------------


def test_the_amount_is_spread_oldest_first_and_the_found_invoice_is_paid_first(
    client, city, cashier
):
    who = customer(city.clerk)
    older = invoice(city, who, "60.00", on=date(2026, 1, 5))
    newer = invoice(city, who, "140.00", on=date(2026, 2, 5))
    client.force_login(cashier)
    url = reverse("cash:allocate")

    by_policy = client.get(url, {"customer": who.pk, "amount": "150.00"}).json()
    found_first = client.get(url, {"customer": who.pk, "amount": "150", "first": newer.pk}).json()
    overpaid = client.get(url, {"customer": who.pk, "amount": "1,000.01"}).json()
    bad = client.get(url, {"customer": who.pk, "amount": "12,34"})

    assert [(a["number"], a["amount"]) for a in by_policy["allocations"]] == [
        (older.number, "60.00"),
        (newer.number, "90.00"),
    ]
    assert by_policy["unapplied"] == "0.00"
    assert [(a["number"], a["amount"]) for a in found_first["allocations"]] == [
        (newer.number, "140.00"),
        (older.number, "10.00"),
    ]
    assert [a["amount"] for a in overpaid["allocations"]] == ["60.00", "140.00"]
    assert overpaid["unapplied"] == "800.01"
    assert bad.status_code == 400
    assert (
        bad.json()["message"] == '"12,34" uses a comma as the decimal mark; write it with a point.'
    )


# --- saving the batch ---------------------------------------------------------------------------


def test_saving_two_payments_posts_them_with_their_applications_to_the_cent(
    client, city, cashier, deposit
):
    ada = customer(city.clerk, "Ada Hollis")
    ada_old = invoice(city, ada, "60.00", on=date(2026, 1, 5))
    ada_new = invoice(city, ada, "140.00", on=date(2026, 2, 5))
    ben = customer(city.clerk, "Ben Ortiz")
    ben_invoice = invoice(city, ben, "80.00")
    client.force_login(cashier)

    response = post_rows(
        client,
        deposit,
        [
            {
                "row": 1,
                "customer": ada.pk,
                "payer": "Ada Hollis",
                "check_number": "1042",
                "method": "check",
                "amount": "150.00",
                "allocations": [
                    {"item": ada_old.pk, "amount": "10.00"},
                    {"item": ada_new.pk, "amount": "140.00"},
                ],
            },
            {"row": 2, "customer": "", "customer_text": "", "amount": ""},  # empty: ignored
            {
                "row": 3,
                "customer": ben.pk,
                "check_number": "877",
                "method": "check",
                "amount": "100.00",
                "allocations": [{"item": ben_invoice.pk, "amount": "80.00"}],
            },
        ],
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["saved"] == 2 and body["total"] == "250.00"
    assert body["redirect"] == entry_url(deposit)
    first, second = Payment.objects.filter(deposit=deposit).order_by("id")
    assert (first.customer, first.amount, first.check_number, first.payer) == (
        ada,
        Decimal("150.00"),
        "1042",
        "Ada Hollis",
    )
    assert (second.customer, second.amount, second.method) == (ben, Decimal("100.00"), "check")
    applied = sorted(
        (a.credit_item.number, a.debit_item.number, a.amount)
        for a in Application.objects.select_related("credit_item", "debit_item")
    )
    assert applied == sorted(
        [
            (first.number, ada_old.number, Decimal("10.00")),
            (first.number, ada_new.number, Decimal("140.00")),
            (second.number, ben_invoice.number, Decimal("80.00")),
        ]
    )
    assert refresh(ada_old, ada_new, ben_invoice) == [
        Decimal("50.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    ]
    first.item.refresh_from_db()
    second.item.refresh_from_db()
    assert (first.unapplied, second.unapplied) == (Decimal("0.00"), Decimal("20.00"))
    assert [p["unapplied"] for p in body["payments"]] == ["0.00", "20.00"]


def test_a_row_without_allocations_is_applied_by_the_policy_and_a_payer_alone_is_unidentified(
    client, city, cashier, deposit
):
    who = customer(city.clerk)
    older = invoice(city, who, "30.00", on=date(2026, 1, 5))
    newer = invoice(city, who, "50.00", on=date(2026, 2, 5))
    client.force_login(cashier)

    response = post_rows(
        client,
        deposit,
        [
            {"row": 1, "customer_text": who.number, "method": "money_order", "amount": "45.00"},
            {"row": 2, "payer": "R. Lopez", "check_number": "5", "amount": "12.50"},
        ],
    )

    assert response.status_code == 200, response.content
    assert refresh(older, newer) == [Decimal("0.00"), Decimal("35.00")]
    known, unknown = Payment.objects.filter(deposit=deposit).order_by("id")
    assert (known.customer, known.method) == (who, "money_order")
    assert (unknown.status, unknown.payer, unknown.amount) == (
        "unidentified",
        "R. Lopez",
        Decimal("12.50"),
    )


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (
            {"amount": "12,34"},
            "amount",
            'Row 2, amount: "12,34" uses a comma as the decimal mark; write it with a point.',
        ),
        ({"amount": "0.00"}, "amount", "Row 2, amount: the amount must be more than zero."),
        (
            {"customer": "", "customer_text": "Nobody Atall"},
            "customer",
            "Row 2, customer: no customer or open invoice matches \u201cNobody Atall\u201d; "
            "type a customer number, name or invoice number.",
        ),
        (
            {"customer": "999999"},
            "customer",
            "Row 2, customer: there is no such customer.",
        ),
        (
            {"method": "bitcoin"},
            "method",
            "Row 2, method: \u201cbitcoin\u201d is not a payment method; choose check, cash, "
            "money order, card, ACH or wire.",
        ),
    ],
    ids=["comma-decimal", "zero", "unknown-text", "unknown-id", "method"],
)
def test_a_bad_row_is_named_with_its_field_and_nothing_is_saved(
    client, city, cashier, deposit, row, field, message
):
    who = customer(city.clerk)
    owed = invoice(city, who, "50.00")
    client.force_login(cashier)
    good = {"row": 1, "customer": who.pk, "method": "check", "amount": "50.00"}
    bad = {"row": 2, "customer": who.pk, "method": "check", "amount": "5.00", **row}

    response = post_rows(client, deposit, [good, bad])

    assert response.status_code == 400
    body = response.json()
    assert body["message"] == message
    assert body["errors"] == [{"row": 2, "field": field, "message": message}]
    assert not Payment.objects.exists()
    assert refresh(owed) == [Decimal("50.00")]


def test_a_check_from_a_cash_only_customer_is_refused_and_nothing_is_saved(
    client, city, cashier, deposit
):
    fine = customer(city.clerk)
    returned = customer(city.clerk, "Ray Bounced", cash_only=True)
    client.force_login(cashier)

    response = post_rows(
        client,
        deposit,
        [
            {"row": 1, "customer": fine.pk, "method": "check", "amount": "10.00"},
            {"row": 2, "customer": returned.pk, "method": "check", "amount": "20.00"},
        ],
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "row": 2,
            "field": "method",
            "message": f"Row 2, method: {returned.name} is on cash only (a check of theirs was "
            "returned), so a check cannot be taken; take cash, a money order, a card or a wire.",
        }
    ]
    assert not Payment.objects.exists()


def test_applying_more_than_an_invoice_owes_across_two_rows_names_the_second_row(
    client, city, cashier, deposit
):
    who = customer(city.clerk)
    owed = invoice(city, who, "100.00")
    client.force_login(cashier)
    rows = [
        {
            "row": n,
            "customer": who.pk,
            "method": "check",
            "amount": "60.00",
            "allocations": [{"item": owed.pk, "amount": "60.00"}],
        }
        for n in (1, 2)
    ]

    response = post_rows(client, deposit, rows)

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "row": 2,
            "field": "allocations",
            "item": owed.pk,
            "message": f"Row 2, {owed.number}: it owes only $40.00 after the rows above.",
        }
    ]
    assert not Payment.objects.exists()


def test_applying_more_than_the_payment_is_refused(client, city, cashier, deposit):
    who = customer(city.clerk)
    first, second = invoice(city, who, "30.00"), invoice(city, who, "30.00")
    client.force_login(cashier)

    response = post_rows(
        client,
        deposit,
        [
            {
                "row": 1,
                "customer": who.pk,
                "amount": "50.00",
                "allocations": [
                    {"item": first.pk, "amount": "30.00"},
                    {"item": second.pk, "amount": "30.00"},
                ],
            }
        ],
    )

    assert response.status_code == 400
    assert response.json()["message"] == (
        "Row 1: the amounts applied add up to $60.00, more than the payment of $50.00."
    )
    assert not Payment.objects.exists()


def test_another_customers_invoice_cannot_be_applied(client, city, cashier, deposit):
    who, stranger = customer(city.clerk), customer(city.clerk)
    theirs = invoice(city, stranger, "30.00")
    client.force_login(cashier)

    response = post_rows(
        client,
        deposit,
        [
            {
                "row": 1,
                "customer": who.pk,
                "amount": "30.00",
                "allocations": [{"item": theirs.pk, "amount": "30.00"}],
            }
        ],
    )

    assert response.status_code == 400
    assert response.json()["message"] == "Row 1: that item is not open for this customer."
    assert not Payment.objects.exists()


def test_a_closed_deposit_takes_no_more_payments(client, city, cashier):
    deposit = cash.open_deposit(department=city.parks, on=DAY, by=cashier)
    who = customer(city.clerk)
    cash.record_payment(
        deposit, PaymentInput(Decimal("5.00"), "cash", DAY, customer=who), by=cashier
    )
    cash.close_deposit(deposit, by=cashier)
    client.force_login(cashier)

    page = client.get(entry_url(deposit), follow=True)
    response = post_rows(
        client, deposit, [{"row": 1, "customer": who.pk, "method": "cash", "amount": "7.00"}]
    )

    assert page.redirect_chain[0][0] == deposit.get_absolute_url()
    message = f"Deposit {deposit.number} is closed: payments go into an open deposit."
    assert message in page.content.decode()
    assert response.status_code == 400
    assert response.json()["message"] == message
    assert Payment.objects.filter(deposit=deposit).count() == 1


# --- the page -----------------------------------------------------------------------------------


def test_the_grid_shows_the_control_totals_and_what_the_deposit_already_holds(
    client, city, cashier, deposit
):
    who = customer(city.clerk)
    cash.record_payment(
        deposit, PaymentInput(Decimal("100.00"), "check", DAY, customer=who), by=cashier
    )
    client.force_login(cashier)

    page = client.get(entry_url(deposit)).content.decode()

    assert 'id="control-count">3<' in page
    assert 'id="control-total">425.00<' in page
    assert 'id="entered-count">1<' in page and 'id="entered-total">100.00<' in page
    assert 'id="difference-count" class="bad">-2<' in page
    assert 'id="difference-total" class="bad">-325.00<' in page
    assert 'name="rows-0-customer_text"' in page and "autofocus" in page
    assert "fiscus/entry.js" in page
    config = json.loads(page.split('id="entry-config" type="application/json">')[1].split("<")[0])
    assert config["saved_count"] == 1 and config["saved_total"] == "100.00"
    assert config["control_total"] == "425.00" and config["lookup"] == reverse("cash:lookup")


def test_without_javascript_the_form_saves_a_row_found_by_invoice_number(
    client, city, cashier, deposit
):
    who = customer(city.clerk)
    older = invoice(city, who, "20.00", on=date(2026, 1, 5))
    owed = invoice(city, who, "75.00", on=date(2026, 2, 5))
    client.force_login(cashier)

    response = client.post(
        entry_url(deposit),
        {
            "rows-0-customer_text": owed.number,
            "rows-0-customer": "",
            "rows-0-payer": "",
            "rows-0-check_number": "3001",
            "rows-0-method": "check",
            "rows-0-amount": "75.00",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == entry_url(deposit)
    assert f"Saved 1 payment for $75.00 into deposit {deposit.number}." in (
        response.content.decode()
    )
    payment = Payment.objects.get(deposit=deposit)
    assert (payment.customer, payment.check_number) == (who, "3001")
    # applied by the policy (oldest first): typing an invoice number in the plain form names the
    # customer; with the script the found invoice is paid first
    assert refresh(older, owed) == [Decimal("0.00"), Decimal("20.00")]


def test_without_javascript_a_bad_row_comes_back_with_its_error(client, city, cashier, deposit):
    client.force_login(cashier)

    response = client.post(
        entry_url(deposit),
        {"rows-0-customer_text": "C999999", "rows-0-method": "check", "rows-0-amount": "1.00"},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved." in page
    assert "Row 1, customer: no customer or open invoice matches" in page
    assert 'value="C999999"' in page and 'aria-invalid="true"' in page
    assert not Payment.objects.exists()


# --- who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["cashier", "technician", "supervisor"])
def test_the_cash_roles_get_the_grid_and_its_helpers(client, deposit, persona, request):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(entry_url(deposit)).status_code == 200
    assert client.get(reverse("cash:lookup"), {"q": "x"}).status_code == 200
    assert client.get(reverse("cash:allocate")).status_code == 200


@pytest.mark.parametrize("persona", ["auditor", "biller_parks", "collections_officer", "outsider"])
def test_other_roles_are_refused(client, city, deposit, persona, request):
    who = customer(city.clerk)
    client.force_login(request.getfixturevalue(persona))

    assert client.get(entry_url(deposit)).status_code == 403
    assert post_rows(client, deposit, [{"customer": who.pk, "amount": "1.00"}]).status_code == 403
    assert client.get(reverse("cash:lookup"), {"q": who.number}).status_code == 403
    assert client.get(reverse("cash:allocate"), {"customer": who.pk}).status_code == 403
    assert not Payment.objects.exists()

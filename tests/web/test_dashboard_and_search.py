"""The dashboard of today's work and the search box in the header."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.test import Client

from fiscus.customers.services import update_customer
from tests.factories import customer, invoice, make_user, payment


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_dashboard_shows_the_receivables_tying_to_ar_control(city, technician):
    who = customer(city.clerk, "Grace Hopper")
    invoice(city, who, "300.00")
    payment(city, who, "120.00")
    response = _client(technician).get("/")
    assert response.status_code == 200
    tie = response.context["tie"]
    # the unapplied payment is a credit on the account: 300.00 owed less 120.00 paid
    assert (tie.gl, tie.subledger, tie.ties) == (Decimal("180.00"), Decimal("180.00"), True)
    body = response.content.decode()
    assert "$180.00" in body and "Ties to the receivable ledger" in body


def test_the_dashboard_lists_customers_flagged_for_review(city, technician):
    flagged = customer(city.clerk, "Flagged Person")
    update_customer(flagged, by=city.clerk, changes={"needs_review": True})
    customer(city.clerk, "Quiet Person")
    response = _client(technician).get("/")
    assert [c.pk for c in response.context["review"]] == [flagged.pk]
    assert response.context["review_count"] == 1


def test_search_by_phone_finds_the_customer_and_goes_straight_to_the_account(city, technician):
    who = customer(city.clerk, "Katherine Johnson", phone="(530) 555-0199")
    customer(city.clerk, "Someone Else", phone="(530) 555-0100")
    response = _client(technician).get("/search/", {"q": "555-0199"})
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{who.number}/"


def test_search_by_document_number_opens_the_item_on_its_customers_account(city, technician):
    who = customer(city.clerk, "Dorothy Vaughan")
    item = invoice(city, who, "45.00")
    response = _client(technician).get("/search/", {"q": item.number.lower()})
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{who.number}/#item-{item.number}"


def test_search_lists_every_match_when_there_are_several(city, technician):
    customer(city.clerk, "Riverbend Bakery", email="a@bakery.example")
    customer(city.clerk, "Riverbend Bakery Two", email="b@bakery.example")
    response = _client(technician).get("/search/", {"q": "bakery"})
    assert response.status_code == 200
    assert len(response.context["customers"]) == 2


def test_a_biller_finds_only_customers_of_their_departments(city):
    parks = customer(city.clerk, "Parks Customer", department=city.parks)
    works = customer(city.clerk, "Works Customer", department=city.works)
    invoice(city, works, "10.00", department=city.works)
    biller = make_user("department biller", departments=[city.parks])
    response = _client(biller).get("/search/", {"q": "Customer"})
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{parks.number}/"


def test_search_escapes_what_was_typed(city, technician):
    response = _client(technician).get("/search/", {"q": "<script>alert(1)</script>"})
    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;" in response.content


def test_the_dashboard_counts_invoices_to_review_and_shows_a_biller_what_came_back(city):
    from decimal import Decimal as D

    from fiscus.billing.models import ChargeCode
    from fiscus.billing.services import LineInput, create_invoice, return_invoice, submit_invoice
    from fiscus.organization.models import Account

    code = ChargeCode.objects.create(
        code="FIELD",
        description="Field rental",
        department=city.parks,
        revenue_account=Account.objects.get(role="revenue"),
        unit_price=D("40.00"),
    )
    biller = make_user("department biller", departments=[city.parks])
    who = customer(city.clerk, "League")
    first, second = (
        submit_invoice(
            create_invoice(
                by=biller,
                customer=who,
                department=city.parks,
                invoice_date=date(2026, 3, 2),
                lines=[LineInput(code, D("1"))],
            ),
            by=biller,
        )
        for _ in range(2)
    )
    return_invoice(second, by=city.clerk, comment="Which field?")
    technician = make_user("technician")
    assert _client(technician).get("/").context["to_review"] == 1
    page = _client(biller).get("/")
    assert [inv.pk for inv in page.context["returned"]] == [second.pk]
    assert "Which field?" in page.content.decode()

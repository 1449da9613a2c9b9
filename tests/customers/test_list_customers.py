from decimal import Decimal

import pytest

from fiscus.customers.services import create_customer, update_customer
from tests.factories import customer, invoice, payment


@pytest.fixture
def town(city, technician):
    """Four customers with different types, flags, balances and contact details."""
    alice = create_customer(
        by=technician,
        fields={"name": "Alice Baker", "phone": "(555) 201-4477", "email": "alice@example.org"},
        address={"line1": "12 Oak Street", "city": "Springfield", "postal_code": "90210"},
    )
    acme = customer(technician, "Acme Paving", type="business", department=city.works)
    school = customer(technician, "Lincoln Unified", type="school_district")
    review = customer(technician, "Riley Review")
    update_customer(review, by=technician, changes={"needs_review": True})
    invoice(city, alice, "120.00")
    invoice(city, acme, "2500.00", department=city.works)
    invoice(city, school, "80.25")
    payment(city, school, "100.00")
    return {"alice": alice, "acme": acme, "school": school, "review": review}


def names(response):
    return [row.record.name for row in response.context["table"].paginated_rows]


def test_every_customer_is_listed_with_its_open_balance(town, technician, client_for):
    response = client_for(technician).get("/customers/")
    assert response.status_code == 200
    balances = {r.record.number: r.record.balance for r in response.context["table"].rows}
    assert balances[town["alice"].number] == Decimal("120.00")
    assert balances[town["acme"].number] == Decimal("2500.00")
    assert balances[town["school"].number] == Decimal("-19.75")
    assert balances[town["review"].number] == Decimal("0.00")
    assert "$2,500.00" in response.content.decode()


def test_the_type_filter_shows_only_that_type(town, technician, client_for):
    response = client_for(technician).get("/customers/?type=business")
    assert names(response) == [town["acme"].name]


def test_flag_needs_review_shows_the_flagged_customers(town, technician, client_for):
    response = client_for(technician).get("/customers/?flag=needs_review")
    assert names(response) == [town["review"].name]


def test_the_balance_range_keeps_customers_owing_between_the_two_amounts(
    town, technician, client_for
):
    response = client_for(technician).get("/customers/?balance_min=100&balance_max=1000")
    assert names(response) == [town["alice"].name]
    credits = client_for(technician).get("/customers/?balance_max=-0.01")
    assert names(credits) == [town["school"].name]


@pytest.mark.parametrize("text", ["201-4477", "alice@example", "12 oak street", "90210"])
def test_search_finds_a_customer_by_phone_email_or_address(town, technician, client_for, text):
    response = client_for(technician).get("/customers/", {"q": text})
    assert names(response) == ["Alice Baker"]


def test_search_does_not_multiply_the_balance(town, technician, client_for):
    response = client_for(technician).get("/customers/", {"q": "Alice"})
    assert [r.record.balance for r in response.context["table"].rows] == [Decimal("120.00")]


def test_an_htmx_request_gets_only_the_rows(town, technician, client_for):
    response = client_for(technician).get("/customers/?type=business", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Acme Paving" in html and "<html" not in html and "<form" not in html
    assert "HX-Request" in response["Vary"]


def test_a_biller_sees_only_the_customers_of_their_department(town, biller_parks, client_for):
    response = client_for(biller_parks).get("/customers/")
    shown = set(names(response))
    assert "Alice Baker" in shown and town["acme"].name not in shown


def test_someone_without_a_role_may_not_list_customers(town, outsider, client_for):
    assert client_for(outsider).get("/customers/").status_code == 403

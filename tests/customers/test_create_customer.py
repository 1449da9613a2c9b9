from decimal import Decimal

from fiscus.customers.models import Customer

FORM = {
    "name": "Morgan Field",
    "type": "person",
    "department": "",
    "email": "morgan@example.org",
    "phone": "555-0199",
    "terms": "net30",
    "credit_limit": "1,500.00",
    "statement_cycle": "monthly",
    "tax_id": "",
    "line1": "400 Elm Avenue",
    "line2": "",
    "city": "Springfield",
    "state": "CA",
    "postal_code": "90211",
    "contact_name": "Morgan Field",
    "contact_title": "",
    "contact_phone": "555-0199",
    "contact_email": "",
}


def test_a_technician_creates_a_customer_with_an_assigned_number(technician, client_for):
    response = client_for(technician).post("/customers/new/", FORM)
    first = Customer.objects.get()
    assert first.number == "C000001"
    assert response.status_code == 302 and response["Location"] == "/customers/C000001/"
    assert first.credit_limit == Decimal("1500.00")
    assert str(first.addresses.get()) == "400 Elm Avenue, Springfield, CA 90211"
    assert first.contacts.get().name == "Morgan Field"
    client_for(technician).post(
        "/customers/new/", {**FORM, "name": "Second", "line1": "", "city": "", "postal_code": ""}
    )
    assert Customer.objects.get(name="Second").number == "C000002"


def test_a_likely_duplicate_is_shown_and_nothing_is_saved_until_confirmed(technician, client_for):
    client = client_for(technician)
    client.post("/customers/new/", FORM)
    again = client.post("/customers/new/", {**FORM, "name": "morgan field"})
    html = again.content.decode()
    assert again.status_code == 200
    assert "This looks like a customer we already have" in html
    assert 'href="/customers/C000001/"' in html and "Create anyway" in html
    assert Customer.objects.count() == 1

    confirmed = client.post("/customers/new/", {**FORM, "confirm_duplicate": "on"})
    assert confirmed.status_code == 302
    assert Customer.objects.count() == 2


def test_the_same_tax_id_is_a_likely_duplicate(technician, client_for):
    client = client_for(technician)
    client.post("/customers/new/", {**FORM, "tax_id": "123456789"})
    again = client.post(
        "/customers/new/",
        {
            **FORM,
            "name": "Other Name",
            "line1": "",
            "city": "",
            "postal_code": "",
            "tax_id": "123-45-6789",
        },
    )
    assert "This looks like a customer we already have" in again.content.decode()
    assert Customer.objects.count() == 1


def test_errors_are_shown_beside_their_fields(technician, client_for):
    response = client_for(technician).post(
        "/customers/new/", {**FORM, "name": "", "credit_limit": "12.345", "tax_id": "12345"}
    )
    form = response.context["form"]
    assert form.errors["name"] == ["This field is required."]
    assert form.errors["credit_limit"] == ['"12.345" has more than two decimal places.']
    assert form.errors["tax_id"] == ["A tax id (SSN, ITIN or EIN) has nine digits."]
    assert Customer.objects.count() == 0


def test_the_form_focuses_its_first_field(technician, client_for):
    html = client_for(technician).get("/customers/new/").content.decode()
    assert 'name="name"' in html and "autofocus" in html


def test_a_cashier_and_a_biller_may_not_create_customers(cashier, biller_parks, client_for):
    assert client_for(cashier).get("/customers/new/").status_code == 403
    assert client_for(biller_parks).post("/customers/new/", FORM).status_code == 403
    assert Customer.objects.count() == 0

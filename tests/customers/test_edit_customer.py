from decimal import Decimal

from fiscus.audit.models import AuditEvent
from fiscus.customers import crypto
from fiscus.customers.models import Customer
from fiscus.customers.services import create_customer


def make(by, **fields):
    return create_customer(
        by=by,
        fields={"name": "Jordan Edit", "email": "jordan@example.org", **fields},
        tax_id="987654321",
    )


def form_of(customer, **changes):
    data = {
        "name": customer.name,
        "type": customer.type,
        "department": customer.department_id or "",
        "email": customer.email,
        "phone": customer.phone,
        "terms": customer.terms,
        "credit_limit": customer.credit_limit or "",
        "statement_cycle": customer.statement_cycle,
        "tax_id": "",
        "active": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not False}


def test_an_edit_changes_the_customer_and_keeps_history(technician, client_for):
    who = make(technician)
    response = client_for(technician).post(
        f"/customers/{who.number}/edit/",
        form_of(who, phone="555-0123", credit_limit="250.00", on_hold="on"),
    )
    assert response.status_code == 302
    who.refresh_from_db()
    assert (who.phone, who.credit_limit, who.on_hold) == ("555-0123", Decimal("250.00"), True)
    latest, before = who.history.order_by("-history_date", "-history_id")[:2]
    changed = {c.field for c in latest.diff_against(before).changes}
    assert changed == {"phone", "credit_limit", "on_hold"}
    assert latest.history_user == technician
    assert AuditEvent.objects.filter(action="customer.updated").count() == 1


def test_a_blank_tax_id_leaves_the_tax_id_unchanged(technician, client_for):
    who = make(technician)
    client_for(technician).post(f"/customers/{who.number}/edit/", form_of(who, name="Jordan E."))
    who.refresh_from_db()
    assert crypto.decrypt(who.tax_id_encrypted) == "987654321"
    client_for(technician).post(
        f"/customers/{who.number}/edit/", form_of(who, tax_id="111-22-3333")
    )
    who.refresh_from_db()
    assert who.tax_id_last4 == "3333"


def test_an_address_and_a_contact_are_added(technician, client_for):
    who = make(technician)
    client = client_for(technician)
    response = client.post(
        f"/customers/{who.number}/addresses/",
        {
            "address-kind": "service",
            "address-line1": "9 Pine Road",
            "address-city": "Shelbyville",
            "address-state": "ca",
            "address-postal_code": "90300",
        },
    )
    assert response.status_code == 302
    assert str(who.addresses.get()) == "9 Pine Road, Shelbyville, CA 90300"
    client.post(
        f"/customers/{who.number}/contacts/",
        {"contact-name": "Pat Partner", "contact-phone": "555-0111"},
    )
    assert who.contacts.get().phone == "555-0111"


def test_an_address_without_a_city_is_refused_beside_the_field(technician, client_for):
    who = make(technician)
    response = client_for(technician).post(
        f"/customers/{who.number}/addresses/",
        {"address-kind": "billing", "address-line1": "9 Pine Road", "address-postal_code": "90300"},
    )
    assert response.context["address_form"].errors["city"] == ["This field is required."]
    assert who.addresses.count() == 0


def test_a_note_is_added_and_shown_newest_first(technician, client_for):
    who = make(technician)
    client = client_for(technician)
    client.post(f"/customers/{who.number}/notes/", {"text": "Called, left a message."})
    client.post(f"/customers/{who.number}/notes/", {"text": "Promised to pay Friday."})
    html = client.get(f"/customers/{who.number}/").content.decode()
    assert html.index("Promised to pay Friday.") < html.index("Called, left a message.")
    empty = client.post(f"/customers/{who.number}/notes/", {"text": "  "})
    assert empty.context["note_form"].errors["text"] == ["The note is empty."]


def test_a_cashier_may_not_edit_a_customer(technician, cashier, client_for):
    who = make(technician)
    client = client_for(cashier)
    assert client.get(f"/customers/{who.number}/edit/").status_code == 403
    assert client.post(f"/customers/{who.number}/edit/", form_of(who, name="X")).status_code == 403
    assert client.post(f"/customers/{who.number}/notes/", {"text": "hi"}).status_code == 403
    assert client.post(f"/customers/{who.number}/addresses/", {}).status_code == 403
    assert client.post(f"/customers/{who.number}/contacts/", {}).status_code == 403
    assert Customer.objects.get(pk=who.pk).name == "Jordan Edit"

"""create_customer: numbered, tax id encrypted at rest, and a warning before a likely duplicate."""

import pytest

from fiscus.audit.models import AuditEvent
from fiscus.customers import crypto
from fiscus.customers.models import Customer
from fiscus.customers.services import CustomerError, LikelyDuplicate, create_customer

HOME = {"line1": "12 Oak Street", "city": "Riverton", "state": "CA", "postal_code": "95000"}


def test_customers_are_numbered_in_order(technician):
    first = create_customer(by=technician, fields={"name": "Maria Lopez"})
    second = create_customer(by=technician, fields={"name": "Lee Chen"})
    assert (first.number, second.number) == ("C000001", "C000002")
    event = AuditEvent.objects.get(action="customer.created", object_id=str(first.pk))
    assert (event.actor, event.detail) == (technician, {"duplicate_confirmed": False})


def test_the_tax_id_is_stored_encrypted_and_shown_masked(technician):
    saved = create_customer(by=technician, fields={"name": "Maria Lopez"}, tax_id="123-45-6789")
    stored = Customer.objects.get(pk=saved.pk)
    assert "123456789" not in stored.tax_id_encrypted
    assert "6789" not in stored.tax_id_encrypted
    assert crypto.decrypt(stored.tax_id_encrypted) == "123456789"
    assert stored.tax_id_last4 == "6789"
    assert stored.tax_id_masked == "•••-••-6789"
    assert stored.tax_id_digest == crypto.digest("123456789") != ""


def test_a_tax_id_that_is_not_nine_digits_is_refused(technician):
    with pytest.raises(CustomerError) as refused:
        create_customer(by=technician, fields={"name": "Maria Lopez"}, tax_id="12-345")
    assert refused.value.message == "A tax id (SSN, ITIN or EIN) has nine digits."
    assert Customer.objects.count() == 0


def test_a_customer_needs_a_name(technician):
    with pytest.raises(CustomerError) as refused:
        create_customer(by=technician, fields={"name": "  "})
    assert refused.value.message == "Give the customer a name."


def test_the_same_tax_id_is_a_likely_duplicate_and_nothing_is_saved(technician):
    first = create_customer(by=technician, fields={"name": "Maria Lopez"}, tax_id="123456789")
    with pytest.raises(LikelyDuplicate) as warned:
        create_customer(by=technician, fields={"name": "M. Lopez"}, tax_id="123-45-6789")
    assert (
        warned.value.message == "This looks like a customer we already have: C000001 Maria Lopez."
    )
    assert warned.value.matches == [first]
    assert Customer.objects.count() == 1


def test_the_same_name_at_the_same_address_is_a_likely_duplicate(technician):
    create_customer(by=technician, fields={"name": "Maria Lopez"}, address=HOME)
    with pytest.raises(LikelyDuplicate):
        create_customer(
            by=technician,
            fields={"name": "maria lopez"},
            address={**HOME, "line1": "12 oak street."},
        )
    other_street = create_customer(
        by=technician, fields={"name": "Maria Lopez"}, address={**HOME, "line1": "40 Elm Street"}
    )
    assert other_street.number == "C000002"


def test_a_confirmed_duplicate_is_saved_and_the_confirmation_audited(technician):
    create_customer(by=technician, fields={"name": "Maria Lopez"}, tax_id="123456789")
    second = create_customer(
        by=technician,
        fields={"name": "Maria Lopez"},
        tax_id="123456789",
        address=HOME,
        contact={"name": "Maria", "phone": "555-0100"},
        confirm_duplicate=True,
    )
    assert second.number == "C000002"
    assert [str(a) for a in second.addresses.all()] == ["12 Oak Street, Riverton, CA 95000"]
    assert [c.name for c in second.contacts.all()] == ["Maria"]
    event = AuditEvent.objects.get(action="customer.created", object_id=str(second.pk))
    assert event.detail == {"duplicate_confirmed": True}

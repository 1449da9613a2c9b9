"""Drafts, submission and return: what each move allows, what it refuses and what it records."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fiscus.audit.models import AuditEvent
from fiscus.billing.models import Invoice, PaymentTerms
from fiscus.billing.services import (
    InvoiceError,
    LineInput,
    create_invoice,
    delete_draft,
    return_invoice,
    submit_invoice,
    submit_invoices,
    update_invoice,
)
from fiscus.errors import PermissionDenied
from tests.billing.factories_invoices import codes, draft, posted, submitted
from tests.factories import customer

pytestmark = pytest.mark.django_db


def test_a_draft_takes_the_customers_terms_and_its_due_date_from_them(city):
    c = codes(city)
    who = customer(city.clerk, terms="net10")

    invoice = draft(city, who, [(c.pavilion, "1.5"), (c.lights, "1", "40.00")])

    assert (invoice.status, invoice.number) == ("draft", None)
    assert invoice.terms.code == "net10"
    assert invoice.due_date == date(2026, 3, 12)
    lines = [(ln.amount, ln.tax_amount, ln.unit_price) for ln in invoice.lines.all()]
    assert lines == [
        (Decimal("375.00"), Decimal("27.19"), Decimal("250.00")),
        (Decimal("40.00"), Decimal("0.00"), Decimal("40.00")),
    ]
    assert (invoice.total, invoice.tax_total) == (Decimal("442.19"), Decimal("27.19"))
    assert AuditEvent.objects.filter(action="invoice.created", object_id=str(invoice.pk)).exists()


def test_given_terms_and_due_date_win(city):
    c = codes(city)
    invoice = draft(
        city,
        customer(city.clerk),
        [(c.lights, "1")],
        terms=PaymentTerms.objects.get(code="net60"),
        due_date=date(2026, 4, 15),
    )

    assert (invoice.terms.code, invoice.due_date) == ("net60", date(2026, 4, 15))


def test_a_charge_code_of_another_department_is_refused(city):
    c = codes(city)

    with pytest.raises(InvoiceError) as refused:
        create_invoice(
            by=city.clerk,
            customer=customer(city.clerk),
            department=city.parks,
            invoice_date=date(2026, 3, 2),
            lines=[LineInput(c.sewer, Decimal("1"))],
        )

    assert refused.value.message == (
        "Line 1: charge code PW-SEWER belongs to another department, not PRK."
    )
    assert Invoice.objects.count() == 0


def test_a_taxed_code_without_a_tax_account_is_refused(city):
    c = codes(city)
    c.lights.tax_rate = Decimal("0.050000")
    c.lights.save()

    with pytest.raises(InvoiceError) as refused:
        draft(city, customer(city.clerk), [(c.lights, "1")])

    assert refused.value.message == (
        "Line 1: charge code PRK-LIGHTS is taxed but has no tax account; a supervisor must set one."
    )


def test_a_biller_may_not_bill_another_department(city, biller_parks):
    c = codes(city)

    with pytest.raises(PermissionDenied) as refused:
        draft(city, customer(city.clerk), [(c.sewer, "1")], by=biller_parks)

    assert refused.value.message == "You may not bill for department PW."


def test_submitting_records_who_and_when_and_refuses_a_second_time(city, biller_parks):
    c = codes(city)
    invoice = draft(city, customer(city.clerk), [(c.lights, "1")], by=biller_parks)

    invoice = submit_invoice(invoice, by=biller_parks)

    assert (invoice.status, invoice.submitted_by) == ("submitted", biller_parks)
    with pytest.raises(InvoiceError) as refused:
        submit_invoice(invoice, by=biller_parks)
    assert refused.value.message == (
        f"Invoice #{invoice.pk} is submitted; only a draft or returned invoice can be submitted."
    )


def test_returning_needs_a_comment_and_shows_it_to_the_biller(city, technician):
    c = codes(city)
    invoice = submitted(city, customer(city.clerk), [(c.lights, "1")])

    with pytest.raises(InvoiceError) as refused:
        return_invoice(invoice, by=technician, comment="  ")
    assert refused.value.message == "Say why the invoice goes back, so the biller can fix it."

    invoice = return_invoice(invoice, by=technician, comment="Wrong customer; use C000002.")

    assert (invoice.status, invoice.return_comment) == ("returned", "Wrong customer; use C000002.")
    last = invoice.status_changes.last()
    assert (last.old, last.new, last.why) == (
        "submitted",
        "returned",
        "Wrong customer; use C000002.",
    )


def test_returning_a_draft_is_refused_naming_its_status(city, technician):
    c = codes(city)
    invoice = draft(city, customer(city.clerk), [(c.lights, "1")])

    with pytest.raises(InvoiceError) as refused:
        return_invoice(invoice, by=technician, comment="No")

    assert refused.value.message == (
        f"Invoice #{invoice.pk} is draft; only a submitted invoice can be returned."
    )


def test_a_returned_invoice_is_edited_and_submitted_again(city, technician):
    c = codes(city)
    invoice = return_invoice(
        submitted(city, customer(city.clerk), [(c.lights, "1")]), by=technician, comment="3 hours"
    )

    invoice = update_invoice(
        invoice, by=city.clerk, lines=[LineInput(c.lights, Decimal("3"))], reference="PO-9"
    )
    invoice = submit_invoice(invoice, by=city.clerk)

    assert (invoice.total, invoice.reference, invoice.status) == (
        Decimal("135.00"),
        "PO-9",
        "submitted",
    )
    assert invoice.return_comment == ""
    assert [h.new for h in invoice.status_changes.all()] == [
        "draft",
        "submitted",
        "returned",
        "submitted",
    ]


def test_changing_the_invoice_date_moves_the_due_date(city):
    c = codes(city)
    invoice = draft(city, customer(city.clerk), [(c.lights, "1")])

    invoice = update_invoice(invoice, by=city.clerk, invoice_date=date(2026, 3, 10))

    assert invoice.due_date == date(2026, 4, 9)


def test_a_submitted_invoice_cannot_be_edited_or_deleted(city):
    c = codes(city)
    invoice = submitted(city, customer(city.clerk), [(c.lights, "1")])

    with pytest.raises(InvoiceError) as edit:
        update_invoice(invoice, by=city.clerk, reference="X")
    with pytest.raises(InvoiceError) as delete:
        delete_draft(invoice, by=city.clerk)

    assert edit.value.message == (
        f"Invoice #{invoice.pk} is submitted; only a draft or returned invoice can be changed."
    )
    assert delete.value.message == (
        f"Invoice #{invoice.pk} is submitted; only a draft or returned invoice can be deleted."
    )


def test_a_draft_is_deleted_with_an_audit_event(city):
    c = codes(city)
    invoice = draft(city, customer(city.clerk), [(c.lights, "1")])
    pk = invoice.pk

    delete_draft(invoice, by=city.clerk)

    assert not Invoice.objects.filter(pk=pk).exists()
    assert AuditEvent.objects.get(action="invoice.deleted").object_id == str(pk)


def test_a_posted_invoice_is_never_changed(city):
    c = codes(city)
    invoice = posted(city, customer(city.clerk), [(c.lights, "1")])

    with pytest.raises(InvoiceError) as refused:
        update_invoice(invoice, by=city.clerk, reference="X")

    assert refused.value.message == (
        "Invoice INV-2026-000001 is posted; only a draft or returned invoice can be changed."
    )


def test_submitting_many_is_all_or_nothing(city):
    c = codes(city)
    who = customer(city.clerk)
    first = draft(city, who, [(c.lights, "1")])
    second = submitted(city, who, [(c.lights, "2")])

    with pytest.raises(InvoiceError) as refused:
        submit_invoices([first, second], by=city.clerk)

    assert refused.value.message == (
        f"Invoice 2: Invoice #{second.pk} is submitted; only a draft or returned invoice can be "
        "submitted."
    )
    assert Invoice.objects.get(pk=first.pk).status == "draft"

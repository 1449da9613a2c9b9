"""Batches: invoices entered against control totals, submitted only when they match."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fiscus.billing.models import Invoice
from fiscus.billing.services import InvoiceError, create_batch, submit_batch, update_invoice
from tests.billing.factories_invoices import codes, draft
from tests.factories import customer

pytestmark = pytest.mark.django_db


def test_a_batch_that_matches_its_control_totals_submits_every_invoice(city, biller_parks):
    c = codes(city)
    batch = create_batch(
        by=biller_parks, department=city.parks, control_count=2, control_amount=Decimal("180.00")
    )
    who = customer(city.clerk)
    draft(city, who, [(c.lights, "1")], by=biller_parks, batch=batch)
    draft(city, who, [(c.lights, "3")], by=biller_parks, batch=batch)

    submitted = submit_batch(batch, by=biller_parks)

    assert [i.status for i in submitted] == ["submitted", "submitted"]
    batch.refresh_from_db()
    assert batch.submitted_at is not None


def test_a_batch_off_its_control_totals_is_refused_naming_both_differences(city, biller_parks):
    c = codes(city)
    batch = create_batch(
        by=biller_parks, department=city.parks, control_count=3, control_amount=Decimal("200.00")
    )
    who = customer(city.clerk)
    draft(city, who, [(c.lights, "1")], by=biller_parks, batch=batch)
    draft(city, who, [(c.lights, "3")], by=biller_parks, batch=batch)

    with pytest.raises(InvoiceError) as refused:
        submit_batch(batch, by=biller_parks)

    assert refused.value.message == (
        f"Batch {batch.pk} does not match its control totals: it holds 2 invoices for $180.00 "
        "against 3 for $200.00 (count -1, amount -$20.00)."
    )
    assert set(Invoice.objects.values_list("status", flat=True)) == {"draft"}


def test_a_draft_joins_a_batch_of_its_department_only(city, technician):
    c = codes(city)
    batch = create_batch(
        by=technician, department=city.works, control_count=1, control_amount=Decimal("45.00")
    )
    invoice = draft(city, customer(city.clerk), [(c.lights, "1")])

    with pytest.raises(InvoiceError) as refused:
        update_invoice(invoice, by=technician, batch=batch)

    assert refused.value.message == (
        f"Batch {batch.pk} is for another department; an invoice for PRK cannot join it."
    )


def test_a_submitted_batch_is_not_submitted_again(city, technician):
    c = codes(city)
    batch = create_batch(
        by=technician, department=city.parks, control_count=1, control_amount=Decimal("45.00")
    )
    draft(city, customer(city.clerk), [(c.lights, "1")], batch=batch)
    submit_batch(batch, by=technician)

    with pytest.raises(InvoiceError) as refused:
        submit_batch(batch, by=technician)

    assert refused.value.message == f"Batch {batch.pk} was already submitted."


def test_control_totals_must_be_positive(city, technician):
    with pytest.raises(InvoiceError) as refused:
        create_batch(
            by=technician, department=city.parks, control_count=0, control_amount=Decimal("1.00")
        )

    assert refused.value.message == "The control count must be at least 1."

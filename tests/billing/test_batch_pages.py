"""Batch pages: start a batch with control totals, enter invoices into it, see the differences,
submit it when it matches."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from fiscus.billing.models import InvoiceBatch
from fiscus.billing.services import create_batch
from tests.billing.factories_invoices import codes, draft
from tests.factories import customer, make_user

pytestmark = pytest.mark.django_db


def test_a_biller_starts_a_batch(client, city, biller_parks):
    client.force_login(biller_parks)

    response = client.post(
        reverse("billing:batch_new"),
        {
            "department": city.parks.pk,
            "control_count": "2",
            "control_amount": "1,180.00",
            "description": "March rentals",
        },
    )

    batch = InvoiceBatch.objects.get()
    assert response["Location"] == reverse("billing:batch", args=[batch.pk])
    assert (batch.control_count, batch.control_amount) == (2, Decimal("1180.00"))


def test_the_batch_shows_the_differences_and_refuses_to_submit_until_they_are_zero(
    client, city, biller_parks
):
    c = codes(city)
    batch = create_batch(
        by=biller_parks, department=city.parks, control_count=2, control_amount=Decimal("180.00")
    )
    invoice = draft(city, customer(city.clerk), [(c.lights, "1")], by=biller_parks, batch=batch)
    client.force_login(biller_parks)

    page = client.get(reverse("billing:batch", args=[batch.pk])).content.decode()
    refused = client.post(
        reverse("billing:batch", args=[batch.pk]), {"action": "submit"}, follow=True
    )

    assert 'id="count-difference">-1<' in page
    assert 'id="amount-difference">-135.00<' in page
    assert (
        f"Batch {batch.pk} does not match its control totals: it holds 1 invoice for $45.00 "
        "against 2 for $180.00 (count -1, amount -$135.00)."
    ) in refused.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == "draft"


def test_a_draft_is_added_and_the_batch_submitted(client, city, biller_parks):
    c = codes(city)
    who = customer(city.clerk)
    batch = create_batch(
        by=biller_parks, department=city.parks, control_count=2, control_amount=Decimal("180.00")
    )
    draft(city, who, [(c.lights, "1")], by=biller_parks, batch=batch)
    loose = draft(city, who, [(c.lights, "3")], by=biller_parks)
    client.force_login(biller_parks)

    client.post(reverse("billing:batch", args=[batch.pk]), {"action": "add", "invoice": loose.pk})
    response = client.post(
        reverse("billing:batch", args=[batch.pk]), {"action": "submit"}, follow=True
    )

    assert f"Batch {batch.pk} submitted: 2 invoices for review." in response.content.decode()
    assert set(batch.invoices.values_list("status", flat=True)) == {"submitted"}


def test_the_new_invoice_form_enters_into_the_batch(client, city, biller_parks):
    batch = create_batch(
        by=biller_parks, department=city.parks, control_count=1, control_amount=Decimal("45.00")
    )
    client.force_login(biller_parks)

    page = client.get(reverse("billing:invoice_new"), {"batch": batch.pk}).content.decode()

    assert f"Batch {batch.pk}" in page
    assert f'name="batch" value="{batch.pk}"' in page


def test_other_departments_batches_are_hidden_and_auditors_cannot_submit(
    client, city, biller_parks, auditor
):
    batch = create_batch(
        by=biller_parks, department=city.parks, control_count=1, control_amount=Decimal("45.00")
    )
    client.force_login(make_user("department biller", departments=[city.works]))
    assert client.get(reverse("billing:batch", args=[batch.pk])).status_code == 404
    assert client.get(reverse("billing:batches")).status_code == 200

    client.force_login(auditor)
    assert client.get(reverse("billing:batch", args=[batch.pk])).status_code == 200
    assert (
        client.post(reverse("billing:batch", args=[batch.pk]), {"action": "submit"}).status_code
        == 403
    )
    assert client.get(reverse("billing:batch_new")).status_code == 403

"""Invoices to review: every submitted invoice with the checks it fails; clean ones posted in
bulk with one click."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from fiscus.billing.models import Invoice
from fiscus.ledger.models import JournalEntry
from tests.billing.factories_invoices import codes, draft, submitted
from tests.factories import customer, make_user

pytestmark = pytest.mark.django_db


def test_the_queue_shows_each_submitted_invoice_with_its_failed_checks(client, city, technician):
    c = codes(city)
    clean = submitted(city, customer(city.clerk), [(c.lights, "1")])
    needs_po = customer(city.clerk, po_required=True)
    flagged = submitted(city, needs_po, [(c.lights, "2")])
    not_yet = draft(city, customer(city.clerk), [(c.lights, "3")])
    client.force_login(technician)

    page = client.get(reverse("billing:review")).content.decode()

    assert f'id="invoice-{clean.pk}"' in page and f'id="invoice-{flagged.pk}"' in page
    assert f'id="invoice-{not_yet.pk}"' not in page
    assert (
        f"Customer {needs_po.number} requires a PO number, and the invoice has no reference."
        in page
    )
    assert f'name="invoices" value="{clean.pk}"' in page
    assert "2 submitted invoices; 1 passes every check." in page


def test_selected_invoices_post_with_one_click(client, city, technician):
    c = codes(city)
    who = customer(city.clerk)
    first = submitted(city, who, [(c.lights, "1")])
    second = submitted(city, who, [(c.lights, "2")])
    left = submitted(city, who, [(c.lights, "3")])
    client.force_login(technician)

    response = client.post(
        reverse("billing:review"), {"invoices": [first.pk, second.pk], "on": ""}, follow=True
    )

    assert "Posted 2 invoices totalling $135.00 (INV-2026-000001 to INV-2026-000002)." in (
        response.content.decode()
    )
    statuses = dict(Invoice.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "posted", second.pk: "posted", left.pk: "submitted"}
    entry = JournalEntry.objects.get()  # one summarized entry for the two
    assert sum(ln.debit for ln in entry.lines.all()) == Decimal("135.00")


def test_one_is_returned_from_the_queue_with_a_comment(client, city, technician):
    c = codes(city)
    invoice = submitted(city, customer(city.clerk), [(c.lights, "1")])
    client.force_login(technician)

    response = client.post(
        reverse("billing:invoice_return", args=[invoice.pk]),
        {"comment": "Wrong rate", "next": reverse("billing:review")},
    )

    assert response["Location"] == reverse("billing:review")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.return_comment) == ("returned", "Wrong rate")


def test_one_is_posted_from_the_queue(client, city, technician):
    c = codes(city)
    invoice = submitted(city, customer(city.clerk), [(c.pavilion, "1")])
    client.force_login(technician)

    response = client.post(
        reverse("billing:invoice_post", args=[invoice.pk]), {"next": reverse("billing:review")}
    )

    assert response["Location"] == reverse("billing:review")
    invoice.refresh_from_db()
    assert (invoice.number, invoice.total) == ("INV-2026-000001", Decimal("268.13"))


def test_only_reviewers_open_the_queue(client, city, cashier, auditor, biller_parks):
    for user in (cashier, auditor, biller_parks):
        client.force_login(user)
        assert client.get(reverse("billing:review")).status_code == 403
    client.force_login(make_user("supervisor"))
    assert client.get(reverse("billing:review")).status_code == 200

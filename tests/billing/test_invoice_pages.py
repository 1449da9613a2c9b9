"""The invoice pages: a biller enters and submits, a technician reviews, returns and posts;
billers stay in their departments, cashiers cannot post, auditors only read."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fiscus.billing.models import Invoice
from fiscus.billing.services import return_invoice
from tests.billing.factories_invoices import codes, draft, posted, submitted
from tests.factories import customer, make_user

pytestmark = pytest.mark.django_db


def new_invoice_data(who, department, lines, **fields):
    data = {
        "customer": who.number,
        "department": department.pk,
        "invoice_date": "2026-03-02",
        "terms": "",
        "due_date": "",
        "reference": "",
        "description": "",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for n, (code, quantity, price) in enumerate(lines):
        data[f"lines-{n}-charge_code"] = str(code.pk)
        data[f"lines-{n}-quantity"] = quantity
        data[f"lines-{n}-unit_price"] = price
    return data


def test_a_biller_enters_an_invoice_and_submits_it(client, city, biller_parks):
    c = codes(city)
    who = customer(city.clerk)
    client.force_login(biller_parks)

    form = client.get(reverse("billing:invoice_new"))
    assert form.status_code == 200
    assert b"PRK-PAVILION" in form.content and b"PW-SEWER" not in form.content

    response = client.post(
        reverse("billing:invoice_new"),
        new_invoice_data(
            who,
            city.parks,
            [(c.pavilion, "2", ""), (c.lights, "1.5", "40.00")],
            reference="PO-55",
            action="submit",
        ),
    )

    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("billing:invoice", args=[invoice.pk])
    assert (invoice.status, invoice.reference, invoice.created_by) == (
        "submitted",
        "PO-55",
        biller_parks,
    )
    assert (invoice.total, invoice.tax_total) == (Decimal("596.25"), Decimal("36.25"))
    page = client.get(response["Location"]).content.decode()
    assert "596.25" in page and "Waiting for review." in page


def test_a_wrong_customer_number_is_named_beside_the_field(client, city, biller_parks):
    c = codes(city)
    client.force_login(biller_parks)
    data = new_invoice_data(customer(city.clerk), city.parks, [(c.lights, "1", "")])
    data["customer"] = "C999999"

    response = client.post(reverse("billing:invoice_new"), data)

    assert response.status_code == 400
    assert "No customer has number C999999; check the number." in response.content.decode()
    assert Invoice.objects.count() == 0


def test_a_biller_may_not_enter_for_another_department(client, city, biller_parks):
    c = codes(city)
    client.force_login(biller_parks)

    response = client.post(
        reverse("billing:invoice_new"),
        new_invoice_data(customer(city.clerk), city.works, [(c.sewer, "1", "")]),
    )

    assert response.status_code == 400
    assert Invoice.objects.count() == 0


def test_editing_keeps_the_lines_not_touched(client, city, technician):
    c = codes(city)
    invoice = draft(city, customer(city.clerk), [(c.lights, "1"), (c.pavilion, "1")])
    client.force_login(technician)
    data = new_invoice_data(
        invoice.customer,
        city.parks,
        [(c.lights, "1", "45.00"), (c.pavilion, "1", "250.00")],
        reference="PO-2",
        action="save",
    )
    data["lines-INITIAL_FORMS"] = "2"

    response = client.post(reverse("billing:invoice_edit", args=[invoice.pk]), data)

    assert response.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.reference, invoice.total, invoice.lines.count()) == (
        "PO-2",
        Decimal("313.13"),
        2,
    )


def test_a_technician_returns_an_invoice_and_the_biller_sees_the_comment(
    client, city, technician, biller_parks
):
    c = codes(city)
    invoice = submitted(city, customer(city.clerk), [(c.lights, "1")], by=biller_parks)
    client.force_login(technician)

    response = client.post(
        reverse("billing:invoice_return", args=[invoice.pk]),
        {"comment": "The PO number is missing."},
    )

    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == "returned"
    client.force_login(biller_parks)
    detail = client.get(reverse("billing:invoice", args=[invoice.pk])).content.decode()
    listing = client.get(reverse("billing:invoices")).content.decode()
    assert "Returned to you:</strong> The PO number is missing." in detail
    assert "The PO number is missing." in listing


def test_a_technician_posts_from_the_invoice_page(client, city, technician):
    c = codes(city)
    invoice = submitted(city, customer(city.clerk), [(c.lights, "2")])
    client.force_login(technician)

    response = client.post(reverse("billing:invoice_post", args=[invoice.pk]), {"on": ""})

    assert response.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.status, invoice.number) == ("posted", "INV-2026-000001")
    page = client.get(response["Location"]).content.decode()
    assert "Invoice INV-2026-000001 posted: $90.00." in page


def test_a_refused_post_shows_the_sentence(client, city, technician):
    c = codes(city)
    invoice = draft(city, customer(city.clerk), [(c.lights, "2")])
    client.force_login(technician)

    response = client.post(
        reverse("billing:invoice_post", args=[invoice.pk]), {"on": ""}, follow=True
    )

    assert (
        f"Invoice #{invoice.pk} is draft; only a submitted invoice can be posted."
        in response.content.decode()
    )


def test_a_cashier_may_not_post_or_submit(client, city, cashier):
    c = codes(city)
    invoice = submitted(city, customer(city.clerk), [(c.lights, "2")])
    client.force_login(cashier)

    assert client.post(reverse("billing:invoice_post", args=[invoice.pk])).status_code == 403
    assert client.post(reverse("billing:invoice_submit", args=[invoice.pk])).status_code == 403
    assert client.get(reverse("billing:invoice", args=[invoice.pk])).status_code == 200
    invoice.refresh_from_db()
    assert invoice.status == "submitted"


def test_a_biller_may_not_post_their_own_invoice(client, city, biller_parks):
    c = codes(city)
    invoice = submitted(city, customer(city.clerk), [(c.lights, "2")], by=biller_parks)
    client.force_login(biller_parks)

    assert client.post(reverse("billing:invoice_post", args=[invoice.pk])).status_code == 403
    assert client.get(reverse("billing:review")).status_code == 403


def test_a_biller_of_another_department_gets_404(client, city, biller_parks):
    c = codes(city)
    works_biller = make_user("department biller", departments=[city.works])
    invoice = submitted(city, customer(city.clerk), [(c.lights, "2")], by=biller_parks)
    client.force_login(works_biller)

    assert client.get(reverse("billing:invoice", args=[invoice.pk])).status_code == 404
    assert client.get(reverse("billing:invoice_edit", args=[invoice.pk])).status_code == 404
    assert client.post(reverse("billing:invoice_delete", args=[invoice.pk])).status_code == 404
    assert f"Draft #{invoice.pk}" not in client.get(reverse("billing:invoices")).content.decode()


def test_an_auditor_reads_but_sees_no_actions(client, city, auditor):
    c = codes(city)
    invoice = submitted(city, customer(city.clerk), [(c.lights, "2")])
    client.force_login(auditor)

    page = client.get(reverse("billing:invoice", args=[invoice.pk])).content.decode()

    assert "90.00" in page
    assert "Post invoice" not in page and "Submit for review" not in page
    assert client.post(reverse("billing:invoice_return", args=[invoice.pk])).status_code == 403
    assert client.get(reverse("billing:invoice_new")).status_code == 403


def test_a_draft_is_deleted_from_its_page(client, city, biller_parks):
    c = codes(city)
    invoice = draft(city, customer(city.clerk), [(c.lights, "2")], by=biller_parks)
    client.force_login(biller_parks)

    response = client.post(reverse("billing:invoice_delete", args=[invoice.pk]))

    assert response["Location"] == reverse("billing:invoices")
    assert Invoice.objects.count() == 0


def test_the_list_filters_by_status_and_exports_what_it_shows(client, city, technician):
    c = codes(city)
    who = customer(city.clerk)
    posted(city, who, [(c.lights, "1")])
    waiting = submitted(city, who, [(c.lights, "3")], on=date(2026, 3, 9))
    client.force_login(technician)

    page = client.get(reverse("billing:invoices"), {"status": "submitted"}).content.decode()
    export = client.get(reverse("billing:invoices"), {"status": "submitted", "export": "csv"})

    assert f"Draft #{waiting.pk}" in page and "INV-2026-000001" not in page
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    body = [r for r in rows if r and r[0].startswith(("Draft", "INV"))]
    assert body == [
        [
            f"Draft #{waiting.pk}",
            "2026-03-09",
            who.number,
            who.name,
            "PRK",
            "",
            "2026-04-08",
            "Submitted",
            "0.00",
            "135.00",
        ]
    ]


def test_an_attachment_is_uploaded_and_downloaded_with_the_invoices_access(
    client, city, biller_parks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    c = codes(city)
    invoice = draft(city, customer(city.clerk), [(c.lights, "2")], by=biller_parks)
    client.force_login(biller_parks)

    response = client.post(
        reverse("billing:invoice_attach", args=[invoice.pk]),
        {"file": SimpleUploadedFile("po.pdf", b"%PDF-1.7\n%%EOF\n")},
    )
    refused = client.post(
        reverse("billing:invoice_attach", args=[invoice.pk]),
        {"file": SimpleUploadedFile("fake.pdf", b"hello")},
    )

    assert response.status_code == 302
    assert refused.status_code == 400
    assert "fake.pdf is not really a PDF file" in refused.content.decode()
    attachment = invoice.attachments.get()
    download = client.get(reverse("billing:attachment", args=[attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.7\n%%EOF\n"
    client.force_login(make_user("department biller", departments=[city.works]))
    assert client.get(reverse("billing:attachment", args=[attachment.pk])).status_code == 404


def test_return_needs_a_comment(client, city, technician):
    c = codes(city)
    invoice = submitted(city, customer(city.clerk), [(c.lights, "2")])
    client.force_login(technician)

    response = client.post(
        reverse("billing:invoice_return", args=[invoice.pk]), {"comment": ""}, follow=True
    )

    assert "Say why the invoice goes back, so the biller can fix it." in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == "submitted"


def test_the_returned_invoice_can_be_edited_by_its_biller(client, city, biller_parks, technician):
    c = codes(city)
    invoice = submitted(city, customer(city.clerk), [(c.lights, "2")], by=biller_parks)
    return_invoice(invoice, by=technician, comment="Use 3 hours.")
    client.force_login(biller_parks)

    page = client.get(reverse("billing:invoice_edit", args=[invoice.pk])).content.decode()

    assert "Use 3 hours." in page


def test_a_returned_invoice_of_a_submitted_batch_is_edited(client, city, biller_parks, technician):
    from fiscus.billing.services import create_batch, submit_batch

    c = codes(city)
    batch = create_batch(
        by=biller_parks, department=city.parks, control_count=1, control_amount=Decimal("90.00")
    )
    invoice = draft(city, customer(city.clerk), [(c.lights, "2")], by=biller_parks, batch=batch)
    submit_batch(batch, by=biller_parks)
    return_invoice(invoice, by=technician, comment="Use 3 hours.")
    client.force_login(biller_parks)
    data = new_invoice_data(
        invoice.customer, city.parks, [(c.lights, "3", "")], batch=str(batch.pk), action="submit"
    )
    data["lines-INITIAL_FORMS"] = "1"

    response = client.post(reverse("billing:invoice_edit", args=[invoice.pk]), data)

    assert response.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.status, invoice.total, invoice.batch_id) == (
        "submitted",
        Decimal("135.00"),
        batch.pk,
    )

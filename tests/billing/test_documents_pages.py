"""The invoice PDF download and the send page: who may, what they see, what the buttons do."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from fiscus.audit.models import AuditEvent
from fiscus.billing.services import LineInput, create_invoice
from tests.billing.factories_documents import billed_customer, charge_codes, line, posted_invoice

SEND = reverse("billing:send")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pdf_url(invoice) -> str:
    return reverse("billing:invoice_pdf", kwargs={"invoice": invoice.pk})


@pytest.fixture
def codes(city):
    return charge_codes(city)


@pytest.fixture
def parks_invoice(city, codes):
    who = billed_customer(city.clerk, "Aspen LLC", email="ap@aspen.example", postal_code="95020")
    return posted_invoice(city, who, [line(codes.lights, "2")])


@pytest.fixture
def works_invoice(city, codes):
    who = billed_customer(city.clerk, "Birch Farm", postal_code="95010")
    return posted_invoice(city, who, [line(codes.sewer, "1")], on=date(2026, 4, 6))


# --- the PDF -------------------------------------------------------------------------------------


def test_a_technician_downloads_the_pdf_inline(technician, parks_invoice):
    response = client_for(technician).get(pdf_url(parks_invoice))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{parks_invoice.number}.pdf"'
    assert parks_invoice.number.startswith("INV-")
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Aspen LLC" in text


def test_an_auditor_may_read_the_pdf(auditor, parks_invoice):
    assert client_for(auditor).get(pdf_url(parks_invoice)).status_code == 200


def test_someone_without_a_role_may_not(outsider, parks_invoice):
    assert client_for(outsider).get(pdf_url(parks_invoice)).status_code == 403


def test_a_biller_reads_their_departments_pdf_but_not_anothers(
    biller_parks, parks_invoice, works_invoice
):
    client = client_for(biller_parks)

    assert client.get(pdf_url(parks_invoice)).status_code == 200
    assert client.get(pdf_url(works_invoice)).status_code == 404


def test_a_draft_has_no_pdf(city, codes, technician):
    draft = create_invoice(
        by=city.clerk,
        customer=billed_customer(city.clerk, "Draft Customer"),
        department=city.parks,
        invoice_date=date(2026, 3, 2),
        lines=[LineInput(charge_code=codes.lights, quantity=Decimal("1"))],
    )

    assert client_for(technician).get(pdf_url(draft)).status_code == 404


# --- the send page -------------------------------------------------------------------------------


def test_the_send_page_lists_posted_invoices_not_yet_sent(
    city, technician, parks_invoice, works_invoice
):
    from fiscus.billing.documents import print_batch

    print_batch([works_invoice], by=city.clerk)

    page = client_for(technician).get(SEND).content.decode()

    assert parks_invoice.number in page
    assert "ap@aspen.example" in page
    assert works_invoice.number not in page
    assert "1 invoice to send, 90.00 in all" in page


def test_the_send_page_filters_by_department_and_date(
    city, technician, parks_invoice, works_invoice
):
    client = client_for(technician)

    by_department = client.get(SEND, {"department": city.works.pk}).content.decode()
    by_date = client.get(SEND, {"date_from": "2026-04-01", "date_to": "2026-04-30"})

    assert works_invoice.number in by_department and parks_invoice.number not in by_department
    text = by_date.content.decode()
    assert works_invoice.number in text and parks_invoice.number not in text


def test_select_all_checks_every_invoice_on_the_page(technician, parks_invoice, works_invoice):
    page = client_for(technician).get(SEND, {"all": "1"}).content.decode()

    assert page.count(" checked") == 2


def test_htmx_gets_only_the_rows(technician, parks_invoice):
    response = client_for(technician).get(SEND, HTTP_HX_REQUEST="true")

    text = response.content.decode()
    assert parks_invoice.number in text
    assert "<h1>" not in text


@pytest.mark.parametrize("persona", ["cashier", "auditor", "biller_parks", "outsider"])
def test_roles_without_billing_send_may_not_send(request, persona, parks_invoice):
    user = request.getfixturevalue(persona)
    client = client_for(user)

    assert client.get(SEND).status_code == 403
    assert client.post(SEND, {"invoice": parks_invoice.pk, "action": "email"}).status_code == 403


def test_emailing_the_chosen_invoices_shows_what_was_sent_and_refused(
    technician, parks_invoice, works_invoice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(technician).post(
            SEND,
            {"invoice": [parks_invoice.pk, works_invoice.pk], "action": "email"},
            follow=True,
        )

    page = response.content.decode()
    assert "Sent 1 invoice by e-mail." in page
    assert "Refused 1 invoice:" in page
    customer = works_invoice.customer
    assert (
        f"{works_invoice.number}: Customer {customer.number} Birch Farm has no e-mail address; "
        "add one to the customer or print the invoice."
    ) in page
    assert [m.to for m in mail.outbox] == [["ap@aspen.example"]]
    assert mail.outbox[0].attachments[0][0] == f"{parks_invoice.number}.pdf"
    # the sent invoice leaves the list; the refused one waits to be printed
    assert parks_invoice.number not in page.split("<table")[1]
    assert works_invoice.number in page.split("<table")[1]


def test_printing_the_chosen_invoices_downloads_one_pdf(technician, parks_invoice, works_invoice):
    client = client_for(technician)

    response = client.post(
        SEND, {"invoice": [parks_invoice.pk, works_invoice.pk], "action": "print"}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="invoices-')
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages]
    assert len(pages) == 2
    assert works_invoice.number in pages[0]  # 95010 before 95020
    assert parks_invoice.number in pages[1]
    assert AuditEvent.objects.filter(action="invoice.printed").count() == 2
    assert "Every posted invoice has been sent." in client.get(SEND).content.decode()


def test_choosing_nothing_is_refused_with_a_sentence(technician, parks_invoice):
    response = client_for(technician).post(
        SEND, {"action": "email", "department": "1"}, follow=True
    )

    assert "Choose at least one invoice." in response.content.decode()
    assert response.redirect_chain[-1][0] == f"{SEND}?department=1"

"""The PDF of a posted invoice: what it shows, read back with pypdf."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from fiscus.billing.documents import DocumentError, render_invoice_pdf, render_invoices_pdf
from fiscus.billing.models import ChargeCode
from fiscus.billing.services import LineInput, create_invoice
from tests.billing.factories_documents import (
    billed_customer,
    charge_codes,
    letterhead,
    line,
    posted_invoice,
)
from tests.factories import payment


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def squeezed(text: str) -> str:
    """PDF text with runs of white space made single (lines and columns split text)."""
    return " ".join(text.split())


@pytest.fixture
def invoice(city):
    codes = charge_codes(city)
    letterhead(city)
    who = billed_customer(city.clerk, "Orchard Valley Little League", postal_code="95012")
    return posted_invoice(
        city,
        who,
        [
            line(
                codes.pavilion,
                "2",
                description="Pavilion B, Saturday games",
                service_from=date(2026, 3, 7),
                service_to=date(2026, 3, 14),
            ),
            line(codes.lights, "3.5"),
        ],
        reference="PO-7781",
    )


def test_the_pdf_shows_the_number_customer_lines_total_and_due_date(invoice):
    text = squeezed(text_of(render_invoice_pdf(invoice)))

    assert invoice.number.startswith("INV-2026-")
    assert invoice.number in text
    assert "Orchard Valley Little League" in text
    assert invoice.customer.number in text
    assert "PRK-PAVILION Pavilion B, Saturday games" in text
    assert "Service 03/07/2026 - 03/14/2026" in text
    assert "2 $250.00 $500.00" in text
    assert "PRK-LIGHTS Field lights 3.5 $45.00 $157.50" in text
    assert "Subtotal $657.50" in text
    assert "Tax $36.25" in text  # 7.25% of 500.00
    assert "Total $693.75" in text
    assert "DUE DATE 04/01/2026" in text  # net 30 from 03/02/2026
    assert "INVOICE DATE 03/02/2026" in text
    assert "PO-7781" in text
    assert "Net 30" in text


def test_the_pdf_carries_the_letterhead_remit_to_and_bill_to_addresses(invoice):
    text = squeezed(text_of(render_invoice_pdf(invoice)))

    assert "City of Riverside Falls" in text
    assert "100 Civic Center Plaza" in text
    assert "(555) 010-2000" in text
    assert "PO Box 4400 Riverside Falls, CA 95001" in text
    assert "12 Orchard Lane Riverside Falls, CA 95012" in text


def test_the_payment_stub_repeats_customer_invoice_and_amount_due(invoice):
    text = squeezed(text_of(render_invoice_pdf(invoice)))
    stub = text.split("Detach and return this part with your payment")[1]

    assert f"CUSTOMER NUMBER {invoice.customer.number}" in stub
    assert f"INVOICE NUMBER {invoice.number}" in stub
    assert "AMOUNT DUE $693.75" in stub
    assert "PO Box 4400" in stub


def test_the_amount_due_is_what_is_still_open(city, invoice):
    from fiscus.receivables.services import apply_credit

    paid = payment(city, invoice.customer, "200.00")
    apply_credit(paid, invoice.item, Decimal("200.00"), on=date(2026, 3, 10), by=city.clerk)

    text = squeezed(text_of(render_invoice_pdf(invoice)))

    assert "Total $693.75" in text
    assert "Paid and credited $200.00" in text
    assert "Amount due $493.75" in text


def test_customer_text_prints_as_written_and_is_never_markup(city):
    codes = charge_codes(city)
    name = 'Smith & Sons #1 <b>"$[x]"</b> Ωμέγα'
    who = billed_customer(city.clerk, name)
    invoice = posted_invoice(
        city,
        who,
        [line(codes.lights, "1", description="#set page(width: 1cm) *bold* _x_ // $y$")],
        reference="#pagebreak()",
    )

    pdf = render_invoice_pdf(invoice)
    text = text_of(pdf)

    assert name in text
    assert "#set page(width: 1cm) *bold* _x_ // $y$" in text
    assert "#pagebreak()" in text
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1


def test_a_batch_is_one_pdf_with_a_page_group_per_invoice(city, invoice):
    lights = ChargeCode.objects.get(code="PRK-LIGHTS")
    second = posted_invoice(
        city, billed_customer(city.clerk, "Cedar Hills HOA"), [line(lights, "2")]
    )

    pdf = render_invoices_pdf([invoice, second])
    pages = [squeezed(p.extract_text()) for p in PdfReader(io.BytesIO(pdf)).pages]

    assert len(pages) == 2
    assert invoice.number in pages[0] and "Orchard Valley Little League" in pages[0]
    assert second.number in pages[1] and "Cedar Hills HOA" in pages[1]
    assert "Total $90.00" in pages[1]


def test_a_draft_has_no_document(city):
    codes = charge_codes(city)
    draft = create_invoice(
        by=city.clerk,
        customer=billed_customer(city.clerk, "Draft Customer"),
        department=city.parks,
        invoice_date=date(2026, 3, 2),
        lines=[LineInput(charge_code=codes.lights, quantity=Decimal("1"))],
    )

    with pytest.raises(DocumentError) as refused:
        render_invoice_pdf(draft)

    assert refused.value.message == (
        f"Invoice #{draft.pk} is draft; only a posted invoice has a document."
    )


def test_a_batch_larger_than_one_compile_is_joined_in_order(city, invoice, monkeypatch):
    from fiscus.billing import documents

    monkeypatch.setattr(documents, "CHUNK", 1)
    lights = ChargeCode.objects.get(code="PRK-LIGHTS")
    cedar = billed_customer(city.clerk, "Cedar Hills HOA")
    second = posted_invoice(city, cedar, [line(lights, "2")])

    pdf = render_invoices_pdf([second, invoice])
    pages = [squeezed(p.extract_text()) for p in PdfReader(io.BytesIO(pdf)).pages]

    assert len(pages) == 2
    assert second.number in pages[0]
    assert invoice.number in pages[1]

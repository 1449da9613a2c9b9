"""Which template renders: an agency's override in TEMPLATE_OVERRIDE_DIR, else Fiscus's own;
and the agency's logo on the letterhead."""

from __future__ import annotations

import base64
import io

import pytest
from pypdf import PdfReader

from fiscus.billing.documents import BUILT_IN, DocumentError, render_invoice_pdf, template_path
from fiscus.organization.services import agency
from tests.billing.factories_documents import billed_customer, charge_codes, line, posted_invoice

# a 1 x 1 PNG
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def invoice(city):
    codes = charge_codes(city)
    return posted_invoice(
        city, billed_customer(city.clerk, "Juniper Swim Club"), [line(codes.lights, "2")]
    )


def test_without_an_override_fiscus_renders_its_own_template(settings, tmp_path, invoice):
    settings.TEMPLATE_OVERRIDE_DIR = tmp_path

    assert template_path() == BUILT_IN
    assert "Juniper Swim Club" in text_of(render_invoice_pdf(invoice))


def test_an_agency_override_template_is_used(settings, tmp_path, invoice):
    (tmp_path / "parts.typ").write_text('#let banner = "Printed on the override template"\n')
    (tmp_path / "invoice.typ").write_text(
        '#import "parts.typ": banner\n'
        "#let data = json(bytes(sys.inputs.data))\n"
        "#for inv in data.invoices [\n"
        "  #banner\n\n"
        "  #inv.number for #inv.customer_name owes #inv.amount_due\n"
        "]\n"
    )
    settings.TEMPLATE_OVERRIDE_DIR = tmp_path

    text = text_of(render_invoice_pdf(invoice))

    assert template_path() == tmp_path / "invoice.typ"
    assert "Printed on the override template" in text
    assert f"{invoice.number} for Juniper Swim Club owes $90.00" in text


def test_a_broken_override_is_refused_with_a_sentence(settings, tmp_path, invoice):
    (tmp_path / "invoice.typ").write_text("#let x = (\n")
    settings.TEMPLATE_OVERRIDE_DIR = tmp_path

    with pytest.raises(DocumentError) as refused:
        render_invoice_pdf(invoice)

    assert refused.value.message.startswith("The invoice template invoice.typ cannot be rendered:")


def test_the_agency_logo_is_on_the_letterhead(settings, tmp_path, invoice):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    profile = agency()
    profile.logo.save("logo.png", ContentFile(PIXEL))

    page = PdfReader(io.BytesIO(render_invoice_pdf(invoice))).pages[0]

    assert len(page.images) == 1


def test_without_a_logo_the_letterhead_has_no_image(invoice):
    page = PdfReader(io.BytesIO(render_invoice_pdf(invoice))).pages[0]

    assert len(page.images) == 0

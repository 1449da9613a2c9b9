"""Print batches: one PDF in postal-code order, each invoice audited as printed; which posted
invoices are still to send."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from fiscus.audit.models import AuditEvent
from fiscus.billing.documents import DocumentError, postal_order, print_batch, unsent_invoices
from fiscus.billing.models import Invoice
from fiscus.billing.services import LineInput, create_invoice
from tests.billing.factories_documents import billed_customer, charge_codes, line, posted_invoice


@pytest.fixture
def codes(city):
    return charge_codes(city)


def test_a_print_batch_of_three_is_one_pdf_in_postal_code_order(city, codes):
    north = posted_invoice(
        city,
        billed_customer(city.clerk, "Zephyr Books", postal_code="95030"),
        [line(codes.lights, "1")],
    )
    south = posted_invoice(
        city,
        billed_customer(city.clerk, "Acorn Deli", postal_code="95010"),
        [line(codes.lights, "2")],
    )
    middle = posted_invoice(
        city,
        billed_customer(city.clerk, "Mesa Garage", postal_code="95020"),
        [line(codes.lights, "3")],
    )

    pdf = print_batch([north, south, middle], by=city.clerk)

    pages = [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) >= 3
    firsts = [
        next(i for i, p in enumerate(pages) if inv.number in p) for inv in (south, middle, north)
    ]
    assert firsts == sorted(firsts)
    assert "Acorn Deli" in pages[0] and "95010" in pages[0]
    assert "Zephyr Books" in pages[-1] and "95030" in pages[-1]


def test_customers_sharing_a_postal_code_print_by_name(city, codes):
    walnut = billed_customer(city.clerk, "Walnut Tavern", postal_code="95010")
    cherry = billed_customer(city.clerk, "Cherry Clinic", postal_code="95010")
    first = posted_invoice(city, walnut, [line(codes.lights, "1")])
    second = posted_invoice(city, cherry, [line(codes.lights, "1")])

    assert postal_order([first, second]) == [second, first]


def test_each_printed_invoice_is_audited_and_no_longer_waits_to_be_sent(city, codes):
    printed = posted_invoice(
        city, billed_customer(city.clerk, "Acorn Deli"), [line(codes.lights, "1")]
    )
    waiting = posted_invoice(
        city, billed_customer(city.clerk, "Mesa Garage"), [line(codes.lights, "1")]
    )

    print_batch([printed], by=city.clerk)

    event = AuditEvent.objects.get(action="invoice.printed")
    assert event.object_id == str(printed.pk)
    assert event.actor == city.clerk
    assert list(unsent_invoices(Invoice.objects.all())) == [waiting]


def test_drafts_are_never_waiting_to_be_sent(city, codes):
    create_invoice(
        by=city.clerk,
        customer=billed_customer(city.clerk, "Draft Customer"),
        department=city.parks,
        invoice_date=date(2026, 3, 2),
        lines=[LineInput(charge_code=codes.lights, quantity=Decimal("1"))],
    )

    assert list(unsent_invoices(Invoice.objects.all())) == []


def test_an_empty_batch_is_refused(city):
    with pytest.raises(DocumentError) as refused:
        print_batch([], by=city.clerk)

    assert refused.value.message == "Choose at least one invoice to print."

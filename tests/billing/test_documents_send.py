"""E-mailing an invoice: through a real SMTP server (aiosmtpd) started by the test, after the
transaction commits, audited with the address; refused for a customer without an e-mail."""

from __future__ import annotations

import io
import socket
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from pypdf import PdfReader

from fiscus.audit.models import AuditEvent
from fiscus.billing.documents import DocumentError, send_invoice, send_invoices
from tests.billing.factories_documents import (
    billed_customer,
    charge_codes,
    letterhead,
    line,
    posted_invoice,
)


class Mailbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def mailbox(settings):
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.DEFAULT_FROM_EMAIL = "ar@riversidefalls.example.gov"
    yield box
    controller.stop()


@pytest.fixture
def codes(city):
    letterhead(city)
    return charge_codes(city)


def pdf_text(pdf: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split()
    )


def test_the_invoice_reaches_the_customer_by_smtp_with_its_pdf(
    city, codes, mailbox, django_capture_on_commit_callbacks
):
    who = billed_customer(city.clerk, "Maple Street Bakery", email="owner@maplebakery.example")
    invoice = posted_invoice(city, who, [line(codes.pavilion, "1"), line(codes.lights, "2")])

    with django_capture_on_commit_callbacks(execute=True):
        send_invoice(invoice, by=city.clerk)

    assert len(mailbox.messages) == 1
    message = mailbox.messages[0]
    assert message["Subject"] == f"Invoice {invoice.number} from City of Riverside Falls"
    assert message["To"] == "owner@maplebakery.example"
    assert mailbox.recipients == [["owner@maplebakery.example"]]
    assert message["Reply-To"] == "ar@riversidefalls.example.gov"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Dear Maple Street Bakery," in body
    assert "The amount due is $358.13, due 04/01/2026." in body  # 250 + 18.13 tax + 90
    assert "PO Box 4400" in body
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == f"{invoice.number}.pdf"
    assert attachment.get_content_type() == "application/pdf"
    text = pdf_text(attachment.get_content())
    assert "Total $358.13" in text
    assert invoice.number in text


def test_nothing_leaves_before_the_transaction_commits(
    city, codes, mailbox, django_capture_on_commit_callbacks
):
    who = billed_customer(city.clerk, "Pine Co-op", email="billing@pine.example")
    invoice = posted_invoice(city, who, [line(codes.lights, "1")])

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send_invoice(invoice, by=city.clerk)

    assert mailbox.messages == []
    assert len(callbacks) == 1


def test_the_send_is_audited_with_the_address(city, codes, django_capture_on_commit_callbacks):
    who = billed_customer(city.clerk, "Pine Co-op", email="billing@pine.example")
    invoice = posted_invoice(city, who, [line(codes.lights, "1")])

    with django_capture_on_commit_callbacks(execute=True):
        send_invoice(invoice, by=city.clerk, to="accounts@pine.example")

    event = AuditEvent.objects.get(action="invoice.sent")
    assert event.object_id == str(invoice.pk)
    assert event.actor == city.clerk
    assert event.detail["to"] == "accounts@pine.example"


def test_another_address_can_be_given(city, codes, mailbox, django_capture_on_commit_callbacks):
    who = billed_customer(city.clerk, "Pine Co-op", email="billing@pine.example")
    invoice = posted_invoice(city, who, [line(codes.lights, "1")])

    with django_capture_on_commit_callbacks(execute=True):
        send_invoice(invoice, by=city.clerk, to="accounts@pine.example")

    assert mailbox.recipients == [["accounts@pine.example"]]


def test_a_customer_without_an_email_is_refused(city, codes):
    who = billed_customer(city.clerk, "Birch Farm")
    invoice = posted_invoice(city, who, [line(codes.lights, "1")])

    with pytest.raises(DocumentError) as refused:
        send_invoice(invoice, by=city.clerk)

    assert refused.value.message == (
        f"Customer {who.number} Birch Farm has no e-mail address; "
        "add one to the customer or print the invoice."
    )
    assert not AuditEvent.objects.filter(action="invoice.sent").exists()


def test_sending_many_reports_what_went_and_what_was_refused(
    city, codes, mailbox, django_capture_on_commit_callbacks
):
    with_email = billed_customer(city.clerk, "Aspen LLC", email="ap@aspen.example")
    without = billed_customer(city.clerk, "Birch Farm")
    first = posted_invoice(city, with_email, [line(codes.lights, "1")])
    second = posted_invoice(city, without, [line(codes.lights, "2")])

    with django_capture_on_commit_callbacks(execute=True):
        result = send_invoices([first, second], by=city.clerk)

    assert [i.pk for i in result.sent] == [first.pk]
    assert [(i.pk, why) for i, why in result.refused] == [
        (
            second.pk,
            f"Customer {without.number} Birch Farm has no e-mail address; "
            "add one to the customer or print the invoice.",
        )
    ]
    assert mailbox.recipients == [["ap@aspen.example"]]


def test_a_failed_delivery_is_audited(city, codes, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens there
    settings.EMAIL_TIMEOUT = 2
    who = billed_customer(city.clerk, "Pine Co-op", email="billing@pine.example")
    invoice = posted_invoice(city, who, [line(codes.lights, "1")])

    with django_capture_on_commit_callbacks(execute=True):
        send_invoice(invoice, by=city.clerk)

    failed = AuditEvent.objects.get(action="invoice.send_failed")
    assert failed.object_id == str(invoice.pk)
    assert failed.detail["to"] == "billing@pine.example"

"""The receipt of a payment and the slip of a closed deposit: what they print (read back with
pypdf), who may print them, and that each print is audited."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from fiscus.audit.models import AuditEvent
from fiscus.cash import services as cash
from fiscus.cash.documents import (
    DocumentError,
    amount_in_words,
    print_deposit_slip,
    print_receipt,
    render_deposit_slip_pdf,
    render_receipt_pdf,
    template_path,
)
from fiscus.cash.models import BankAccount
from fiscus.cash.services import PaymentInput
from fiscus.receivables.services import reverse_application
from tests.billing.factories_documents import letterhead
from tests.factories import customer, invoice

DAY = date(2026, 3, 10)
# every character Typst markup would read as code, math, emphasis, a label or a reference
TYPST_SPECIAL = "#1 $5 *bold* _under_ [box] \\back @ref <label>"


def text_of(pdf: bytes) -> str:
    """The PDF's text with runs of white space made single (lines and columns split text)."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def paid(amount: str, who=None, *, method: str = "check", **fields) -> PaymentInput:
    return PaymentInput(
        amount=Decimal(amount), method=method, received_on=DAY, customer=who, **fields
    )


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def deposit(city, cashier):
    return cash.open_deposit(department=city.parks, on=DAY, by=cashier)


@pytest.fixture
def applied(city, cashier, deposit):
    """A walk-in check of 123.45 that pays one invoice in full and another in part."""
    letterhead(city)
    who = customer(city.clerk, "Orchard Valley Little League")
    first, second = invoice(city, who, "100.00"), invoice(city, who, "80.00")
    payment = cash.record_payment(
        deposit,
        paid("123.45", who, check_number="1042", bank_account="0210-0008-123456789"),
        by=cashier,
    )
    cash.apply_payment(
        payment, [(first, Decimal("100.00")), (second, Decimal("20.00"))], by=city.clerk
    )
    return payment, first, second


# --- amounts in words ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("123.45", "One hundred twenty-three and 45/100 dollars"),
        ("0.07", "Zero and 07/100 dollars"),
        ("15.50", "Fifteen and 50/100 dollars"),
        ("21.00", "Twenty-one and 00/100 dollars"),
        ("100.00", "One hundred and 00/100 dollars"),
        ("1001.01", "One thousand one and 01/100 dollars"),
        ("40019.90", "Forty thousand nineteen and 90/100 dollars"),
        ("1000000.00", "One million and 00/100 dollars"),
        (
            "999999999999.99",
            "Nine hundred ninety-nine billion nine hundred ninety-nine million nine hundred "
            "ninety-nine thousand nine hundred ninety-nine and 99/100 dollars",
        ),
    ],
)
def test_an_amount_is_written_in_words_as_on_a_check(amount, words):
    assert amount_in_words(Decimal(amount)) == words


# --- the receipt --------------------------------------------------------------------------------


def test_the_receipt_shows_the_payment_what_it_paid_and_what_is_left(applied, cashier):
    payment, first, second = applied

    text = text_of(render_receipt_pdf(payment))

    assert payment.number.startswith("PMT-2026-")
    assert f"RECEIPT NUMBER {payment.number}" in text
    assert "DATE RECEIVED 03/10/2026" in text
    assert f"Customer {payment.customer.number}" in text
    assert payment.customer.name in text
    assert "METHOD Check CHECK NUMBER 1042 BANK ACCOUNT ••••6789" in text
    assert "One hundred twenty-three and 45/100 dollars $123.45" in text
    assert f"{first.number} $100.00" in text
    assert f"{second.number} $20.00" in text
    assert "Applied to invoices $120.00" in text
    assert "Remaining on account $3.45" in text
    assert "Amount received $123.45" in text
    assert f"RECEIVED BY {cashier.get_full_name()} DEPOSIT {payment.deposit.number}" in text


def test_the_receipt_carries_the_agency_letterhead(applied):
    text = text_of(render_receipt_pdf(applied[0]))

    assert text.startswith("City of Riverside Falls 100 Civic Center Plaza")
    assert "(555) 010-2000" in text


def test_a_reversed_application_no_longer_shows_on_the_receipt(city, applied):
    payment, first, second = applied
    application = payment.item.applied_to.get(debit_item=second)
    reverse_application(
        application, on=application.effective_date, by=city.clerk, reason="Wrong invoice"
    )

    text = text_of(render_receipt_pdf(payment))

    assert f"{first.number} $100.00" in text
    assert second.number not in text
    assert "Applied to invoices $100.00" in text
    assert "Remaining on account $23.45" in text


def test_an_unidentified_payment_is_received_from_its_payer(city, cashier, deposit):
    payment = cash.record_payment(
        deposit, paid("50.00", method="cash", payer="R. Lopez"), by=cashier
    )

    text = text_of(render_receipt_pdf(payment))

    assert "RECEIVED FROM R. Lopez" in text
    assert "Held on account until the customer is identified" in text
    assert "METHOD Cash" in text
    assert "Fifty and 00/100 dollars $50.00" in text
    assert "Not applied to an invoice yet." in text
    assert "Remaining on account $50.00" in text


def test_names_typst_would_read_as_markup_print_as_written(city, cashier, deposit):
    who = customer(city.clerk, TYPST_SPECIAL)
    bill = invoice(city, who, "10.00")
    payment = cash.record_payment(
        deposit, paid("10.00", who, payer=f"Treasurer {TYPST_SPECIAL}"), by=cashier
    )
    cash.apply_payment(payment, [(bill, Decimal("10.00"))], by=city.clerk)

    pdf = render_receipt_pdf(payment)
    text = text_of(pdf)

    assert who.name.startswith(TYPST_SPECIAL)
    assert who.name in text
    assert f"Paid by Treasurer {TYPST_SPECIAL}" in text
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1


def test_printing_a_receipt_is_audited(applied, cashier):
    payment = applied[0]

    pdf = print_receipt(payment, by=cashier)

    assert pdf.startswith(b"%PDF")
    event = AuditEvent.objects.get(action="payment.receipt_printed")
    assert (event.object_id, event.actor_name) == (str(payment.pk), cashier.username)
    assert event.detail == {"amount": "123.45"}


def test_an_agency_override_receipt_template_is_used(settings, tmp_path, applied):
    (tmp_path / "receipt.typ").write_text(
        "#let data = json(bytes(sys.inputs.data))\n"
        "#for r in data.receipts [\n"
        "  Override: #r.number received #r.amount (#r.amount_words)\n"
        "]\n"
    )
    settings.TEMPLATE_OVERRIDE_DIR = tmp_path
    payment = applied[0]

    text = text_of(render_receipt_pdf(payment))

    assert template_path("receipt.typ") == tmp_path / "receipt.typ"
    assert (
        f"Override: {payment.number} received $123.45 "
        "(One hundred twenty-three and 45/100 dollars)" in text
    )


def test_a_broken_override_is_refused_with_a_sentence(settings, tmp_path, applied):
    (tmp_path / "receipt.typ").write_text("#let x = (\n")
    settings.TEMPLATE_OVERRIDE_DIR = tmp_path

    with pytest.raises(DocumentError) as refused:
        print_receipt(applied[0], by=applied[0].cashier)

    assert refused.value.message.startswith("The template receipt.typ cannot be rendered:")
    assert not AuditEvent.objects.filter(action="payment.receipt_printed").exists()


# --- the deposit slip ---------------------------------------------------------------------------


@pytest.fixture
def closed(city, cashier):
    """A deposit of two checks, a money order, currency and a card payment, closed."""
    letterhead(city)
    BankAccount.objects.create(
        name="Operating account",
        bank_name="First Valley Bank",
        number="000123459876",
        fund=city.general,
    )
    deposit = cash.open_deposit(
        department=city.parks,
        on=DAY,
        by=cashier,
        control_count=5,
        control_total=Decimal("1436.26"),
    )
    who = customer(city.clerk, "Cedar Hills HOA")
    cash.record_payments(
        deposit,
        [
            paid("250.00", who, check_number="1042"),
            paid("1000.01", payer=f"O'Brien {TYPST_SPECIAL}", check_number="77"),
            paid("60.00", who, method="money_order", check_number="MO-5531"),
            paid("85.25", who, method="cash"),
            paid("41.00", who, method="card", reference="AUTH 8812"),
        ],
        by=cashier,
    )
    return cash.close_deposit(deposit, by=cashier), who


def test_the_slip_lists_the_checks_and_totals_by_method(closed, cashier):
    deposit, who = closed

    text = text_of(render_deposit_slip_pdf(deposit))

    assert deposit.number.startswith("DEP-2026-")
    assert f"DEPOSIT NUMBER {deposit.number} DEPOSIT DATE 03/10/2026" in text
    assert "DEPARTMENT PRK Parks and Recreation" in text
    assert f"CASHIER {cashier.get_full_name()}" in text
    assert "BANK ACCOUNT Operating account BANK First Valley Bank ACCOUNT NUMBER ••••9876" in text
    assert f"1 {who.name} 1042 Check $250.00" in text
    assert f"2 O'Brien {TYPST_SPECIAL} 77 Check $1,000.01" in text
    assert f"3 {who.name} MO-5531 Money order $60.00" in text
    assert "Currency and coin 1 $85.25" in text
    assert "Checks and money orders 3 $1,310.01" in text
    assert "Other (card, ACH, wire) 1 $41.00" in text
    assert "Total deposit 5 $1,436.26" in text
    assert "Control 5 $1,436.26 Counted 5 $1,436.26 Difference 0 $0.00" in text
    assert "PREPARED BY DATE" in text and "VERIFIED BY DATE" in text
    assert "RECEIVED BY THE BANK DATE" in text


def test_a_deposit_without_control_figures_or_bank_account_says_so(city, cashier, deposit):
    cash.record_payment(deposit, paid("12.34", method="cash", payer="Walk-in"), by=cashier)
    cash.close_deposit(deposit, by=cashier)

    text = text_of(render_deposit_slip_pdf(deposit))

    assert "BANK ACCOUNT not set up" in text
    assert "No checks or money orders in this deposit." in text
    assert "Total deposit 1 $12.34" in text
    assert "Control not set not set Counted 1 $12.34 Difference not set not set" in text


def test_an_open_deposit_has_no_slip(city, cashier, deposit):
    cash.record_payment(deposit, paid("12.34", method="cash", payer="Walk-in"), by=cashier)

    with pytest.raises(DocumentError) as refused:
        print_deposit_slip(deposit, by=cashier)

    assert refused.value.message == (
        f"Deposit {deposit.number} is still open: close it first, then print its slip."
    )
    assert not AuditEvent.objects.filter(action="deposit.slip_printed").exists()


def test_printing_a_slip_is_audited(closed, cashier):
    deposit, _ = closed

    print_deposit_slip(deposit, by=cashier)

    event = AuditEvent.objects.get(action="deposit.slip_printed")
    assert (event.object_id, event.actor_name) == (str(deposit.pk), cashier.username)


# --- the pages ----------------------------------------------------------------------------------


def receipt_url(payment) -> str:
    return reverse("cash:receipt", kwargs={"pk": payment.pk})


def slip_url(deposit) -> str:
    return reverse("cash:slip", kwargs={"pk": deposit.pk})


def test_the_urls_are_where_the_cash_pages_link(applied, closed):
    assert receipt_url(applied[0]) == f"/cash/payments/{applied[0].pk}/receipt.pdf"
    assert slip_url(closed[0]) == f"/cash/deposits/{closed[0].pk}/slip.pdf"


def test_the_cashier_prints_the_receipt_inline(applied, cashier):
    payment = applied[0]

    response = client_for(cashier).get(receipt_url(payment))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="receipt-{payment.number}.pdf"'
    assert "One hundred twenty-three and 45/100 dollars" in text_of(response.content)
    assert AuditEvent.objects.filter(
        action="payment.receipt_printed", object_id=str(payment.pk), actor_name=cashier.username
    ).exists()


def test_the_cashier_prints_the_slip_of_a_closed_deposit(closed, cashier):
    deposit, _ = closed

    response = client_for(cashier).get(slip_url(deposit))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'inline; filename="deposit-slip-{deposit.number}.pdf"'
    )
    assert "Total deposit 5 $1,436.26" in text_of(response.content)
    assert AuditEvent.objects.filter(action="deposit.slip_printed").count() == 1


def test_an_auditor_and_a_technician_may_read_both(applied, closed, auditor, technician):
    for user in (auditor, technician):
        client = client_for(user)
        assert client.get(receipt_url(applied[0])).status_code == 200
        assert client.get(slip_url(closed[0])).status_code == 200


def test_someone_without_a_role_may_not(applied, closed, outsider):
    client = client_for(outsider)

    assert client.get(receipt_url(applied[0])).status_code == 403
    assert client.get(slip_url(closed[0])).status_code == 403
    assert not AuditEvent.objects.filter(
        action__in=["payment.receipt_printed", "deposit.slip_printed"]
    ).exists()


def test_a_biller_prints_their_departments_documents_only(city, cashier, biller_parks, closed):
    parks, _ = closed
    works = cash.open_deposit(department=city.works, on=DAY, by=cashier)
    works_payment = cash.record_payment(
        works, paid("9.99", method="cash", payer="Walk-in"), by=cashier
    )
    cash.close_deposit(works, by=cashier)
    parks_payment = parks.payments.first()
    client = client_for(biller_parks)

    assert client.get(receipt_url(parks_payment)).status_code == 200
    assert client.get(slip_url(parks)).status_code == 200
    assert client.get(receipt_url(works_payment)).status_code == 404
    assert client.get(slip_url(works)).status_code == 404


def test_an_open_deposit_slip_is_refused_with_the_reason(city, cashier, deposit):
    cash.record_payment(deposit, paid("12.34", method="cash", payer="Walk-in"), by=cashier)

    response = client_for(cashier).get(slip_url(deposit))

    assert response.status_code == 409
    assert response["Content-Type"].startswith("text/html")
    assert (
        f"Deposit {deposit.number} is still open: close it first, then print its slip."
        in response.content.decode()
    )
    assert f'href="/cash/deposits/{deposit.pk}/"' in response.content.decode()


def test_a_missing_payment_or_deposit_is_not_found(cashier, db):
    client = client_for(cashier)

    assert client.get("/cash/payments/999999/receipt.pdf").status_code == 404
    assert client.get("/cash/deposits/999999/slip.pdf").status_code == 404

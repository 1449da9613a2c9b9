"""The returned-payment notice: the letter a customer gets when their payment comes back, read
back with pypdf; what it leaves out when there is no fee or no cash-only rule; the print is
audited."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from pypdf import PdfReader

from fiscus.audit.models import AuditEvent
from fiscus.cash import returns
from fiscus.cash import services as cash
from fiscus.cash.notices import (
    DocumentError,
    notice_data,
    print_returned_notice,
    render_returned_notice_pdf,
    template_path,
)
from fiscus.cash.services import PaymentInput
from fiscus.customers.services import create_customer
from tests.billing.factories_documents import letterhead
from tests.factories import paid_check

DAY = date(2026, 3, 10)
BACK = date(2026, 3, 16)
D = Decimal
# Typst markup, HTML, an ampersand, quotes, accents and a Chinese character
ODD_NAME = '#1 *$[x]_ <b> & "Ñoño" 李'
CASH_ONLY = (
    "Under California Government Code section 6157, City of Riverside Falls will accept "
    "payments from you only in cash or certified funds (a cashier’s check or money order)"
)


def text_of(pdf: bytes) -> str:
    """The PDF's text with runs of white space made single (lines and columns split text)."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


@pytest.fixture(autouse=True)
def the_day_after_the_return():
    with time_machine.travel(datetime(2026, 3, 17, 17, 0, tzinfo=UTC), tick=False):
        yield


def customer_at_home(city, name: str = "Rosa Diaz"):
    return create_customer(
        by=city.clerk,
        fields={"name": name},
        address={
            "kind": "mailing",
            "line1": "12 Orchard Lane",
            "line2": "Apt 4",
            "city": "Riverside Falls",
            "state": "CA",
            "postal_code": "95010",
        },
        confirm_duplicate=True,
    )


@pytest.fixture
def bounced(city, cashier, technician):
    """Rosa's check came back NSF: three invoices open again, a 15.00 fee, cash only a year."""
    letterhead(city)
    who = customer_at_home(city)
    bills, pay = paid_check(city, cashier, technician, who)
    back = returns.return_payment(pay, reason="nsf", on=BACK, by=technician)
    return back, bills, pay


def test_the_notice_says_which_payment_came_back_and_why(bounced):
    back, bills, pay = bounced

    text = text_of(render_returned_notice_pdf(back))

    assert text.startswith("City of Riverside Falls 100 Civic Center Plaza")
    assert "ar@riversidefalls.example.gov March 17, 2026 Rosa Diaz" in text
    assert "Rosa Diaz 12 Orchard Lane Apt 4 Riverside Falls, CA 95010" in text
    assert f"Customer number: {back.customer.number} Reference: {back.number}" in text
    assert "Subject: Returned payment" in text
    assert (
        f"Your payment {pay.number} of $300.00, check number 5150, which we received on "
        "03/10/2026, was returned to us unpaid by the bank on 03/16/2026. The reason given "
        "was: Insufficient funds (NSF)." in text
    )
    assert len(PdfReader(io.BytesIO(render_returned_notice_pdf(back))).pages) == 1


def test_the_notice_lists_the_reopened_items_the_fee_and_the_total_now_due(bounced):
    back, bills, pay = bounced

    text = text_of(render_returned_notice_pdf(back))

    assert f"{bills[0].number}" in text and "04/01/2026 $100.00 $100.00" in text
    assert f"{bills[1].number}" in text and "04/01/2026 $120.00 $120.00" in text
    assert f"{bills[2].number}" in text and "04/01/2026 $50.00 $75.00" in text
    assert (
        "The $30.00 of this payment that was held as a credit on your account has also been "
        "removed." in text
    )
    fee = back.fee_item
    assert (
        f"A returned-payment fee of $15.00 has been added to your account as item {fee.number}. "
        "It is due by 04/15/2026." in text
    )
    assert "Total now due $310.00" in text


def test_the_notice_says_cash_or_certified_funds_until_the_date_under_6157(bounced):
    back, _, _ = bounced
    assert back.cash_only_until == date(2027, 3, 16)

    text = text_of(render_returned_notice_pdf(back))

    assert f"{CASH_ONLY} until 03/16/2027. We cannot accept a personal or business check" in text
    assert "Please do not send cash by mail." in text
    assert "Accounts Receivable PO Box 4400 Riverside Falls, CA 95001" in text


def test_a_customer_on_cash_only_for_good_is_told_so(city, cashier, technician):
    letterhead(city)
    settings = cash.cash_settings()
    settings.cash_only_after_returns = 1
    settings.save()
    who = customer_at_home(city)
    _, pay = paid_check(city, cashier, technician, who)
    back = returns.return_payment(pay, reason="nsf", on=BACK, by=technician)
    assert back.cash_only_for_good

    text = text_of(render_returned_notice_pdf(back))

    assert f"{CASH_ONLY} from now on. We cannot accept a personal or business check from you." in (
        text
    )


def test_an_ach_return_names_its_return_code(city, cashier, technician):
    letterhead(city)
    who = customer_at_home(city)
    deposit = cash.open_deposit(department=city.parks, on=DAY, by=cashier)
    pay = cash.record_payment(
        deposit,
        PaymentInput(
            amount=D("42.00"), method="ach", received_on=DAY, customer=who, reference="TRACE77"
        ),
        by=cashier,
    )
    cash.close_deposit(deposit, by=cashier)
    back = returns.return_payment(
        pay, reason="closed_account", ach_code="R02", on=BACK, by=technician
    )

    text = text_of(render_returned_notice_pdf(back))

    assert "The reason given was: Account closed (ACH return code R02)." in text
    assert "check number" not in text


def test_a_name_typst_would_read_as_markup_prints_as_written(city, cashier, technician):
    letterhead(city)
    who = customer_at_home(city, ODD_NAME)
    _, pay = paid_check(city, cashier, technician, who)
    back = returns.return_payment(pay, reason="nsf", on=BACK, by=technician)

    text = text_of(render_returned_notice_pdf(back))

    assert notice_data(back)["customer_name"] == ODD_NAME
    # Typst's own fonts (the only ones fiscus.typesetting loads) have no Chinese glyphs
    assert '#1 *$[x]_ <b> & "Ñoño"' in text
    assert "12 Orchard Lane" in text


@pytest.mark.xfail(
    strict=True,
    reason="fiscus.typesetting loads only Typst's own fonts, which have no CJK glyphs",
)
def test_a_chinese_character_in_the_name_prints(city, cashier, technician):
    letterhead(city)
    who = customer_at_home(city, ODD_NAME)
    _, pay = paid_check(city, cashier, technician, who)
    back = returns.return_payment(pay, reason="nsf", on=BACK, by=technician)

    assert ODD_NAME in text_of(render_returned_notice_pdf(back))


def test_a_waived_fee_leaves_the_fee_paragraph_out(city, cashier, technician):
    letterhead(city)
    who = customer_at_home(city)
    bills, pay = paid_check(city, cashier, technician, who)
    back = returns.return_payment(pay, reason="stop_payment", on=BACK, by=technician, fee=False)

    text = text_of(render_returned_notice_pdf(back))

    assert back.fee_item is None
    assert "The reason given was: Stop payment." in text
    assert "fee" not in text
    assert "Total now due $295.00" in text
    assert CASH_ONLY in text


def test_a_return_with_no_fee_and_no_cash_only_leaves_both_paragraphs_out(
    city, cashier, technician
):
    """A payment nobody was identified for: no customer to charge or put on cash only; the
    letter goes to the payer."""
    letterhead(city)
    deposit = cash.open_deposit(department=city.parks, on=DAY, by=cashier)
    pay = cash.record_payment(
        deposit,
        PaymentInput(
            amount=D("80.00"),
            method="check",
            received_on=DAY,
            payer="Valley Swim Club",
            check_number="2001",
        ),
        by=cashier,
    )
    cash.close_deposit(deposit, by=cashier)
    back = returns.return_payment(pay, reason="nsf", on=BACK, by=technician)
    assert back.fee_item is None and back.cash_only_until is None and not back.cash_only_for_good

    text = text_of(render_returned_notice_pdf(back))

    assert "Valley Swim Club" in text
    assert f"Your payment {pay.number} of $80.00, check number 2001" in text
    assert "Customer number" not in text
    assert "fee" not in text
    assert "6157" not in text and "certified funds" not in text
    assert "Please do not send cash by mail." not in text
    assert "Total now due" not in text
    assert "The $80.00 of this payment that was held as a credit" in text


def test_notice_data_gives_every_amount_as_a_string(bounced):
    back, bills, pay = bounced

    data = notice_data(back)

    assert data["payment"]["amount"] == "$300.00"
    assert [(r["number"], r["amount"], r["open_amount"]) for r in data["reopened"]] == [
        (bills[0].number, "$100.00", "$100.00"),
        (bills[1].number, "$120.00", "$120.00"),
        (bills[2].number, "$50.00", "$75.00"),
    ]
    assert data["reopened_total"] == "$270.00"
    assert data["credit_removed"] == "$30.00"
    assert data["fee"]["amount"] == "$15.00" and data["fee"]["open_amount"] == "$15.00"
    assert data["total_due"] == "$310.00"
    assert (data["cash_only_until"], data["cash_only_for_good"]) == ("03/16/2027", False)
    amounts = [
        data["payment"]["amount"],
        data["reopened_total"],
        data["credit_removed"],
        data["total_due"],
        *data["fee"].values(),
        *(value for row in data["reopened"] for value in row.values()),
    ]
    assert all(isinstance(value, str) for value in amounts)


def test_printing_a_notice_is_audited(bounced, technician):
    back, _, pay = bounced

    pdf = print_returned_notice(back, by=technician)

    assert pdf.startswith(b"%PDF")
    event = AuditEvent.objects.get(action="payment.return_notice_printed")
    assert (event.object_id, event.actor_name) == (str(back.pk), technician.username)
    assert event.detail == {"payment": pay.number, "amount": "300.00"}


def test_a_redeposited_return_has_no_notice(bounced, technician):
    back, _, _ = bounced
    returns.redeposit(back, on=BACK, by=technician)

    with pytest.raises(DocumentError) as refused:
        print_returned_notice(back, by=technician)

    assert refused.value.message == (
        f"{back.number} was redeposited and cleared on 03/16/2026: there is no returned-payment "
        "notice to send."
    )
    assert not AuditEvent.objects.filter(action="payment.return_notice_printed").exists()


def test_an_agency_override_notice_template_is_used(settings, tmp_path, bounced):
    (tmp_path / "returned_notice.typ").write_text(
        "#let data = json(bytes(sys.inputs.data))\n"
        "#for n in data.notices [\n"
        "  Override: #n.payment.number returned, #n.total_due due\n"
        "]\n"
    )
    settings.TEMPLATE_OVERRIDE_DIR = tmp_path
    back, _, pay = bounced

    text = text_of(render_returned_notice_pdf(back))

    assert template_path() == tmp_path / "returned_notice.typ"
    assert f"Override: {pay.number} returned, $310.00 due" in text

"""The board packet of a write-off and the refund letter to its payee, read back with pypdf: the
numbers, names, totals and approvals they print; a batch runs over several pages; a name Typst
would read as markup prints as written."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from pypdf import PdfReader

from fiscus.adjustments import services as adj
from fiscus.adjustments.documents import (
    DocumentError,
    packet_data,
    packet_file_name,
    packet_template_path,
    refund_letter_data,
    refund_letter_file_name,
    render_board_packet_pdf,
    render_refund_letter_pdf,
)
from fiscus.adjustments.models import Reason, Request
from fiscus.adjustments.services import Wanted
from fiscus.customers.services import create_customer
from fiscus.receivables.services import apply_credit
from tests.billing.factories_documents import letterhead
from tests.factories import customer, invoice, payment

D = Decimal
ON = date(2026, 6, 15)
# Typst markup, HTML, an ampersand, a dollar sign and quotes
ODD_NAME = "#1 *$[x]_ <b> & \"Ñoño\" 'Bo' = $5 @ref // ~"
NOT_RELEASED = (
    "Discharge from accountability does not release the debtor. Each debt listed remains due "
    "and collectible"
)


def pages_of(pdf: bytes) -> list[str]:
    """Each page's text with runs of white space made single."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def text_of(pdf: bytes) -> str:
    return " ".join(pages_of(pdf))


def reason(code: str) -> Reason:
    return Reason.objects.get(code=code)


@pytest.fixture(autouse=True)
def the_day_after():
    with time_machine.travel(datetime(2026, 6, 16, 17, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def written_off(city, technician, supervisor):
    """Tina writes off three invoices of two customers as bad debt; Sam approves."""
    letterhead(city)
    ann, ben = customer(city.clerk, "Ann Lee"), customer(city.clerk, "Ben Ortiz")
    bills = [
        invoice(city, ann, "140.00", on=date(2026, 1, 5)),
        invoice(city, ben, "25.50", on=date(2026, 2, 2), due_in=15),
        invoice(city, ben, "1099.99", on=date(2026, 3, 2)),
    ]
    req = adj.prepare(
        by=technician,
        kind="write_off",
        reason=reason("BADDEBT"),
        lines=[
            Wanted(bills[0], D("140.00")),
            Wanted(bills[1], D("25.50")),
            Wanted(bills[2], D("1000.00")),
        ],
        on=ON,
        description="Three notices returned undeliverable; skip trace failed.",
    )
    adj.approve(req, by=supervisor, comment="Collection agency returned them.")
    return Request.objects.get(pk=req.pk), (ann, ben), bills


def test_the_packet_names_the_request_its_reason_and_who_prepared_and_approved_it(written_off):
    req, _, _ = written_off

    text = text_of(render_board_packet_pdf(req))

    assert text.startswith("City of Riverside Falls 100 Civic Center Plaza")
    assert "Request for discharge from accountability" in text
    assert "California Government Code sections 25257 through 25259" in text
    assert f"REQUEST NUMBER {req.number}" in text
    assert "KIND Write-off of bad debt" in text
    assert "DATE June 16, 2026 ACCOUNTING DATE 06/15/2026 STATUS Posted" in text
    assert "REASON BADDEBT — Uncollectible after collection efforts" in text
    assert f"GL ACCOUNT {req.reason.account.code} Allowance for doubtful accounts" in text
    assert "PREPARED BY Tina, 06/16/2026 APPROVED BY Sam, 06/16/2026" in text
    assert "Three notices returned undeliverable; skip trace failed." in text
    assert "Collection agency returned them." in text


def test_the_packet_lists_every_item_with_its_dates_and_the_totals(written_off):
    req, (ann, ben), bills = written_off

    text = text_of(render_board_packet_pdf(req))

    assert f"1 {ann.number} {ann.name} {bills[0].number} 01/05/2026 02/04/2026 $140.00" in text
    assert f"2 {ben.number} {ben.name} {bills[1].number} 02/02/2026 02/17/2026 $25.50" in text
    assert f"3 {ben.number} {ben.name} {bills[2].number} 03/02/2026 04/01/2026 $1,000.00" in text
    assert "Total, 3 items $1,165.50" in text
    assert (
        f"BADDEBT Uncollectible after collection efforts {req.reason.account} 3 $1,165.50 "
        "Total, 2 customers 3 $1,165.50" in text
    )
    assert "accountability for the 3 amounts listed in this request, totaling $1,165.50" in text


def test_the_packet_says_discharge_does_not_release_the_debtor(written_off):
    req, _, _ = written_off

    text = text_of(render_board_packet_pdf(req))

    assert NOT_RELEASED in text
    assert "(Gov. Code § 25259)" in text
    assert (
        "Action of the governing board Discharge from accountability for the 3 amounts listed "
        "above, totaling $1,165.50, approved by the governing board on" in text
    )
    assert "CLERK OF THE GOVERNING BOARD" in text


def test_a_write_off_waiting_for_approval_says_so(city, technician):
    letterhead(city)
    who = customer(city.clerk, "Dana Scully")
    bill = invoice(city, who, "80.00")
    req = adj.prepare(
        by=technician,
        kind="write_off",
        reason=reason("SKIP"),
        lines=[Wanted(bill, D("80.00"))],
        on=ON,
    )

    text = text_of(render_board_packet_pdf(req))

    assert "WAITING FOR APPROVAL" in text
    assert "STATUS Waiting for approval" in text
    assert "PREPARED BY Tina, 06/16/2026 APPROVED BY Awaiting approval" in text
    assert "SKIP — Debtor cannot be located" in text
    assert "accountability for the 1 amount listed in this request, totaling $80.00" in text
    assert "Total, 1 customer 1 $80.00" in text
    assert "Total, 1 item $80.00" in text
    assert packet_data(req)["approved_by"] == ""


def test_a_small_balance_run_within_the_threshold_needs_no_approver(city, technician):
    letterhead(city)
    adj.update_settings(by=technician, small_balance_threshold=D("50.00"))
    a, b = customer(city.clerk, "Cleo"), customer(city.clerk, "Dov")
    bills = [invoice(city, a, "4.25"), invoice(city, b, "9.99")]
    req = adj.prepare(
        by=technician,
        kind="small_balance",
        reason=reason("SMALLBAL"),
        lines=[Wanted(bills[0], D("4.25")), Wanted(bills[1], D("9.99"))],
        on=ON,
    )
    assert req.status == "posted" and req.decided_by is None

    text = text_of(render_board_packet_pdf(req))

    assert "KIND Small-balance write-off" in text
    assert "APPROVED BY Not required (within the approval threshold)" in text
    assert "SMALLBAL Small balance, not cost-effective to collect" in text
    assert "Total, 2 items $14.24" in text


def test_a_batch_of_120_items_runs_over_several_pages_with_the_header_on_each(
    city, technician, supervisor
):
    letterhead(city)
    people = [customer(city.clerk, f"Resident {n:03d}") for n in range(40)]
    bills = [invoice(city, people[n % 40], f"{n + 1}.25") for n in range(120)]
    req = adj.prepare(
        by=technician,
        kind="write_off",
        reason=reason("BADDEBT"),
        lines=[Wanted(b, b.amount) for b in bills],
        on=ON,
    )
    adj.approve(req, by=supervisor)

    pages = pages_of(render_board_packet_pdf(req))

    assert len(pages) > 2
    assert all("AMOUNT WRITTEN OFF" in page for page in pages)
    assert all(f"Page {n} of {len(pages)}" in page for n, page in enumerate(pages, 1))
    text = " ".join(pages)
    total = sum((b.amount for b in bills), D("0.00"))
    assert total == D("7290.00")
    assert "Total, 120 items $7,290.00" in text
    assert "Total, 40 customers 120 $7,290.00" in text
    assert all(b.number in text for b in bills)
    assert NOT_RELEASED in text


def test_names_typst_would_read_as_markup_print_as_written(city, technician, supervisor):
    letterhead(city)
    who = create_customer(by=city.clerk, fields={"name": ODD_NAME}, confirm_duplicate=True)
    bill = invoice(city, who, "12.00")
    req = adj.prepare(
        by=technician,
        kind="write_off",
        reason=reason("DECEASED"),
        lines=[Wanted(bill, D("12.00"))],
        on=ON,
        description="Estate of *Jo* & <Co> #closed $0 _left_",
    )
    adj.approve(req, by=supervisor)

    text = text_of(render_board_packet_pdf(req))

    assert packet_data(req)["lines"][0]["customer_name"] == ODD_NAME
    assert ODD_NAME in text
    assert "Estate of *Jo* & <Co> #closed $0 _left_" in text


def test_only_a_write_off_posted_or_waiting_has_a_packet(city, technician):
    who = customer(city.clerk, "Walter Skinner")
    fix = adj.prepare(
        by=technician,
        kind="correction",
        reason=reason("BILLERR"),
        lines=[Wanted(invoice(city, who, "80.00"), D("30.00"))],
        on=ON,
    )
    with pytest.raises(DocumentError) as refused:
        render_board_packet_pdf(fix)
    assert refused.value.message == (
        f"{fix.number} is a correcting entry; only a write-off goes to the board for discharge "
        "from accountability."
    )
    gone = adj.prepare(
        by=technician,
        kind="write_off",
        reason=reason("BADDEBT"),
        lines=[Wanted(invoice(city, who, "20.00"), D("20.00"))],
        on=ON,
    )
    adj.withdraw(gone, by=technician)
    with pytest.raises(DocumentError) as refused:
        render_board_packet_pdf(gone)
    assert refused.value.message == (
        f"Request {gone.number} is withdrawn; only a write-off that is posted or waiting for "
        "approval has a board packet."
    )


def test_an_agency_override_packet_template_is_used(settings, tmp_path, written_off):
    (tmp_path / "board_packet.typ").write_text(
        "#let data = json(bytes(sys.inputs.data))\n"
        "#for p in data.packets [\n"
        "  Override: #p.number for #p.total\n"
        "]\n"
    )
    settings.TEMPLATE_OVERRIDE_DIR = tmp_path
    req, _, _ = written_off

    text = text_of(render_board_packet_pdf(req))

    assert packet_template_path() == tmp_path / "board_packet.typ"
    assert f"Override: {req.number} for $1,165.50" in text


def test_the_file_names_carry_the_request_number(written_off):
    req, _, _ = written_off
    assert packet_file_name(req) == f"board-packet-{req.number}.pdf"
    assert refund_letter_file_name(req) == f"refund-letter-{req.number}.pdf"


# --- the refund letter --------------------------------------------------------------------------


@pytest.fixture
def refund(city, technician, supervisor):
    """Fox overpaid twice: 80.00 of credit from two payments refunded, approved by Sam."""
    letterhead(city)
    fox = customer(city.clerk, "Fox Mulder")
    bill = invoice(city, fox, "50.00")
    first = payment(city, fox, "100.00", on=date(2026, 3, 10))
    second = payment(city, fox, "30.00", on=date(2026, 4, 2))
    apply_credit(first, bill, D("50.00"), on=ON, by=technician)
    req = adj.request_refund(
        by=technician,
        customer=fox,
        reason=reason("OVERPAY"),
        amount=D("80.00"),
        on=ON,
        payee_name="Fox & Dana Mulder",
        payee_address="2630 Hegal Place, Apt 42\nAlexandria, VA 22314",
    )
    adj.approve(req, by=supervisor)
    return Request.objects.get(pk=req.pk), fox, (first, second)


def test_the_refund_letter_tells_the_payee_what_was_approved(refund):
    req, fox, (first, second) = refund

    pages = pages_of(render_refund_letter_pdf(req))
    text = " ".join(pages)

    assert len(pages) == 1
    assert text.startswith("City of Riverside Falls 100 Civic Center Plaza")
    assert "June 16, 2026 Fox & Dana Mulder 2630 Hegal Place, Apt 42 Alexandria, VA 22314" in text
    assert f"Customer number: {fox.number} Reference: {req.number}" in text
    assert "Subject: Refund of your credit balance Dear Fox & Dana Mulder:" in text
    assert (
        f"a refund of $80.00 of the credit balance on account {fox.number} ({fox.name}) has been "
        "approved on 06/16/2026. The reason for the refund: Overpayment." in text
    )
    assert "will be paid to you by check or electronic funds transfer (EFT)" in text
    assert "was paid on" not in text
    assert f"{first.number} Payment 03/10/2026 $50.00" in text
    assert f"{second.number} Payment 04/02/2026 $30.00" in text
    assert "Total refund $80.00" in text
    assert "(555) 010-2000 or ar@riversidefalls.example.gov" in text
    assert f"Please mention reference {req.number}." in text


def test_a_paid_refund_letter_gives_the_date_and_the_check_number(refund, technician):
    req, _, _ = refund
    adj.export_vouchers(by=technician)
    req = adj.mark_paid(
        req, by=technician, paid_on=date(2026, 6, 16), paid_by="check", reference="20417"
    )

    text = text_of(render_refund_letter_pdf(req))

    assert "The refund was paid on 06/16/2026 by check no. 20417." in text
    assert "will be paid" not in text
    assert refund_letter_data(req)["paid_reference"] == "20417"


def test_a_refund_paid_by_eft_gives_its_reference(refund, technician):
    req, _, _ = refund
    adj.export_vouchers(by=technician)
    adj.mark_paid(req, by=technician, paid_on=date(2026, 6, 16), paid_by="eft", reference="T-88")

    text = text_of(render_refund_letter_pdf(req))

    paid = "The refund was paid on 06/16/2026 by electronic funds transfer (EFT), reference T-88."
    assert paid in text


def test_a_payee_typst_would_read_as_markup_prints_as_written(city, technician, supervisor):
    letterhead(city)
    who = create_customer(by=city.clerk, fields={"name": ODD_NAME}, confirm_duplicate=True)
    payment(city, who, "25.00")
    req = adj.request_refund(
        by=technician,
        customer=who,
        reason=reason("DUPPAY"),
        amount=D("25.00"),
        on=ON,
        payee_address="#1 *Main* St <b>\n$[x]_ City, CA 90000",
    )
    adj.approve(req, by=supervisor)

    text = text_of(render_refund_letter_pdf(req))

    assert f"Dear {ODD_NAME}:" in text
    assert "#1 *Main* St <b> $[x]_ City, CA 90000" in text


def test_a_refund_waiting_for_approval_has_no_letter(city, technician):
    who = customer(city.clerk, "Jeffrey Spender")
    payment(city, who, "40.00")
    req = adj.request_refund(
        by=technician, customer=who, reason=reason("OVERPAY"), amount=D("40.00"), on=ON
    )

    with pytest.raises(DocumentError) as refused:
        render_refund_letter_pdf(req)

    assert refused.value.message == (
        f"Refund {req.number} is waiting for approval; the letter is sent once the refund is "
        "approved."
    )


def test_refund_letter_data_gives_every_amount_as_a_string(refund):
    req, fox, (first, second) = refund

    data = refund_letter_data(req)

    assert (data["amount"], data["total"], data["payee_name"]) == (
        "$80.00",
        "$80.00",
        "Fox & Dana Mulder",
    )
    assert [(i["number"], i["amount"]) for i in data["items"]] == [
        (first.number, "$50.00"),
        (second.number, "$30.00"),
    ]
    assert data["address"] == ["2630 Hegal Place, Apt 42", "Alexandria, VA 22314"]

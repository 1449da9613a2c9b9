"""Adjustments, write-offs, transfers and refunds: what each posts, and the approval rules."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from fiscus.adjustments import services as adj
from fiscus.adjustments.models import Reason, Request, RequestEvent
from fiscus.adjustments.services import AdjustmentError, Wanted
from fiscus.errors import PermissionDenied
from fiscus.ledger.models import JournalLine
from fiscus.ledger.queries import balance
from fiscus.ledger.services import verify as verify_gl
from fiscus.organization.models import Account
from fiscus.organization.services import account
from fiscus.receivables import queries
from fiscus.receivables.models import Item, ReceivableEntry
from fiscus.receivables.services import apply_credit
from fiscus.receivables.services import verify as verify_ar
from tests.factories import customer, invoice, make_user, payment

D = Decimal
ON = date(2026, 6, 15)


def gl(entry_id: int) -> list[tuple[str, Decimal, Decimal]]:
    return sorted(
        (ln.account.role or ln.account.code, ln.debit, ln.credit)
        for ln in JournalLine.objects.filter(entry_id=entry_id).select_related("account")
    )


def open_of(item: Item) -> Decimal:
    return Item.objects.get(pk=item.pk).open_amount


def reason(code: str) -> Reason:
    return Reason.objects.get(code=code)


def books_tie() -> None:
    assert verify_gl()[1] == [] and verify_ar()[1] == []
    assert balance(account(Account.Role.AR_CONTROL)) == queries.total_open()
    assert queries.total_open() == queries.total_cached_open()


@pytest.fixture
def owed(city):
    who = customer(city.clerk, "Dana Scully")
    return who, invoice(city, who, "140.00")


def test_a_write_off_posts_nothing_until_a_supervisor_approves_it(owed, technician, supervisor):
    who, bill = owed
    entries = ReceivableEntry.objects.count()
    req = adj.prepare(
        by=technician,
        kind="write_off",
        reason=reason("BADDEBT"),
        lines=[Wanted(bill, D("140.00"))],
        on=ON,
        description="Moved out of state; skip trace failed",
    )
    assert (req.status, req.needs_approval, req.journal_entry) == ("pending", True, None)
    assert open_of(bill) == D("140.00")
    assert ReceivableEntry.objects.count() == entries
    adj.approve(req, by=supervisor, comment="ok")
    req.refresh_from_db()
    assert req.status == "posted" and req.decided_by == supervisor
    assert open_of(bill) == D("0.00")
    assert gl(req.journal_entry_id) == [
        ("allowance", D("140.00"), D("0.00")),
        ("ar_control", D("0.00"), D("140.00")),
    ]
    row = ReceivableEntry.objects.get(source="adjustment.write_off")
    assert (row.item_id, row.amount, row.effective_date) == (bill.pk, D("-140.00"), ON)
    assert [e.action for e in req.events.all()] == ["prepared", "approved", "posted"]
    books_tie()


def test_the_preparer_cannot_approve_their_own_request(owed, supervisor):
    _, bill = owed
    req = adj.prepare(
        by=supervisor,
        kind="write_off",
        reason=reason("BADDEBT"),
        lines=[Wanted(bill, D("40.00"))],
        on=ON,
    )
    with pytest.raises(PermissionDenied, match="separation of duties"):
        adj.approve(req, by=supervisor)
    with pytest.raises(PermissionDenied):
        adj.reject(req, by=supervisor, comment="no")
    assert open_of(bill) == D("140.00")
    assert Request.objects.get(pk=req.pk).status == "pending"


def test_a_rejected_request_goes_back_to_its_preparer_with_the_comment(
    owed, technician, supervisor
):
    _, bill = owed
    req = adj.prepare(
        by=technician,
        kind="write_off",
        reason=reason("BADDEBT"),
        lines=[Wanted(bill, D("140.00"))],
        on=ON,
    )
    with pytest.raises(AdjustmentError, match="Say why"):
        adj.reject(req, by=supervisor, comment="  ")
    adj.reject(req, by=supervisor, comment="Send the second notice first.")
    req.refresh_from_db()
    assert (req.status, req.comment) == ("rejected", "Send the second notice first.")
    assert open_of(bill) == D("140.00")
    with pytest.raises(AdjustmentError, match="only a request waiting"):
        adj.approve(req, by=make_user("supervisor"))
    with pytest.raises(PermissionDenied, match="Only the preparer"):
        adj.resubmit(req, by=supervisor)
    adj.resubmit(req, by=technician, comment="Second notice came back undeliverable.")
    req = adj.approve(req, by=supervisor)
    assert open_of(bill) == D("0.00")
    assert list(RequestEvent.objects.filter(request=req).values_list("action", "by")) == [
        ("prepared", technician.pk),
        ("rejected", supervisor.pk),
        ("resubmitted", technician.pk),
        ("approved", supervisor.pk),
        ("posted", supervisor.pk),
    ]


def test_a_batch_write_off_posts_every_line_in_one_entry(city, technician, supervisor):
    a, b = customer(city.clerk, "Ann"), customer(city.clerk, "Ben")
    bills = [
        invoice(city, a, "10.00"),
        invoice(city, b, "25.50", department=city.works),
        invoice(city, b, "99.99"),
    ]
    req = adj.prepare(
        by=technician,
        kind="write_off",
        reason=reason("BADDEBT"),
        lines=[
            Wanted(bills[0], D("10.00")),
            Wanted(bills[1], D("25.50")),
            Wanted(bills[2], D("60.00")),
        ],
        on=ON,
    )
    assert req.customer is None and req.total == D("95.50")
    req = adj.approve(req, by=supervisor)
    assert [open_of(x) for x in bills] == [D("0.00"), D("0.00"), D("39.99")]
    lines = JournalLine.objects.filter(entry_id=req.journal_entry_id)
    assert sum(ln.debit for ln in lines) == sum(ln.credit for ln in lines) == D("95.50")
    works = lines.get(department=city.works, account__role="ar_control")
    assert works.credit == D("25.50")
    assert queries.customer_balance(b.pk) == D("39.99")
    books_tie()


def test_an_item_cannot_be_in_two_undecided_requests_nor_written_off_beyond_its_balance(
    owed, technician
):
    _, bill = owed
    with pytest.raises(AdjustmentError, match="more than the \\$140.00 still open"):
        adj.prepare(
            by=technician,
            kind="write_off",
            reason=reason("BADDEBT"),
            lines=[Wanted(bill, D("140.01"))],
            on=ON,
        )
    first = adj.prepare(
        by=technician,
        kind="write_off",
        reason=reason("BADDEBT"),
        lines=[Wanted(bill, D("40.00"))],
        on=ON,
    )
    with pytest.raises(AdjustmentError, match=f"already in request {first.number}"):
        adj.prepare(
            by=technician,
            kind="write_off",
            reason=reason("SKIP"),
            lines=[Wanted(bill, D("10.00"))],
            on=ON,
        )
    with pytest.raises(AdjustmentError, match="for a write-off of bad debt"):
        adj.prepare(
            by=technician,
            kind="correction",
            reason=reason("BADDEBT"),
            lines=[Wanted(bill, D("10.00"))],
            on=ON,
        )


def test_a_payment_that_shrank_the_item_meanwhile_stops_the_approval(
    city, owed, technician, supervisor
):
    who, bill = owed
    req = adj.prepare(
        by=technician,
        kind="write_off",
        reason=reason("BADDEBT"),
        lines=[Wanted(bill, D("140.00"))],
        on=ON,
    )
    apply_credit(payment(city, who, "50.00"), bill, D("50.00"), on=ON, by=technician)
    with pytest.raises(AdjustmentError, match="more than the \\$90.00 still open"):
        adj.approve(req, by=supervisor)
    assert open_of(bill) == D("90.00")
    assert Request.objects.get(pk=req.pk).status == "pending"


def test_a_correction_within_its_threshold_posts_at_once_and_can_reduce_a_credit(city, technician):
    who = customer(city.clerk, "Walter Skinner")
    bill = invoice(city, who, "80.00")
    fix = adj.prepare(
        by=technician,
        kind="correction",
        reason=reason("BILLERR"),
        lines=[Wanted(bill, D("30.00"))],
        on=ON,
    )
    assert (fix.status, fix.needs_approval) == ("posted", False)
    assert gl(fix.journal_entry_id) == [
        ("ar_control", D("0.00"), D("30.00")),
        ("revenue", D("30.00"), D("0.00")),
    ]
    credit = payment(city, who, "12.00")
    fix2 = adj.prepare(
        by=technician,
        kind="correction",
        reason=reason("POSTERR"),
        lines=[Wanted(credit, D("12.00"))],
        on=ON,
    )
    assert open_of(credit) == D("0.00")
    assert gl(fix2.journal_entry_id) == [
        ("ar_control", D("12.00"), D("0.00")),
        ("revenue", D("0.00"), D("12.00")),
    ]
    assert queries.customer_balance(who.pk) == D("50.00")
    big = adj.prepare(
        by=technician,
        kind="correction",
        reason=reason("BILLERR"),
        lines=[Wanted(bill, D("50.00"))],
        on=ON,
    )
    assert big.status == "posted"  # exactly the threshold (100.00 by default) is within it
    books_tie()


def test_a_transfer_moves_the_item_to_the_other_customer_with_its_age(city, technician, supervisor):
    wrong, right = customer(city.clerk, "Wrong Person"), customer(city.clerk, "Right Person")
    bill = invoice(city, wrong, "600.00", on=date(2026, 2, 1), due_in=30)
    req = adj.prepare(
        by=technician,
        kind="transfer",
        reason=reason("WRONGCUST"),
        lines=[Wanted(bill, D("600.00"))],
        on=ON,
        to_customer=right,
    )
    assert req.status == "pending"  # above the 500.00 transfer threshold
    req = adj.approve(req, by=supervisor)
    line = req.lines.get()
    new = line.new_item
    assert (new.customer_id, new.kind, new.amount, new.open_amount) == (
        right.pk,
        "debit_memo",
        D("600.00"),
        D("600.00"),
    )
    assert (new.document_date, new.due_date, new.department_id) == (
        bill.document_date,
        bill.due_date,
        bill.department_id,
    )
    assert queries.customer_balance(wrong.pk) == D("0.00")
    assert queries.customer_balance(right.pk) == D("600.00")
    assert gl(new.journal_entry_id) == [
        ("ar_control", D("0.00"), D("600.00")),
        ("ar_control", D("600.00"), D("0.00")),
    ]
    books_tie()


def test_a_refund_runs_request_approval_voucher_and_payment(city, technician, supervisor):
    who = customer(city.clerk, "Fox Mulder")
    bill = invoice(city, who, "50.00")
    paid = payment(city, who, "130.00")
    apply_credit(paid, bill, D("50.00"), on=ON, by=technician)
    assert adj.credit_balance(who) == D("80.00")
    with pytest.raises(AdjustmentError, match="credit balance of \\$80.00"):
        adj.request_refund(
            by=technician, customer=who, reason=reason("OVERPAY"), amount=D("80.01"), on=ON
        )
    req = adj.request_refund(
        by=technician,
        customer=who,
        reason=reason("OVERPAY"),
        amount=D("80.00"),
        on=ON,
        payee_address="1 Main St\nSpringfield, CA 90000",
    )
    assert (req.stage, req.payee_name) == ("Waiting for approval", who.name)
    with pytest.raises(AdjustmentError, match="not an approved refund"):
        adj.mark_paid(req, by=technician, paid_on=ON, paid_by="check", reference="1001")
    req = adj.approve(req, by=supervisor)
    req.refresh_from_db()
    assert req.stage == "Approved, to send to accounts payable"
    assert open_of(paid) == D("0.00")
    assert gl(req.journal_entry_id) == [
        ("ar_control", D("80.00"), D("0.00")),
        ("refunds_payable", D("0.00"), D("80.00")),
    ]
    voucher = adj.export_vouchers(by=technician)
    rows = list(csv.DictReader(io.StringIO(voucher.content)))
    assert [
        (
            r["refund_number"],
            r["payee_name"],
            r["amount"],
            r["address_1"],
            r["address_2"],
            r["account"],
        )
        for r in rows
    ] == [(req.number, who.name, "80.00", "1 Main St", "Springfield, CA 90000", "2010")]
    assert (voucher.count, voucher.total) == (1, D("80.00"))
    with pytest.raises(AdjustmentError, match="No approved refund"):
        adj.export_vouchers(by=technician)
    adj.mark_paid(req, by=technician, paid_on=ON, paid_by="check", reference="CHK 20417")
    req.refresh_from_db()
    assert (req.stage, req.paid_reference) == ("Paid", "CHK 20417")
    with pytest.raises(AdjustmentError, match="already paid"):
        adj.mark_paid(req, by=technician, paid_on=ON, paid_by="eft", reference="x")
    books_tie()


def test_a_written_off_item_stays_discharged_and_a_later_payment_reinstates_and_applies(
    city, owed, technician, supervisor
):
    who, bill = owed
    req = adj.prepare(
        by=technician,
        kind="write_off",
        reason=reason("BADDEBT"),
        lines=[Wanted(bill, D("140.00"))],
        on=ON,
    )
    req = adj.approve(req, by=supervisor)
    [line] = adj.discharged()
    assert (line.item_id, line.still) == (bill.pk, D("140.00"))
    late = payment(city, who, "100.00", on=date(2026, 8, 3))
    later = date(2026, 8, 3)
    [done] = adj.pay_discharged(late, on=later, by=technician)
    assert done.amount == D("100.00")
    assert open_of(bill) == D("0.00") and open_of(late) == D("0.00")
    assert gl(done.journal_entry_id) == [
        ("allowance", D("0.00"), D("100.00")),
        ("ar_control", D("100.00"), D("0.00")),
    ]
    assert done.application.debit_item_id == bill.pk
    [line] = adj.discharged()
    assert line.still == D("40.00")
    # as of the day between, the item is closed: the reinstatement and the payment are one day
    assert queries.customer_balance(who.pk, as_of=later) == D("0.00")
    more = payment(city, who, "60.00", on=later)
    [done2] = adj.pay_discharged(more, on=later, by=technician)
    assert done2.amount == D("40.00") and open_of(more) == D("-20.00")
    assert list(adj.discharged()) == []
    with pytest.raises(AdjustmentError, match="no discharged items"):
        adj.pay_discharged(more, on=later, by=technician)
    books_tie()


def test_the_small_balance_run_proposes_old_small_debts_only(city, technician):
    who = customer(city.clerk, "Small")
    tiny_old = invoice(city, who, "4.99", on=date(2026, 1, 5))
    invoice(city, who, "10.00", on=date(2026, 1, 5))  # not below the limit
    invoice(city, who, "3.00", on=date(2026, 5, 30))  # not 90 days past due
    disputed = invoice(city, who, "2.00", on=date(2026, 1, 5))
    Item.objects.filter(pk=disputed.pk).update(disputed=True)
    found = adj.small_balances(D("10.00"), min_days=90, on=ON)
    assert [i.pk for i in found] == [tiny_old.pk]

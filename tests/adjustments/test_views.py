"""Adjustments on the web: preparing, deciding, refunds and discharged debts, by role."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from fiscus.adjustments import services as adj
from fiscus.adjustments.models import Reason, Request
from fiscus.receivables.models import Item
from tests.factories import customer, invoice, make_user, payment

D = Decimal
ON = date(2026, 6, 15)


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def open_of(item: Item) -> Decimal:
    return Item.objects.get(pk=item.pk).open_amount


@pytest.fixture
def owed(city):
    who = customer(city.clerk, "Dale Cooper")
    return who, invoice(city, who, "250.00", on=date(2026, 1, 5))


def test_a_technician_requests_and_another_supervisor_approves(owed, technician, supervisor):
    _, bill = owed
    tech = client_for(technician)
    page = tech.get(reverse("adjustments:new") + f"?item={bill.pk}")
    assert page.status_code == 200 and b'value="250.00"' in page.content
    reason = Reason.objects.get(code="BADDEBT")
    response = tech.post(
        reverse("adjustments:new"),
        {
            "item": bill.number,
            "kind": "write_off",
            "reason": reason.pk,
            "amount": "137.45",
            "effective_date": ON.isoformat(),
            "description": "Skip trace failed",
        },
    )
    req = Request.objects.get()
    assert response.status_code == 302 and response["Location"] == req.get_absolute_url()
    assert (req.status, req.total, req.prepared_by) == ("pending", D("137.45"), technician)
    assert open_of(bill) == D("250.00")
    # the technician cannot decide; the supervisor's queue and dashboard show it
    assert tech.post(reverse("adjustments:approve", args=[req.pk])).status_code == 403
    boss = client_for(supervisor)
    queue = boss.get(reverse("adjustments:requests"))
    assert req.number.encode() in queue.content
    assert b"to-approve" in boss.get(reverse("dashboard")).content
    boss.post(reverse("adjustments:approve", args=[req.pk]), {"comment": "ok"})
    assert Request.objects.get().status == "posted"
    assert open_of(bill) == D("112.55")


def test_a_supervisor_who_prepared_a_request_cannot_approve_it_on_the_web(owed, supervisor):
    _, bill = owed
    req = adj.prepare(
        by=supervisor,
        kind="write_off",
        reason=Reason.objects.get(code="BADDEBT"),
        lines=[adj.Wanted(bill, D("250.00"))],
        on=ON,
    )
    boss = client_for(supervisor)
    page = boss.get(req.get_absolute_url())
    assert b"You prepared this request" in page.content and b'id="approve"' not in page.content
    assert req.number.encode() not in boss.get(reverse("adjustments:requests")).content
    response = boss.post(reverse("adjustments:approve", args=[req.pk]), follow=True)
    assert b"separation of duties" in response.content
    assert Request.objects.get().status == "pending" and open_of(bill) == D("250.00")


def test_a_rejection_reaches_the_preparer_with_its_comment(owed, technician, supervisor):
    _, bill = owed
    req = adj.prepare(
        by=technician,
        kind="write_off",
        reason=Reason.objects.get(code="BADDEBT"),
        lines=[adj.Wanted(bill, D("250.00"))],
        on=ON,
    )
    boss = client_for(supervisor)
    boss.post(reverse("adjustments:reject", args=[req.pk]), {"comment": "Try the <b>notice</b>"})
    tech = client_for(technician)
    assert b"returned-to-me" in tech.get(reverse("dashboard")).content
    mine = tech.get(reverse("adjustments:requests") + "?show=returned")
    assert b"Try the &lt;b&gt;notice&lt;/b&gt;" in mine.content
    tech.post(reverse("adjustments:resubmit", args=[req.pk]), {"comment": "Notice returned"})
    assert Request.objects.get().status == "pending"


def test_the_small_balance_run_proposes_and_requests_in_one_batch(city, technician, supervisor):
    who = customer(city.clerk, "Audrey Horne")
    tiny = [
        invoice(city, who, "3.10", on=date(2026, 1, 5)),
        invoice(city, who, "7.25", on=date(2026, 1, 6)),
    ]
    invoice(city, who, "40.00", on=date(2026, 1, 5))
    tech = client_for(technician)
    page = tech.get(reverse("adjustments:batch") + "?small=1")
    assert [t.number.encode() in page.content for t in tiny] == [True, True]
    reason = Reason.objects.get(code="SMALLBAL")
    tech.post(
        reverse("adjustments:batch") + "?small=1",
        {"item": [tiny[0].pk, tiny[1].pk], "reason": reason.pk, "effective_date": ON.isoformat()},
    )
    req = Request.objects.get()
    assert (req.kind, req.total, req.lines.count()) == ("small_balance", D("10.35"), 2)
    client_for(supervisor).post(reverse("adjustments:approve", args=[req.pk]))
    assert [open_of(t) for t in tiny] == [D("0.00"), D("0.00")]


def test_a_refund_from_the_credit_balances_worklist_to_paid(city, technician, supervisor):
    who = customer(city.clerk, "Shelly Johnson")
    payment(city, who, "75.00")
    tech = client_for(technician)
    listed = tech.get(reverse("adjustments:credit_balances"))
    assert who.number.encode() in listed.content and b"75.00" in listed.content
    url = reverse("adjustments:refund_new", args=[who.number])
    too_much = tech.post(
        url,
        {
            "reason": Reason.objects.get(code="OVERPAY").pk,
            "amount": "75.01",
            "effective_date": ON.isoformat(),
            "payee_name": who.name,
        },
    )
    assert b"credit balance of $75.00" in too_much.content
    tech.post(
        url,
        {
            "reason": Reason.objects.get(code="OVERPAY").pk,
            "amount": "75.00",
            "effective_date": ON.isoformat(),
            "payee_name": who.name,
            "payee_address": "12 Elm St\nTwin Peaks, CA 98065",
        },
    )
    req = Request.objects.get()
    client_for(supervisor).post(reverse("adjustments:approve", args=[req.pk]))
    tech.post(reverse("adjustments:vouchers_export"))
    req.refresh_from_db()
    assert req.voucher is not None
    csv = tech.get(reverse("adjustments:voucher_file", args=[req.voucher.pk]))
    assert csv["Content-Type"].startswith("text/csv")
    assert f"{req.number},{ON:%Y-%m-%d},{who.name},12 Elm St".encode() in csv.content
    tech.post(
        reverse("adjustments:paid", args=[req.pk]),
        {"paid_on": ON.isoformat(), "paid_by": "eft", "reference": "EFT-99812"},
    )
    req.refresh_from_db()
    assert (req.stage, req.paid_reference) == ("Paid", "EFT-99812")


def test_a_discharged_debt_paid_later_from_the_discharged_page(owed, city, technician, supervisor):
    who, bill = owed
    req = adj.prepare(
        by=technician,
        kind="write_off",
        reason=Reason.objects.get(code="BADDEBT"),
        lines=[adj.Wanted(bill, D("250.00"))],
        on=ON,
    )
    adj.approve(req, by=supervisor)
    later = payment(city, who, "90.00", on=date(2026, 7, 1))
    tech = client_for(technician)
    account = tech.get(reverse("customers:detail", args=[who.number]))
    assert b'id="discharged"' in account.content and b"250.00" in account.content
    assert f"?item={later.pk}".encode() in account.content  # the payment can be adjusted
    page = tech.get(reverse("adjustments:discharged"))
    assert bill.number.encode() in page.content and later.number.encode() in page.content
    tech.post(reverse("adjustments:discharged_pay", args=[later.pk]))
    assert open_of(later) == D("0.00") and open_of(bill) == D("0.00")
    assert [ln.still for ln in adj.discharged()] == [D("160.00")]


def test_thresholds_are_a_supervisors_setting(technician, supervisor):
    assert client_for(technician).get(reverse("adjustments:setup")).status_code == 403
    boss = client_for(supervisor)
    form = {
        "form": "settings",
        "write_off_threshold": "50.00",
        "small_balance_threshold": "0",
        "correction_threshold": "100.00",
        "transfer_threshold": "500.00",
        "refund_threshold": "0",
        "small_balance_limit": "5.00",
        "small_balance_min_days": "120",
    }
    boss.post(reverse("adjustments:setup"), form)
    assert adj.adjustment_settings().write_off_threshold == D("50.00")
    assert adj.adjustment_settings().small_balance_limit == D("5.00")


def test_a_department_biller_has_no_adjustments(city):
    biller = make_user("department biller", departments=[city.parks])
    assert client_for(biller).get(reverse("adjustments:requests")).status_code == 403

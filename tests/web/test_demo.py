"""`fiscus demo`: the City of Riverbend, loaded through the real services."""

from __future__ import annotations

from datetime import UTC, date, datetime
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from fiscus.audit.models import AuditEvent
from fiscus.billing.models import (
    FinanceChargeRun,
    Invoice,
    InvoiceBatch,
    InvoiceStatus,
    Memo,
    MemoKind,
    RecurringSchedule,
)
from fiscus.billing.queries import invoices_visible_to, review_queue
from fiscus.billing.review import review_many
from fiscus.billing.services import batch_totals
from fiscus.customers.models import Customer
from fiscus.demo.city import LOGINS, PASSWORD, plan_city
from fiscus.demo.words import DEPARTMENTS
from fiscus.ledger import services as ledger
from fiscus.ledger.models import JournalEntry
from fiscus.organization.services import agency
from fiscus.receivables import services as receivables
from fiscus.receivables.models import Application, Item, ReceivableEntry
from fiscus.reports.queries import aging, ar_tie_out

TODAY = date(2026, 11, 23)
THIS_MONTH = date(2026, 11, 1)


@pytest.fixture
def demo(db: None) -> str:
    out = StringIO()
    with time_machine.travel(datetime(2026, 11, 23, 18, 0, tzinfo=UTC), tick=True):
        call_command("demo", customers=40, seed=7, stdout=out, stderr=StringIO())
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "customers": Customer.objects.count(),
        "items": Item.objects.count(),
        "receivable rows": ReceivableEntry.objects.count(),
        "journal entries": JournalEntry.objects.count(),
        "audit events": AuditEvent.objects.count(),
        "users": User.objects.count(),
    }


def test_the_demo_is_the_city_of_riverbend_with_every_kind_of_customer(demo: str) -> None:
    assert agency().name == "City of Riverbend"
    assert "Riverbend, CA" in agency().remit_to
    assert Customer.objects.count() == 40
    assert set(Customer.objects.values_list("type", flat=True)) == set(Customer.Type.values)
    for flag in Customer.FLAGS:
        assert Customer.objects.filter(**{flag: True}).exists(), flag
    assert "City of Riverbend: 40 customers" in demo


def test_every_role_has_a_login_that_works_with_the_demo_password(demo: str) -> None:
    for username, _first, _last, role, _departments in LOGINS:
        user = User.objects.get(username=username)
        assert user.groups.filter(name=role.value).exists()
        client = Client()
        response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
        assert response.status_code == 302, username
        assert client.session["_auth_user_id"] == str(user.pk)
        assert f"{username:<6}  {PASSWORD}  {role.label}" in demo
    bill = User.objects.get(username="bill")
    assert [d.name for d in bill.staff_profile.departments.all()] == ["Parks and Recreation"]


def test_every_aging_bucket_holds_money_and_credits_sit_beside_them(demo: str) -> None:
    report = aging(as_of=TODAY)
    assert report.labels == ["Not yet due", "1–30", "31–60", "61–90", "91–120", "Over 120"]
    assert all(total > 0 for total in report.bucket_totals), report.bucket_totals
    assert report.credits_total < 0
    assert report.tie_out is not None and report.tie_out.ties


def test_the_general_ledger_ties_to_the_receivable_ledger_and_both_chains_verify(
    demo: str,
) -> None:
    assert ar_tie_out().ties
    assert ar_tie_out(as_of=date(2026, 1, 31)).ties
    gl_checked, gl_problems = ledger.verify()
    ar_checked, ar_problems = receivables.verify()
    assert gl_checked > 100 and gl_problems == []
    assert ar_checked > 100 and ar_problems == []
    kinds = set(Item.objects.values_list("kind", flat=True))
    assert kinds == {
        Item.Kind.OPENING_BALANCE,
        Item.Kind.INVOICE,
        Item.Kind.PAYMENT,
        Item.Kind.CREDIT_MEMO,
        Item.Kind.DEBIT_MEMO,
        Item.Kind.FINANCE_CHARGE,
        Item.Kind.FEE,  # a returned check's fee
    }


def test_loading_again_changes_nothing_and_with_if_empty_prints_the_logins(demo: str) -> None:
    before = counts()
    out = StringIO()
    call_command("demo", if_empty=True, stdout=out)
    assert counts() == before
    assert "The database already has customers; the demo is not loaded." in out.getvalue()
    assert f"tina    {PASSWORD}  AR technician" in out.getvalue()
    with pytest.raises(CommandError, match="the demo loads into an empty database"):
        call_command("demo", stdout=StringIO())
    assert counts() == before


def test_the_same_seed_and_day_draw_the_same_city() -> None:
    first = plan_city(customers=40, seed=3, today=TODAY)
    again = plan_city(customers=40, seed=3, today=TODAY)
    other = plan_city(customers=40, seed=4, today=TODAY)
    assert [c.fields for c in first.customers] == [c.fields for c in again.customers]
    assert [(d.amount, d.due_date) for d in first.debits] == [
        (d.amount, d.due_date) for d in again.debits
    ]
    assert [c.fields for c in first.customers] != [c.fields for c in other.customers]
    assert first.billing == again.billing  # leases, memos and the review queue
    assert first.billing != other.billing


def test_every_department_bills_through_posted_invoices_that_payments_apply_to(demo: str) -> None:
    posted = Invoice.objects.filter(status=InvoiceStatus.POSTED).select_related("item")
    departments = set(posted.values_list("department__code", flat=True))
    assert departments == {code for code, *_ in DEPARTMENTS}
    assert set(posted.values_list("created_by__username", "department__code").distinct()) >= {
        ("bill", "PRK"),
        ("tina", "UTL"),
    }
    assert set(posted.values_list("posted_by__username", flat=True)) == {"tina"}
    for invoice in posted:
        assert invoice.item.kind == Item.Kind.INVOICE
        assert invoice.item.number == invoice.number
        assert invoice.item.amount == invoice.total
    assert not Item.objects.filter(kind=Item.Kind.INVOICE, invoice__isnull=True).exists()
    paid = Application.objects.filter(
        debit_item__kind=Item.Kind.INVOICE, credit_item__kind=Item.Kind.PAYMENT
    )
    assert paid.count() > 20
    assert f"Billing: {posted.count()} invoices posted from 8 departments" in demo


def test_recurring_leases_bill_every_month_and_leave_this_months_invoices_as_drafts(
    demo: str,
) -> None:
    schedules = RecurringSchedule.objects.order_by("id")
    expected = {"monthly": 12, "quarterly": 4, "annual": 1}
    assert schedules.count() == 6
    for schedule in schedules:
        invoices = Invoice.objects.filter(recurring=schedule)
        assert schedule.start_date == date(2025, 11, 1)
        assert invoices.filter(status=InvoiceStatus.POSTED).count() == expected[schedule.frequency]
        drafts = invoices.filter(status=InvoiceStatus.DRAFT)
        assert list(drafts.values_list("invoice_date", flat=True)) == [THIS_MONTH]
        assert schedule.next_date > THIS_MONTH
    assert "6 recurring schedules" in demo


def test_credit_memos_correct_posted_invoices_in_part_and_in_full_and_some_stay_on_account(
    demo: str,
) -> None:
    credits = Memo.objects.filter(kind=MemoKind.CREDIT).select_related("invoice", "item")
    against = [m for m in credits if m.invoice is not None]
    on_account = [m for m in credits if m.invoice is None]
    assert len(against) >= 3 and len(on_account) == 3
    assert any(m.amount < m.invoice.total for m in against)  # type: ignore[union-attr]
    assert any(m.reason.code == "NOSERVICE" for m in against)
    for memo in against:
        assert memo.item.open_amount == 0  # applied to the invoice at once
        assert memo.invoice.item.open_amount >= 0  # type: ignore[union-attr]
    # still on account, unless the adjustments demo refunded the customer's credit balance
    refunded = dict(
        ReceivableEntry.objects.filter(source="adjustment.refund")
        .values_list("item_id")
        .annotate(t=Sum("amount"))
    )
    assert all(m.item.open_amount == -m.amount + refunded.get(m.item_id, 0) for m in on_account)
    assert any(m.item.open_amount == -m.amount for m in on_account)
    debits = Memo.objects.filter(kind=MemoKind.DEBIT)
    assert debits.count() == 2
    assert f"{credits.count()} credit memos, 2 debit memos" in demo


def test_invoices_wait_in_review_failing_each_check_and_two_went_back_to_the_biller(
    demo: str,
) -> None:
    tina, bill = User.objects.get(username="tina"), User.objects.get(username="bill")
    queue = list(review_queue(tina))
    checks = review_many(queue)
    failed = {check.code for found in checks.values() for check in found}
    assert {"duplicate", "po_missing", "unusual_amount", "customer_hold"} <= failed
    assert sum(1 for found in checks.values() if found) >= 7
    batch = InvoiceBatch.objects.get(submitted_at__isnull=False)
    assert batch_totals(batch).balanced and batch.control_count == 3
    assert all(not checks[i.pk] for i in queue if i.batch_id == batch.pk)
    entering = InvoiceBatch.objects.get(submitted_at__isnull=True)
    assert batch_totals(entering).count_difference == -2
    returned = invoices_visible_to(bill).filter(status=InvoiceStatus.RETURNED)
    assert returned.count() == 2
    assert all(i.department.code == "PRK" and i.return_comment for i in returned)
    assert "10 waiting in review, 2 returned to the biller" in demo


def test_last_months_finance_charges_are_posted_and_skip_whom_the_gate_stops(demo: str) -> None:
    run = FinanceChargeRun.objects.get()
    assert run.status == FinanceChargeRun.Status.POSTED
    assert run.as_of == date(2026, 10, 31)
    charged = run.lines.filter(skipped=False)
    assert charged.exists() and all(ln.item.kind == Item.Kind.FINANCE_CHARGE for ln in charged)
    assert run.total == sum(ln.charge for ln in charged)
    reasons = list(run.lines.filter(skipped=True).values_list("reason", flat=True))
    assert "the account is on hold" in reasons
    assert "the customer is in bankruptcy (the automatic stay)" in reasons

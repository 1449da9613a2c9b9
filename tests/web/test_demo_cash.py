"""The demo city's cash: payments through the cash app, deposits, balancing, bank files, lockbox.

One city of 40 customers is loaded for the whole module (inside a transaction rolled back at the
end); each test reads it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Sum

from fiscus import money
from fiscus.cash.formats.statements import parse_statement
from fiscus.cash.models import (
    ApplicationReason,
    BalancedDay,
    BankLine,
    BankStatement,
    DepartmentReport,
    Deposit,
    Match,
    Method,
    Payment,
)
from fiscus.cash.queries import day_balancing, days_to_balance, unapplied_cash
from fiscus.cash.services import cash_settings
from fiscus.demo.cash import BANK_ACCOUNTS, Credit, bai2_file
from fiscus.demo.city import DemoCity, load_city, plan_city
from fiscus.demo.words import DEPARTMENTS
from fiscus.ledger import services as ledger
from fiscus.ledger.models import JournalLine
from fiscus.organization.models import Account
from fiscus.organization.services import account
from fiscus.receivables import services as receivables
from fiscus.reports.queries import ar_tie_out

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def riverbend(django_db_setup: None, django_db_blocker: Any) -> Iterator[DemoCity]:
    with (
        django_db_blocker.unblock(),
        time_machine.travel(datetime(2026, 11, 23, 18, 0, tzinfo=UTC), tick=True),
        transaction.atomic(),
    ):
        yield load_city(plan_city(customers=40, seed=7))
        transaction.set_rollback(True)


@pytest.fixture
def city(riverbend: DemoCity, db: None) -> DemoCity:
    return riverbend


def undeposited_by_day() -> dict[date, Decimal]:
    rows = (
        JournalLine.objects.filter(account=account(Account.Role.UNDEPOSITED_CASH))
        .values("entry__date")
        .annotate(d=Sum("debit"), c=Sum("credit"))
    )
    return {r["entry__date"]: money.cents(r["d"] - r["c"]) for r in rows}


def test_every_method_and_every_department_takes_payments_into_deposits(city: DemoCity) -> None:
    assert set(Payment.objects.values_list("method", flat=True)) == set(Method.values)
    codes = {code for code, *_ in DEPARTMENTS}
    assert set(Deposit.objects.values_list("department__code", flat=True)) == codes
    assert set(Deposit.objects.values_list("cashier__username", flat=True)) >= {"cass", "tina"}
    checks = Payment.objects.filter(method=Method.CHECK, source="counter")
    assert all(p.check_number and p.bank_account.startswith("••••") for p in checks)
    assert all(len(p.bank_account) == 8 for p in checks)  # ••••1234: the rest is never kept
    # a cash-only customer's checks all came before the return that made them cash-only
    for p in Payment.objects.filter(customer__cash_only=True, method=Method.CHECK):
        assert p.customer.returns.filter(returned_on__gte=p.received_on).exists(), p.number
    # Every deposit holds what its control totals say; all but today's counters are closed.
    for deposit in Deposit.objects.annotate(n=Count("payments"), total=Sum("payments__amount")):
        assert deposit.n == deposit.control_count and deposit.total == deposit.control_total
        still_counting = deposit.deposit_date == TODAY and deposit.source == "counter"
        assert (deposit.status == Deposit.Status.OPEN) == still_counting
    assert city.cash is not None and city.cash.payments == Payment.objects.count()


def test_balanced_days_leave_no_undeposited_cash_and_the_open_days_are_the_gl_balance(
    city: DemoCity,
) -> None:
    by_day = undeposited_by_day()
    balanced = set(BalancedDay.objects.values_list("day", flat=True))
    assert len(balanced) > 50
    assert all(by_day.get(day, money.ZERO) == 0 for day in balanced)
    assert not Deposit.objects.filter(deposit_date__in=balanced).exclude(status="balanced")
    waiting = Payment.objects.exclude(deposit__deposit_date__in=balanced)
    total = waiting.aggregate(t=Sum("amount"))["t"]
    assert total == sum(by_day.values(), money.ZERO) > 0  # to the cent
    to_balance = days_to_balance()
    assert len(to_balance) >= 3 and min(to_balance) > max(balanced)
    assert TODAY in to_balance


def test_some_days_have_variances_with_their_causes(city: DemoCity) -> None:
    noted = BalancedDay.objects.exclude(note="").order_by("day")
    assert noted.count() == 2
    for day in noted:
        balancing = day_balancing(day.day)
        [variance] = balancing.variances
        assert variance.kind == "department"
        assert abs(variance.amount) in (Decimal("10.00"), Decimal("0.25"))
        [row] = [r for r in balancing.rows if r.variance]
        assert row.department.name in variance.cause and "Fiscus receipted" in variance.cause
        assert row.department.name in day.note and money.fmt(row.receipted) in day.note
    quiet = BalancedDay.objects.filter(note="").first()
    assert quiet is not None and day_balancing(quiet.day).variances == []
    # Every department-day before today was reported; a report differs only where noted.
    closed = Deposit.objects.exclude(deposit_date=TODAY).values_list(
        "deposit_date", "department_id"
    )
    reports = set(DepartmentReport.objects.values_list("report_date", "department_id"))
    assert set(closed) <= reports
    # The days still to balance show the bank's side: a credit short, one nobody explains.
    kinds = [v.kind for day in days_to_balance() for v in day_balancing(day).variances]
    assert "bank_extra" in kinds
    assert "unreported" in kinds  # today's counters have not reported yet


def test_bank_statements_were_imported_and_their_lines_matched_to_deposits(
    city: DemoCity,
) -> None:
    statements = BankStatement.objects.all()
    assert statements.count() > 50
    assert set(statements.values_list("format", flat=True)) == {"bai2"}
    assert not statements.exclude(problems="")  # every statement's balances tie
    numbers = {number for _, number, _ in BANK_ACCOUNTS.values()}
    assert set(statements.values_list("account_number", flat=True)) == numbers
    assert all(s.bank_account is not None for s in statements)
    matched = BankLine.objects.filter(deposit__isnull=False).select_related("deposit")
    assert matched.count() > 50
    line = matched.first()
    assert line is not None and line.deposit is not None
    assert line.amount == line.deposit.payments.aggregate(t=Sum("amount"))["t"]
    assert line.deposit.bank_reference in line.customer_reference
    # The bank's ACH credit of today was received as a payment and applied by itself.
    received = BankLine.objects.get(payment__isnull=False)
    payment = received.payment
    assert payment is not None and payment.source == "bank" and payment.method == Method.ACH
    assert payment.status == Payment.Status.POSTED and payment.unapplied == 0
    assert payment.applications.get().automatic
    # Another customer's ACH credit waits, unexplained; one deposit was credited short.
    stray = BankLine.objects.filter(deposit__isnull=True, payment__isnull=True)
    assert stray.filter(text__startswith="ACH CREDIT").count() == 1
    plan = plan_city(customers=40, seed=7, today=TODAY).cash
    assert plan is not None and plan.short_deposit is not None
    short = BankLine.objects.get(text__contains=plan.short_cause)
    deposit = Deposit.objects.get(bank_reference=plan.deposits[plan.short_deposit].bag)
    assert short.amount == deposit.payments.aggregate(t=Sum("amount"))["t"] - plan.short


def test_the_worklist_has_suggestions_unidentified_payments_and_overpayments(
    city: DemoCity,
) -> None:
    tina = User.objects.get(username="tina")
    worklist = unapplied_cash(tina)
    suggested = worklist.filter(matches__status=Match.Status.SUGGESTED).distinct()
    assert suggested.count() >= 4
    threshold = cash_settings().auto_apply_threshold
    for match in Match.objects.filter(status=Match.Status.SUGGESTED):
        assert match.confidence < threshold and match.reason
    nobody = worklist.filter(status=Payment.Status.UNIDENTIFIED, customer__isnull=True)
    without_any_idea = nobody.exclude(matches__isnull=False)
    assert without_any_idea.count() == 2
    assert all(p.payer and p.unapplied == p.amount for p in without_any_idea)
    overpaid = worklist.filter(status=Payment.Status.POSTED).filter(applications__isnull=False)
    assert overpaid.exists()
    assert all(0 < p.unapplied < p.amount for p in overpaid.distinct())


def test_automatic_applications_carry_a_reason_and_a_confidence(city: DemoCity) -> None:
    threshold = cash_settings().auto_apply_threshold
    automatic = ApplicationReason.objects.filter(automatic=True).select_related("match")
    manual = ApplicationReason.objects.filter(automatic=False)
    assert automatic.count() >= 10 and manual.count() > automatic.count()
    for reason in automatic:
        assert reason.rule != "manual" and reason.confidence is not None
        assert reason.confidence >= threshold
        assert reason.match is not None and reason.match.reason
        assert reason.match.status == Match.Status.APPLIED
    assert set(manual.values_list("rule", flat=True)) == {"manual", "redeposit", "discharged"}
    assert not manual.filter(confidence__isnull=False).exists()
    lockbox = automatic.filter(payment__source="lockbox")
    assert lockbox.values("payment").distinct().count() >= 3
    assert {"invoice_number", "invoice_number_fuzzy"} <= set(lockbox.values_list("rule", flat=True))
    # Every application of a payment has its reason (a reversal, a returned check's, its note).
    from fiscus.receivables.models import Application

    payments = Application.objects.filter(credit_item__payment__isnull=False, reverses__isnull=True)
    assert payments.count() == ApplicationReason.objects.count()


def test_the_ledgers_tie_and_both_chains_verify_with_the_cash(city: DemoCity) -> None:
    assert ar_tie_out().ties
    assert ledger.verify()[1] == [] and receivables.verify()[1] == []
    unidentified = JournalLine.objects.filter(account=account(Account.Role.UNIDENTIFIED))
    held = unidentified.aggregate(c=Sum("credit"), d=Sum("debit"))
    waiting = Payment.objects.filter(status=Payment.Status.UNIDENTIFIED).aggregate(t=Sum("amount"))
    assert held["c"] - (held["d"] or 0) == waiting["t"]


def test_the_same_seed_and_day_draw_the_same_cash() -> None:
    first = plan_city(customers=40, seed=3, today=TODAY)
    again = plan_city(customers=40, seed=3, today=TODAY)
    other = plan_city(customers=40, seed=4, today=TODAY)
    assert first.cash == again.cash
    assert first.cash != other.cash
    assert first.cash is not None
    assert {r.method for r in first.cash.receipts.values()} == set(Method.values)


def test_the_banks_file_is_bai2_that_reads_back_with_its_totals() -> None:
    balances = {fund: opening for fund, (_, _, opening) in BANK_ACCOUNTS.items()}
    credits = [
        Credit(date(2026, 11, 2), "100", Decimal("1250.40"), "301", "1", "BAG 300001", "DEPOSIT"),
        Credit(date(2026, 11, 2), "500", Decimal("98.15"), "301", "2", "BAG 300002", "DEPOSIT"),
        Credit(date(2026, 11, 3), "100", Decimal("0.25"), "142", "3", "TRACE 9", "ACH CREDIT X"),
    ]
    data = bai2_file(credits, file_id="1", created=date(2026, 11, 4), balances=balances)
    statements = parse_statement(data, "riverbank.bai")
    assert [(s.start, s.account, s.total) for s in statements] == [
        (date(2026, 11, 2), "4410012877", Decimal("1250.40")),
        (date(2026, 11, 2), "4410019043", Decimal("98.15")),
        (date(2026, 11, 3), "4410012877", Decimal("0.25")),
    ]
    assert all(not s.problems for s in statements)
    assert statements[2].opening == Decimal("3812400.00") + Decimal("1250.40")
    assert balances["100"] == Decimal("3812400.00") + Decimal("1250.65")
    # A deposit's line carries its bag number, so the balancing can tell equal amounts apart.
    assert statements[0].transactions[0].customer_reference == "BAG 300001"


def test_returned_payments_wait_to_be_worked_with_their_fee_and_cash_only(city: DemoCity) -> None:
    from fiscus.cash.models import ReturnedPayment
    from fiscus.cash.returns import to_work

    returned = list(ReturnedPayment.objects.order_by("pk"))
    assert [r.reason for r in returned] == ["nsf", "stop_payment", "nsf"]
    waiting = list(to_work())
    assert waiting == [returned[0]]
    nsf = returned[0]
    assert nsf.fee_item is not None and nsf.fee_item.open_amount == nsf.fee_item.amount > 0
    assert nsf.reversed and nsf.customer is not None and nsf.customer.is_cash_only(TODAY)
    assert nsf.payment.item.open_amount == Decimal("0.00")
    assert returned[1].status == "redeposited" and returned[2].ach_code == "R01"
    assert receivables.verify()[1] == [] and ledger.verify()[1] == []


def test_write_offs_wait_for_approval_and_refunds_stand_in_every_state(city: DemoCity) -> None:
    from fiscus.adjustments import services as adj
    from fiscus.adjustments.models import Request

    write_offs = Request.objects.filter(kind="write_off")
    assert write_offs.filter(status="pending").exists()
    posted = write_offs.filter(status="posted").get()
    assert posted.prepared_by.username == "tina" and posted.decided_by.username == "sam"
    # every posted write-off's item was closed by it (or paid since, reinstated)
    for line in posted.lines.select_related("item"):
        paid_since = sum(r.amount for r in line.reinstatements.all())
        written = written_off_rows(line.item_id, posted.number)
        assert written == -line.amount and line.item.open_amount == 0, line.item.number
        assert paid_since <= line.amount
    # one debtor paid after the write-off: reinstated and applied, the rest still discharged
    assert sum(len(ln.reinstatements.all()) for ln in posted.lines.all()) == 1
    assert adj.discharged().filter(request=posted).exists()
    stages = {r.stage for r in Request.objects.filter(kind="refund")}
    assert stages == {
        "Waiting for approval",
        "Approved, to send to accounts payable",
        "Sent to accounts payable",
        "Paid",
    }
    paid = Request.objects.get(kind="refund", paid_on__isnull=False)
    assert (paid.paid_by, paid.paid_reference) == ("check", "208815")
    assert city.adjustments is not None and "waiting for approval" in city.adjustments.text
    tie = ar_tie_out()
    assert tie.ties, tie.difference


def written_off_rows(item_id: int, number: str) -> Decimal:
    from fiscus.receivables.models import ReceivableEntry

    rows = ReceivableEntry.objects.filter(item_id=item_id, source_ref=number)
    return sum((r.amount for r in rows.filter(amount__lt=0)), Decimal("0"))

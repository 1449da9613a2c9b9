"""A Water Utility payment applied to a General Fund invoice: each fund still balances."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest

from fiscus.ledger import services as ledger
from fiscus.ledger.queries import balance
from fiscus.organization.models import Account, Department, Fund
from fiscus.organization.services import account
from fiscus.receivables import queries
from fiscus.receivables.services import apply_credit, reverse_application
from tests.factories import customer, invoice, payment

ON = date(2026, 3, 20)


@pytest.fixture
def water(city):
    fund = Fund.objects.create(code="500", name="Water Utility")
    Department.objects.create(code="WTR", name="Water Service", fund=fund)
    return fund


def fund_nets(entry):
    nets = defaultdict(Decimal)
    for ln in entry.lines.select_related("fund"):
        nets[ln.fund.code] += ln.debit - ln.credit
    return dict(nets)


def ar_ties_out_per_fund(*funds):
    ar = account(Account.Role.AR_CONTROL)
    return all(balance(ar, fund=f) == queries.total_open(fund_id=f.pk) for f in funds)


def test_an_interfund_application_posts_due_to_and_due_from(city, water):
    who = customer(city.clerk)
    bill = invoice(city, who, "80.00")  # General Fund, Parks
    paid = payment(city, who, "80.00", fund=water)
    application = apply_credit(paid, bill, Decimal("80.00"), on=ON, by=city.clerk)
    entry = application.journal_entry
    assert [
        (ln.account.code, ln.fund.code, ln.debit, ln.credit, ln.memo)
        for ln in entry.lines.select_related("account", "fund")
    ] == [
        ("1200", "500", Decimal("80.00"), Decimal("0.00"), ""),
        ("2100", "500", Decimal("0.00"), Decimal("80.00"), "Due to 100"),
        ("1300", "100", Decimal("80.00"), Decimal("0.00"), "Due from 500"),
        ("1200", "100", Decimal("0.00"), Decimal("80.00"), ""),
    ]
    assert fund_nets(entry) == {"100": Decimal("0.00"), "500": Decimal("0.00")}
    assert entry.memo == "Interfund: PMT-2026-000001 to INV-2026-000001"


def test_each_funds_ar_control_still_equals_its_open_items(city, water):
    who = customer(city.clerk)
    bill = invoice(city, who, "80.00")
    paid = payment(city, who, "100.00", fund=water)
    apply_credit(paid, bill, Decimal("80.00"), on=ON, by=city.clerk)
    ar = account(Account.Role.AR_CONTROL)
    assert balance(ar, fund=city.general) == queries.total_open(fund_id=city.general.pk) == 0
    assert balance(ar, fund=water) == queries.total_open(fund_id=water.pk) == Decimal("-20.00")
    assert balance(account(Account.Role.DUE_TO), fund=water) == Decimal("-80.00")
    assert balance(account(Account.Role.DUE_FROM), fund=city.general) == Decimal("80.00")
    assert ar_ties_out_per_fund(city.general, water)


def test_reversing_an_interfund_application_unwinds_due_to_and_due_from(city, water):
    who = customer(city.clerk)
    bill = invoice(city, who, "80.00")
    paid = payment(city, who, "80.00", fund=water)
    application = apply_credit(paid, bill, Decimal("80.00"), on=ON, by=city.clerk)
    reversal = reverse_application(
        application, on=date(2026, 3, 25), by=city.clerk, reason="paid the wrong bill"
    )
    assert fund_nets(reversal.journal_entry) == {"100": Decimal("0.00"), "500": Decimal("0.00")}
    assert balance(account(Account.Role.DUE_TO)) == balance(account(Account.Role.DUE_FROM)) == 0
    assert balance(account(Account.Role.DUE_FROM), as_of=ON) == Decimal("80.00")
    assert ar_ties_out_per_fund(city.general, water)
    bill.refresh_from_db()
    assert bill.open_amount == Decimal("80.00")
    assert ledger.verify()[1] == []

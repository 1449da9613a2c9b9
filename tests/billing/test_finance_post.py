"""Posting finance charges: an open item per customer, DR AR control / CR finance charges."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from fiscus.audit.models import AuditEvent
from fiscus.billing.finance_charges import (
    FinanceChargeError,
    post_finance_charges,
    preview_finance_charges,
)
from fiscus.billing.models import FinanceChargeRun
from fiscus.ledger.models import JournalLine
from fiscus.receivables.models import Item, ReceivableEntry
from fiscus.receivables.queries import customer_balance
from fiscus.reports.queries import ar_tie_out
from tests.billing.factories_finance import AS_OF, flag, owing, policy_on
from tests.factories import City


@pytest.fixture
def policy_is_on(city: City) -> None:
    policy_on(city.clerk)


pytestmark = pytest.mark.usefixtures("policy_is_on")


def test_posting_writes_dr_1200_cr_4900_and_a_receivable_row(city: City, technician: User) -> None:
    who = owing(city, "Ann Post", "1234.56")
    run = preview_finance_charges(by=technician, as_of=AS_OF)

    run = post_finance_charges(run, by=technician)

    item = Item.objects.get(kind=Item.Kind.FINANCE_CHARGE)
    assert (item.customer, item.amount, item.open_amount) == (
        who,
        Decimal("12.35"),
        Decimal("12.35"),
    )
    assert (item.document_date, item.due_date, item.posted_on) == (AS_OF, AS_OF, AS_OF)
    assert item.number.startswith("FC-")
    assert item.fund == city.general
    lines = sorted(
        (ln.account.code, ln.debit, ln.credit)
        for ln in JournalLine.objects.filter(entry=item.journal_entry).select_related("account")
    )
    assert lines == [
        ("1200", Decimal("12.35"), Decimal("0.00")),
        ("4900", Decimal("0.00"), Decimal("12.35")),
    ]
    row = ReceivableEntry.objects.get(item=item)
    assert (row.amount, row.effective_date, row.source) == (
        Decimal("12.35"),
        AS_OF,
        "finance_charge",
    )
    assert customer_balance(who.pk) == Decimal("1246.91")
    assert ar_tie_out().ties
    assert ar_tie_out(as_of=AS_OF).ties


def test_the_run_is_posted_and_its_lines_link_their_items(city: City, technician: User) -> None:
    charged = owing(city, "Bea One", "1234.56")
    also = owing(city, "Cal Two", "50.00")
    held = flag(city, owing(city, "Dee Held", "900.00"), on_hold=True)
    run = preview_finance_charges(by=technician, as_of=AS_OF)

    run = post_finance_charges(run, by=technician)

    run.refresh_from_db()
    assert (run.status, run.posted_by, run.total) == (
        FinanceChargeRun.Status.POSTED,
        technician,
        Decimal("13.35"),
    )
    assert run.posted_at is not None
    items = {ln.customer_id: ln.item for ln in run.lines.select_related("item")}
    assert items[charged.pk].amount == Decimal("12.35")  # type: ignore[union-attr]
    assert items[also.pk].amount == Decimal("1.00")  # type: ignore[union-attr]
    assert items[held.pk] is None
    assert Item.objects.filter(kind=Item.Kind.FINANCE_CHARGE).count() == 2
    event = AuditEvent.objects.get(action="finance_charge_run.posted")
    assert (event.actor, event.detail["charges"], event.detail["total"]) == (
        technician,
        2,
        "13.35",
    )
    assert ar_tie_out().ties


def test_a_posted_run_cannot_be_posted_again(city: City, technician: User) -> None:
    owing(city, "Eve Again", "1234.56")
    run = post_finance_charges(preview_finance_charges(by=technician, as_of=AS_OF), by=technician)

    with pytest.raises(FinanceChargeError) as refused:
        post_finance_charges(run, by=technician)

    assert refused.value.message == (
        "The finance charges as of 05/15/2026 were posted already; a run is posted once."
    )
    assert Item.objects.filter(kind=Item.Kind.FINANCE_CHARGE).count() == 1


def test_two_previews_of_one_month_cannot_both_be_posted(city: City, technician: User) -> None:
    who = owing(city, "Fay Double", "1234.56")
    first = preview_finance_charges(by=technician, as_of=AS_OF)
    second = preview_finance_charges(by=technician, as_of=date(2026, 5, 20))
    post_finance_charges(first, by=technician)

    with pytest.raises(FinanceChargeError) as refused:
        post_finance_charges(second, by=technician)

    assert refused.value.message == (
        f"Customer {who.number} was already charged in May 2026 by another run; "
        "preview the finance charges again."
    )
    assert Item.objects.filter(kind=Item.Kind.FINANCE_CHARGE).count() == 1


def test_a_run_with_nothing_to_charge_is_not_posted(city: City, technician: User) -> None:
    owing(city, "Gus County", "1000.00", type="agency")
    run = preview_finance_charges(by=technician, as_of=AS_OF)

    with pytest.raises(FinanceChargeError) as refused:
        post_finance_charges(run, by=technician)

    assert refused.value.message == "This run has no finance charges to post."


def test_the_policy_department_gives_the_fund_and_department(
    city: City, technician: User, supervisor: User
) -> None:
    policy_on(supervisor, department=city.works)
    owing(city, "Hu Dept", "1234.56")

    run = post_finance_charges(preview_finance_charges(by=technician, as_of=AS_OF), by=technician)

    item = Item.objects.get(kind=Item.Kind.FINANCE_CHARGE)
    assert (run.fund, item.department) == (city.works.fund, city.works)
    revenue = JournalLine.objects.get(entry=item.journal_entry, account__code="4900")
    assert revenue.department == city.works

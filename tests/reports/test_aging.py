"""The aging report: what each customer owes by age, with unapplied credits beside it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fiscus.ledger.queries import balance
from fiscus.organization.models import Account
from fiscus.organization.services import account, update_agency
from fiscus.receivables.queries import total_open
from fiscus.receivables.services import apply_credit
from fiscus.reports.queries import aging
from tests.factories import customer, invoice, payment
from tests.reports.conftest import TODAY

Z = Decimal("0.00")
LABELS = ["Not yet due", "1–30", "31–60", "61–90", "91–120", "Over 120"]


def buckets_of(report, who) -> dict[str, Decimal]:
    (row,) = [r for r in report.rows if r.customer_id == who.pk]
    names = [*report.labels, "credits", "total"]
    return dict(zip(names, [*row.buckets, row.credits, row.total], strict=True))


@pytest.fixture(params=["today", "a past date"])
def as_of_path(request, today):
    """The same question answered from the cached open amounts (today) and from the ledger
    (the same date asked about a month later)."""
    if request.param == "a past date":
        return lambda: today.move_to(datetime(2026, 6, 15, 19, 0, tzinfo=UTC))
    return lambda: None


def test_an_invoice_due_45_days_ago_lands_in_31_to_60_with_its_exact_amount(city, as_of_path):
    pat = customer(city.clerk)
    invoice(city, pat, "1234.56", on=TODAY - timedelta(days=75), due_in=30)
    as_of_path()

    report = aging(as_of=TODAY)

    assert report.labels == LABELS
    assert buckets_of(report, pat) == {
        **dict.fromkeys(LABELS, Z),
        "31–60": Decimal("1234.56"),
        "credits": Z,
        "total": Decimal("1234.56"),
    }


def test_a_partly_paid_invoice_shows_what_remains(city, as_of_path):
    pat = customer(city.clerk)
    bill = invoice(city, pat, "300.00", on=date(2026, 3, 2))  # due 2026-04-01
    paid = payment(city, pat, "100.00", on=date(2026, 3, 10))
    apply_credit(paid, bill, Decimal("100.00"), on=date(2026, 3, 10), by=city.clerk)
    as_of_path()

    row = buckets_of(aging(as_of=TODAY), pat)

    assert row["31–60"] == Decimal("200.00")  # due 2026-04-01, 44 days before 2026-05-15
    assert row["credits"] == Z
    assert row["total"] == Decimal("200.00")


def test_an_unapplied_payment_goes_to_unapplied_credits(city, as_of_path):
    pat = customer(city.clerk)
    invoice(city, pat, "45.50", on=date(2026, 4, 20))  # due 2026-05-20
    payment(city, pat, "20.25", on=date(2026, 4, 25))
    as_of_path()

    row = buckets_of(aging(as_of=TODAY), pat)

    assert row["Not yet due"] == Decimal("45.50")
    assert row["credits"] == Decimal("-20.25")
    assert row["total"] == Decimal("25.25")


def test_the_grand_total_ties_to_ar_control_and_the_receivable_ledger(city, today):
    for n in range(3):
        who = customer(city.clerk)
        invoice(city, who, f"{100 + n}.10", on=date(2026, 1, 5 + n), department=city.works)
        invoice(city, who, "19.99", on=date(2026, 5, 1))
        payment(city, who, "7.00", on=date(2026, 5, 2))

    report = aging(as_of=TODAY)

    assert report.total == Decimal("342.27")  # 303.30 + 3 × 19.99 − 3 × 7.00
    assert report.total == sum(report.bucket_totals) + report.credits_total
    assert report.credits_total == Decimal("-21.00")
    assert report.total == balance(account(Account.Role.AR_CONTROL)) == total_open()
    assert report.tie_out is not None and report.tie_out.ties
    assert report.tie_out.subledger == report.total


def test_as_of_a_date_before_the_payment_the_invoice_is_fully_open(city, today):
    pat = customer(city.clerk)
    bill = invoice(city, pat, "300.00", on=date(2026, 3, 2))
    paid = payment(city, pat, "300.00", on=date(2026, 4, 10))
    apply_credit(paid, bill, Decimal("300.00"), on=date(2026, 4, 10), by=city.clerk)

    before = aging(as_of=date(2026, 4, 9))
    now = aging(as_of=TODAY)

    assert buckets_of(before, pat)["1–30"] == Decimal("300.00")  # due 2026-04-01
    assert buckets_of(before, pat)["credits"] == Z
    assert before.total == Decimal("300.00")
    assert now.rows == [] and now.total == Z


def test_as_known_at_a_moment_before_a_posting_the_report_does_not_show_it(city, today):
    pat = customer(city.clerk)
    today.move_to(datetime(2026, 5, 1, 19, 0, tzinfo=UTC))
    invoice(city, pat, "80.00", on=date(2026, 4, 1))
    today.move_to(datetime(2026, 5, 3, 19, 0, tzinfo=UTC))
    invoice(city, pat, "55.00", on=date(2026, 4, 1))  # back-dated, recorded on 2026-05-03
    today.move_to(datetime(2026, 5, 15, 19, 0, tzinfo=UTC))

    as_printed = aging(as_of=date(2026, 4, 30), known_at=datetime(2026, 5, 2, tzinfo=UTC))
    as_known_now = aging(as_of=date(2026, 4, 30))

    assert as_printed.total == Decimal("80.00")
    assert as_known_now.total == Decimal("135.00")
    assert as_printed.tie_out is not None and as_printed.tie_out.ties


def test_aging_by_invoice_date_moves_an_item_to_an_older_bucket(city, today):
    pat = customer(city.clerk)
    invoice(city, pat, "60.00", on=TODAY - timedelta(days=75), due_in=60)  # 15 days past due

    by_due = aging(as_of=TODAY)
    by_document = aging(as_of=TODAY, basis="document")

    assert buckets_of(by_due, pat)["1–30"] == Decimal("60.00")
    assert buckets_of(by_document, pat)["61–90"] == Decimal("60.00")
    assert buckets_of(by_document, pat)["1–30"] == Z
    assert by_document.basis_label == "Days since the invoice date"


def test_the_agencys_bucket_edges_change_the_labels_and_the_bucketing(city, supervisor, today):
    update_agency({"aging_bucket_days": "15,45"}, by=supervisor)
    pat = customer(city.clerk)
    invoice(city, pat, "10.00", on=TODAY - timedelta(days=45), due_in=0)
    invoice(city, pat, "20.00", on=TODAY - timedelta(days=46), due_in=0)
    invoice(city, pat, "30.00", on=TODAY - timedelta(days=15), due_in=0)

    report = aging(as_of=TODAY)

    assert report.labels == ["Not yet due", "1–15", "16–45", "Over 45"]
    assert buckets_of(report, pat) == {
        "Not yet due": Z,
        "1–15": Decimal("30.00"),
        "16–45": Decimal("10.00"),
        "Over 45": Decimal("20.00"),
        "credits": Z,
        "total": Decimal("60.00"),
    }


def test_a_department_scope_shows_only_that_departments_items(city, as_of_path):
    pat = customer(city.clerk)
    invoice(city, pat, "11.00", on=date(2026, 5, 1), department=city.parks)
    invoice(city, pat, "22.00", on=date(2026, 5, 1), department=city.works)
    as_of_path()

    report = aging(as_of=TODAY, department_ids={city.parks.pk})

    assert report.total == Decimal("11.00")
    assert report.tie_out is not None and report.tie_out.subledger == Decimal("11.00")


def test_a_customer_type_filter_leaves_out_others_and_explains_the_missing_tie_out(city, today):
    firm = customer(city.clerk, "Acme Paving", type="business")
    person = customer(city.clerk)
    invoice(city, firm, "500.00")
    invoice(city, person, "5.00")

    report = aging(as_of=TODAY, customer_type="business")

    assert [r.customer_id for r in report.rows] == [firm.pk]
    assert report.tie_out is None
    assert report.tie_out_note == (
        "The tie-out to AR control applies only to the whole ledger; "
        "clear the customer type and flag filters to see it."
    )


def test_a_flag_filter_shows_only_flagged_customers(city, today):
    from fiscus.customers.services import update_customer

    held = customer(city.clerk)
    invoice(city, held, "70.00")
    invoice(city, customer(city.clerk), "5.00")
    update_customer(held, changes={"on_hold": True}, by=city.clerk)

    report = aging(as_of=TODAY, flag="on_hold")

    assert [r.customer_id for r in report.rows] == [held.pk]
    assert report.total == Decimal("70.00")


def _queries_for(**kwargs) -> int:
    with CaptureQueriesContext(connection) as run:
        aging(as_of=TODAY, **kwargs)
    return len(run.captured_queries)


@pytest.mark.parametrize("as_of", [TODAY, date(2026, 5, 1)], ids=["today", "a past date"])
def test_the_number_of_queries_does_not_grow_with_the_number_of_customers(
    city, today, as_of, django_assert_num_queries
):
    invoice(city, customer(city.clerk), "10.00")
    one_customer = _queries_for()
    for _ in range(5):
        who = customer(city.clerk)
        invoice(city, who, "10.00", on=date(2026, 2, 1))
        payment(city, who, "1.00", on=date(2026, 2, 2))

    # the bucket edges, the grouped sums, the names; then AR control, its balance, the ledger;
    # as of today also whether anything was posted with a later date (then the cache is no answer)
    expected = 7 if as_of == TODAY else 6
    with django_assert_num_queries(expected):
        report = aging(as_of=as_of)
    assert len(report.rows) == 6
    assert one_customer == 7


def test_floats_never_appear_in_the_report(city, today):
    pat = customer(city.clerk)
    invoice(city, pat, "0.10")
    invoice(city, pat, "0.20")
    report = aging(as_of=TODAY)
    values = [*report.rows[0].buckets, report.rows[0].credits, report.total, *report.bucket_totals]
    assert all(isinstance(v, Decimal) for v in values)
    assert report.total == Decimal("0.30")


@time_machine.travel(datetime(2026, 5, 15, 19, 0, tzinfo=UTC), tick=False)
def test_a_settled_customer_does_not_appear(city):
    pat = customer(city.clerk)
    bill = invoice(city, pat, "10.00", on=date(2026, 3, 2))
    paid = payment(city, pat, "10.00", on=date(2026, 3, 3))
    apply_credit(paid, bill, Decimal("10.00"), on=date(2026, 3, 3), by=city.clerk)

    assert aging(as_of=TODAY).rows == []
    assert aging(as_of=date(2026, 4, 1)).rows == []


def test_a_posting_dated_after_the_as_of_date_is_left_out_even_as_of_today(city, today):
    who = customer(city.clerk)
    invoice(city, who, "40.00", on=TODAY)
    invoice(city, who, "60.00", on=TODAY + timedelta(days=3))  # entered ahead of its date

    assert aging(as_of=TODAY).total == Decimal("40.00")
    assert aging(as_of=TODAY + timedelta(days=3)).total == Decimal("100.00")

"""The aging detail: one row per item with something open as of the date."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from fiscus.receivables.services import apply_credit
from fiscus.reports.queries import aging, aging_detail
from tests.factories import customer, invoice, payment
from tests.reports.conftest import TODAY


def test_each_open_item_shows_its_age_bucket_and_open_amount(city, today):
    pat = customer(city.clerk)
    bill = invoice(city, pat, "300.00", on=date(2026, 3, 2))  # due 2026-04-01
    paid = payment(city, pat, "100.00", on=date(2026, 3, 10))
    apply_credit(paid, bill, Decimal("100.00"), on=date(2026, 3, 10), by=city.clerk)
    cash = payment(city, pat, "20.25", on=date(2026, 4, 25))

    rows = list(aging_detail(as_of=TODAY))

    assert [(r.number, r.kind_label, r.days, r.bucket, r.open_amount) for r in rows] == [
        (bill.number, "Invoice", 44, "31–60", Decimal("200.00")),
        (cash.number, "Payment", None, "Unapplied credits", Decimal("-20.25")),
    ]
    assert rows[0].customer_number == pat.number
    assert rows[0].due_date == date(2026, 4, 1)


def test_the_detail_adds_up_to_the_summary(city, today):
    for n in range(3):
        who = customer(city.clerk)
        invoice(city, who, f"{10 + n}.05", on=date(2026, 1, 5))
        payment(city, who, "2.00", on=date(2026, 5, 2))

    for as_of in (TODAY, date(2026, 5, 1)):
        detail = aging_detail(as_of=as_of)
        assert sum(r.open_amount for r in detail) == aging(as_of=as_of).total
    assert len(aging_detail(as_of=date(2026, 5, 1))) == 3


def test_as_of_a_past_date_the_paid_invoice_is_listed_fully_open(city, today):
    pat = customer(city.clerk)
    bill = invoice(city, pat, "300.00", on=date(2026, 3, 2))
    paid = payment(city, pat, "300.00", on=date(2026, 4, 10))
    apply_credit(paid, bill, Decimal("300.00"), on=date(2026, 4, 10), by=city.clerk)

    before = list(aging_detail(as_of=date(2026, 4, 9)))

    assert [(r.number, r.days, r.open_amount) for r in before] == [
        (bill.number, 8, Decimal("300.00"))
    ]
    assert list(aging_detail(as_of=TODAY)) == []


def test_as_known_at_a_past_moment_a_later_posting_is_not_listed(city, today):
    pat = customer(city.clerk)
    today.move_to(datetime(2026, 5, 1, 19, 0, tzinfo=UTC))
    first = invoice(city, pat, "80.00", on=date(2026, 4, 1))
    today.move_to(datetime(2026, 5, 3, 19, 0, tzinfo=UTC))
    invoice(city, pat, "55.00", on=date(2026, 4, 1))

    rows = aging_detail(as_of=TODAY, known_at=datetime(2026, 5, 2, tzinfo=UTC))

    assert [r.number for r in rows] == [first.number]


def test_by_invoice_date_the_days_count_from_the_document_date(city, today):
    pat = customer(city.clerk)
    invoice(city, pat, "60.00", on=date(2026, 3, 1), due_in=60)

    (row,) = aging_detail(as_of=TODAY, basis="document")

    assert (row.days, row.bucket) == (75, "61–90")


def test_a_page_of_the_detail_is_read_with_one_query(city, today, django_assert_num_queries):
    pat = customer(city.clerk)
    for n in range(5):
        invoice(city, pat, f"{n + 1}.00", on=date(2026, 4, n + 1))
    detail = aging_detail(as_of=date(2026, 5, 10), edges=[30, 60, 90, 120])

    with django_assert_num_queries(1):
        page = detail[1:3]

    assert [r.open_amount for r in page] == [Decimal("2.00"), Decimal("3.00")]

"""A customer's aging, as the customer page shows it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import time_machine

from fiscus.reports.queries import bucket_labels, customer_buckets
from tests.factories import customer, invoice, payment


def test_the_default_edges_make_six_buckets() -> None:
    assert bucket_labels([30, 60, 90, 120]) == [
        "Not yet due",
        "1–30",
        "31–60",
        "61–90",
        "91–120",
        "Over 120",
    ]


@time_machine.travel(date(2026, 5, 1), tick=False)
def test_a_customer_sees_each_bucket_and_their_unapplied_credits(city) -> None:
    pat = customer(city.clerk)
    invoice(city, pat, "100.00", on=date(2026, 3, 2), due_in=0)  # 60 days past due
    invoice(city, pat, "25.50", on=date(2026, 4, 20), due_in=30)  # not yet due
    payment(city, pat, "10.00", on=date(2026, 4, 25))

    assert customer_buckets(pat.pk) == [
        ("Not yet due", Decimal("25.50")),
        ("1–30", Decimal("0.00")),
        ("31–60", Decimal("100.00")),
        ("61–90", Decimal("0.00")),
        ("91–120", Decimal("0.00")),
        ("Over 120", Decimal("0.00")),
        ("Unapplied credits", Decimal("-10.00")),
    ]


def test_a_customer_with_nothing_open_has_zero_in_every_bucket(city) -> None:
    pat = customer(city.clerk)
    assert [amount for _, amount in customer_buckets(pat.pk)] == [Decimal("0.00")] * 7

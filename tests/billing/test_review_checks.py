"""The review checks: each speaks up on its case and stays silent on a clean invoice."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fiscus.billing.models import Invoice, InvoiceLine
from fiscus.billing.review import Check, review, review_many
from fiscus.customers.models import Customer
from fiscus.organization.services import close_period, period_for
from tests.billing.factories_invoices import codes, posted, submitted
from tests.factories import customer

pytestmark = pytest.mark.django_db


def test_a_clean_invoice_passes_every_check(city):
    c = codes(city)
    invoice = submitted(city, customer(city.clerk), [(c.pavilion, "1"), (c.lights, "2")])

    assert review(invoice) == []


def test_a_stored_amount_that_is_not_quantity_times_price_is_named(city):
    c = codes(city)
    invoice = submitted(city, customer(city.clerk), [(c.lights, "2")], reference="PO-1")
    InvoiceLine.objects.filter(invoice=invoice).update(amount=Decimal("95.00"))
    Invoice.objects.filter(pk=invoice.pk).update(total=Decimal("95.00"))

    assert review(invoice) == [
        Check("line_math", "Line 1: 2 x $45.00 is $90.00, not $95.00."),
        Check("line_math", "The total is $90.00, but the lines add up to $95.00."),
    ]


def test_a_likely_duplicate_names_the_earlier_invoice(city):
    c = codes(city)
    who = customer(city.clerk)
    earlier = posted(city, who, [(c.lights, "2")], reference="PO-7", on=date(2026, 3, 2))
    invoice = submitted(city, who, [(c.lights, "2")], reference="po-7 ", on=date(2026, 3, 20))

    assert review(invoice) == [
        Check(
            "duplicate",
            f"Likely a duplicate of invoice {earlier.number}: same customer, same total $90.00, "
            "reference PO-7, dated 03/02/2026.",
        )
    ]


def test_no_duplicate_outside_the_window_or_with_another_reference(city, settings):
    settings.DUPLICATE_WINDOW_DAYS = 30
    c = codes(city)
    who = customer(city.clerk)
    posted(city, who, [(c.lights, "2")], reference="PO-7", on=date(2026, 1, 2))
    posted(city, who, [(c.lights, "2")], reference="PO-8", on=date(2026, 3, 2))
    invoice = submitted(city, who, [(c.lights, "2")], reference="PO-7", on=date(2026, 3, 2))

    assert review(invoice) == []


def test_a_missing_po_for_a_customer_who_requires_one(city):
    c = codes(city)
    who = customer(city.clerk, po_required=True)
    invoice = submitted(city, who, [(c.lights, "1")])
    with_po = submitted(city, who, [(c.lights, "3")], reference="PO-1")

    assert review(invoice) == [
        Check(
            "po_missing",
            f"Customer {who.number} requires a PO number, and the invoice has no reference.",
        )
    ]
    assert review(with_po) == []


def test_an_amount_far_from_the_codes_usual_range_says_the_range(city):
    c = codes(city)
    for n in range(10):
        posted(city, customer(city.clerk), [(c.lights, "1")], reference=f"R{n}")
    invoice = submitted(city, customer(city.clerk), [(c.lights, "200")])
    usual = submitted(city, customer(city.clerk), [(c.lights, "2")])

    assert review(invoice) == [
        Check(
            "unusual_amount",
            "Line 1: $9,000.00 is far from what PRK-LIGHTS usually bills ($22.50 to $90.00, "
            "from its last 10 posted lines).",
        )
    ]
    assert review(usual) == []


def test_with_fewer_than_ten_posted_lines_there_is_no_usual_range(city):
    c = codes(city)
    for n in range(9):
        posted(city, customer(city.clerk), [(c.lights, "1")], reference=f"R{n}")

    assert review(submitted(city, customer(city.clerk), [(c.lights, "200")])) == []


@pytest.mark.parametrize(
    ("flag", "code", "said"),
    [
        ("on_hold", "customer_hold", "is on hold"),
        ("in_bankruptcy", "customer_bankruptcy", "is in bankruptcy"),
        ("deceased", "customer_deceased", "is deceased"),
    ],
)
def test_a_customer_flag_is_named(city, flag, code, said):
    c = codes(city)
    who = customer(city.clerk)
    invoice = submitted(city, who, [(c.lights, "1")])
    Customer.objects.filter(pk=who.pk).update(**{flag: True})

    assert review(invoice) == [Check(code, f"Customer {who.number} {said}.")]


def test_a_charge_code_no_longer_in_use(city):
    c = codes(city)
    invoice = submitted(city, customer(city.clerk), [(c.pavilion, "1"), (c.lights, "1")])
    c.lights.active = False
    c.lights.save()

    assert review(invoice) == [
        Check("charge_code_inactive", "Line 2: charge code PRK-LIGHTS is no longer in use.")
    ]


def test_a_due_date_before_the_invoice_date(city):
    c = codes(city)
    invoice = submitted(city, customer(city.clerk), [(c.lights, "1")])
    Invoice.objects.filter(pk=invoice.pk).update(due_date=date(2026, 3, 1))
    invoice.refresh_from_db()

    assert review(invoice) == [
        Check("due_before_date", "The due date 03/01/2026 is before the invoice date 03/02/2026.")
    ]


def test_an_invoice_date_in_a_closed_period(city, supervisor):
    c = codes(city)
    invoice = submitted(city, customer(city.clerk), [(c.lights, "1")])
    period = period_for(date(2026, 3, 2))
    close_period(period, by=supervisor)

    assert review(invoice) == [
        Check(
            "period_closed",
            f"The invoice date 03/02/2026 is in {period}, which is closed; post it on a date in "
            "an open period.",
        )
    ]


def test_reviewing_a_queue_takes_the_same_queries_for_one_invoice_or_twenty(city):
    c = codes(city)
    for n in range(10):
        posted(city, customer(city.clerk), [(c.lights, "1")], reference=f"R{n}")
    queue = [
        submitted(
            city,
            customer(city.clerk, po_required=True),
            [(c.lights, str(n + 1)), (c.pavilion, "1")],
            on=date(2026, 3, 2) + timedelta(days=n),
        )
        for n in range(20)
    ]

    with CaptureQueriesContext(connection) as one:
        review_many(queue[:1])
    with CaptureQueriesContext(connection) as twenty:
        checks = review_many(queue)

    assert len(one.captured_queries) == len(twenty.captured_queries) == 5
    assert len(checks) == 20
    assert all(any(ch.code == "po_missing" for ch in found) for found in checks.values())

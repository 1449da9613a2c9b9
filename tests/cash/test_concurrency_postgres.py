"""Two clerks apply the same cash payment from two sessions at once: never over-applied.

PostgreSQL only (real row locks, real concurrent connections); see
tests/properties/test_concurrency_postgres.py for the `committed` fixture.
"""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from fiscus.cash import services as cash
from fiscus.cash.models import ApplicationReason
from fiscus.errors import FiscusError
from fiscus.receivables.models import Application, Item
from tests.factories import customer, invoice, make_user, small_city
from tests.properties.test_concurrency_postgres import committed, in_thread  # noqa: F401

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are a PostgreSQL matter"
)
DAY = date(2026, 3, 10)


@pytest.mark.usefixtures("committed")
def test_the_same_payment_applied_from_two_sessions_is_never_over_applied():
    city = small_city()
    cashier = make_user("cashier")
    who = customer(city.clerk)
    first, second = invoice(city, who, "70.00"), invoice(city, who, "70.00")
    deposit = cash.open_deposit(department=city.parks, on=DAY, by=cashier)
    pay = cash.record_payment(
        deposit, cash.PaymentInput(Decimal("100.00"), "check", DAY, customer=who), by=cashier
    )
    start = threading.Barrier(2)

    def apply_to(bill: Item):
        def work():
            start.wait()
            return cash.apply_payment(pay, [(bill, Decimal("70.00"))], by=city.clerk)

        return work

    results: list[object] = []
    threads = [in_thread(apply_to(first), results), in_thread(apply_to(second), results)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    applied = [r for r in results if isinstance(r, list)]
    refused = [r for r in results if isinstance(r, FiscusError)]
    assert (len(applied), len(refused)) == (1, 1), results
    assert refused[0].message == f"{pay.number} has only $30.00 left to apply."
    assert pay.item is not None
    pay.item.refresh_from_db()
    assert pay.item.open_amount == Decimal("-30.00")
    assert Application.objects.count() == 1 and ApplicationReason.objects.count() == 1

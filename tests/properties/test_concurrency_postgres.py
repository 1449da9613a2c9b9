"""Two clerks apply the same payment at the same moment: it is never over-applied.

PostgreSQL only: SQLite has no row locks (it runs IMMEDIATE transactions, one writer at a time).
The threads need committed data, so these tests run outside pytest-django's rolled-back
transaction: `committed` snapshots the test database, lets the test commit, then truncates every
table (TRUNCATE, which the append-only row triggers do not refuse) and restores the snapshot, so
the next test finds the database exactly as it was.
"""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import setup_databases, teardown_databases

from fiscus.db import lock
from fiscus.receivables.models import Application, Item
from fiscus.receivables.services import ReceivableError, apply_credit
from tests.factories import customer, invoice, payment, small_city

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are a PostgreSQL matter"
)


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        # pytest-django creates the test database only when a selected test asks for `db`;
        # run on their own, these tests create (and afterwards destroy) it themselves.
        own = None
        if connection.settings_dict["NAME"] != connection.creation._get_test_db_name():
            own = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        snapshot = connection.creation.serialize_db_to_string()
        try:
            yield
        finally:
            call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
            connection.creation.deserialize_db_from_string(snapshot)
            if own is not None:
                teardown_databases(own, verbosity=0)


def in_thread(work, results: list[object]) -> threading.Thread:
    def run() -> None:
        try:
            results.append(work())
        except Exception as exc:  # noqa: BLE001 - the test inspects what happened
            results.append(exc)
        finally:
            connection.close()  # each thread had its own connection

    return threading.Thread(target=run)


def test_one_payment_applied_to_two_invoices_at_once_is_never_over_applied(committed):
    city = small_city()
    who = customer(city.clerk)
    first, second = invoice(city, who, "60.00"), invoice(city, who, "60.00")
    paid = payment(city, who, "100.00")
    start = threading.Barrier(2)

    def apply_to(bill: Item):
        def work():
            start.wait()
            return apply_credit(paid, bill, Decimal("60.00"), on=date(2026, 3, 20), by=city.clerk)

        return work

    results: list[object] = []
    threads = [in_thread(apply_to(first), results), in_thread(apply_to(second), results)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    applied = [r for r in results if isinstance(r, Application)]
    refused = [r for r in results if isinstance(r, ReceivableError)]
    assert (len(applied), len(refused)) == (1, 1), results
    assert refused[0].message == "PMT-2026-000001 has only $40.00 left to apply."
    paid.refresh_from_db()
    assert paid.open_amount == Decimal("-40.00")
    assert Application.objects.count() == 1


def test_a_locked_item_cannot_be_locked_again_until_the_first_transaction_ends(committed):
    city = small_city()
    paid = payment(city, customer(city.clerk), "100.00")
    locked, release = threading.Event(), threading.Event()

    def hold_the_lock():
        with transaction.atomic():
            lock(paid)
            locked.set()
            release.wait(timeout=30)
        return "released"

    results: list[object] = []
    holder = in_thread(hold_the_lock, results)
    holder.start()
    assert locked.wait(timeout=30)
    try:
        with pytest.raises(DatabaseError, match="could not obtain lock"), transaction.atomic():
            Item.objects.select_for_update(nowait=True).get(pk=paid.pk)
    finally:
        release.set()
        holder.join(timeout=30)
    with transaction.atomic():
        assert lock(paid).pk == paid.pk  # free again once the holder committed
    assert results == ["released"]

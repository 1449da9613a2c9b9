"""The bulk path: many submitted invoices posted in one transaction, all or none."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from unittest import mock

import pytest

from fiscus.audit.models import AuditEvent
from fiscus.billing import services
from fiscus.billing.models import Invoice, InvoiceStatusChange
from fiscus.billing.services import InvoiceError, post_invoices
from fiscus.ledger.models import JournalEntry
from fiscus.organization.models import Account
from fiscus.organization.services import account
from fiscus.receivables.models import Item, ReceivableEntry
from tests.billing.factories_invoices import codes, draft, submitted
from tests.factories import customer

pytestmark = pytest.mark.django_db


def test_posting_many_gives_each_its_number_and_one_summarized_journal_entry(city, technician):
    c = codes(city)
    who = customer(city.clerk)
    invoices = [submitted(city, who, [(c.lights, str(n))]) for n in (1, 2, 3)]
    invoices.append(submitted(city, who, [(c.pavilion, "1")]))  # 250.00 + 18.13 tax

    with mock.patch.object(services, "post_items", wraps=services.post_items) as spy:
        posted = post_invoices(invoices, by=technician)

    assert spy.call_count == 1
    assert [i.number for i in posted] == [f"INV-2026-00000{n}" for n in (1, 2, 3, 4)]
    totals = [Decimal("45.00"), Decimal("90.00"), Decimal("135.00"), Decimal("268.13")]
    assert [i.total for i in posted] == totals
    # the GL gets one entry for the batch, its lines netted by fund, department and account
    # (as a journal generator summarizes); the receivable ledger keeps a row per invoice
    entry = JournalEntry.objects.get()
    assert {i.item.journal_entry_id for i in posted} == {entry.pk}
    assert entry.memo == "Invoices posted (4)"
    lines = {
        (ln.account.code, ln.department_id, ln.debit, ln.credit)
        for ln in entry.lines.select_related("account")
    }
    ar = account(Account.Role.AR_CONTROL).code
    assert lines == {
        (ar, city.parks.pk, Decimal("538.13"), Decimal("0")),
        ("4420", city.parks.pk, Decimal("0"), Decimal("270.00")),
        ("4410", city.parks.pk, Decimal("0"), Decimal("250.00")),
        ("2210", city.parks.pk, Decimal("0"), Decimal("18.13")),
    }
    rows = ReceivableEntry.objects.order_by("item__number")
    assert [(r.item.number, r.amount, r.journal_entry_id) for r in rows] == [
        (i.number, i.total, entry.pk) for i in posted
    ]
    assert set(Invoice.objects.values_list("status", flat=True)) == {"posted"}
    assert InvoiceStatusChange.objects.filter(new="posted").count() == 4
    events = sorted(
        AuditEvent.objects.filter(action="invoice.posted"), key=lambda e: int(e.object_id)
    )
    assert [(e.object_id, e.actor, e.detail) for e in events] == [
        (str(i.pk), technician, {"total": str(i.total), "status": "posted"}) for i in invoices
    ]
    history = InvoiceStatusChange.objects.filter(new="posted").order_by("invoice_id")
    assert [(h.invoice_id, h.old, h.by) for h in history] == [
        (i.pk, "submitted", technician) for i in invoices
    ]


def test_a_common_accounting_date_posts_them_all_on_it(city, technician):
    c = codes(city)
    who = customer(city.clerk)
    invoices = [
        submitted(city, who, [(c.lights, "1")], on=date(2026, 3, 2)),
        submitted(city, who, [(c.lights, "1")], on=date(2026, 3, 5)),
    ]

    post_invoices(invoices, by=technician, on=date(2026, 3, 31))

    assert set(JournalEntry.objects.values_list("date", flat=True)) == {date(2026, 3, 31)}


def test_one_bad_invoice_posts_none(city, technician):
    c = codes(city)
    who = customer(city.clerk)
    good = submitted(city, who, [(c.lights, "1")])
    bad = draft(city, who, [(c.lights, "2")])

    with pytest.raises(InvoiceError) as refused:
        post_invoices([good, bad], by=technician)

    assert refused.value.message == (
        f"Invoice 2: Invoice #{bad.pk} is draft; only a submitted invoice can be posted."
    )
    assert Item.objects.count() == 0
    assert JournalEntry.objects.count() == 0
    assert Invoice.objects.get(pk=good.pk).status == "submitted"


def test_the_queries_do_not_grow_with_the_number_of_invoices(city, technician):
    c = codes(city)
    who = customer(city.clerk)
    post_invoices([submitted(city, who, [(c.lights, "1")]) for _ in range(2)], by=technician)
    few = [submitted(city, who, [(c.lights, "1")]) for _ in range(2)]
    many = [submitted(city, who, [(c.lights, "1"), (c.pavilion, "1")]) for _ in range(12)]

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        post_invoices(few, by=technician)
    with CaptureQueriesContext(connection) as large:
        post_invoices(many, by=technician)

    assert len(large.captured_queries) == len(small.captured_queries)

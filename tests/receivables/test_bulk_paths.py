"""The fast paths of bulk posting give what the plain ones give: the same hashed text, the same
rows read back, the same checks when the caller already holds the items."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fiscus import db
from fiscus.audit.models import AuditEvent
from fiscus.ledger import chain
from fiscus.receivables import services as receivables
from fiscus.receivables.models import Item, ReceivableEntry
from fiscus.receivables.services import ApplySpec, ReceivableError, apply_many
from tests.factories import customer, invoice, payment

MARCH_20 = date(2026, 3, 20)

ROW = {
    "seq": 41,
    "customer_id": 7,
    "item_id": 1203,
    "amount": "-60.00",
    "effective_date": "2026-03-20",
    "recorded_at_utc": "2026-03-20T17:04:05.123456+00:00",
    "source": "application",
    "source_ref": "APP-88",
    "journal_entry_id": None,
    "recorded_by_id": 3,
    "fund_id": 1,
    "department_id": None,
    "due_date": "2026-04-01",
    "document_date": "2026-03-02",
    "is_credit": True,
}


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"journal_entry_id": 912, "department_id": 4, "is_credit": False, "amount": "1234.50"},
        {"source_ref": 'Café "Nº 5" \\ tab\there\nnew line', "source": "payment"},
        {"source_ref": "x" * 60, "seq": 10**12},
        # not the plain types: the long way, which must still give json.dumps's text
        {"customer_id": "7", "amount": Decimal("-60.00"), "department_id": True},
    ],
    ids=["application", "invoice", "escaped text", "long", "other types"],
)
def test_the_fast_hashed_text_is_byte_for_byte_the_canonical_json(changes):
    values = list({**ROW, **changes}.values())
    assert receivables._canonical(*values) == chain.canonical(receivables._payload(*values))


def test_rows_posted_through_the_fast_text_verify_and_hash_as_verify_hashes_them(city):
    who = customer(city.clerk)
    bill, paid = invoice(city, who, "100.00"), payment(city, who, "60.00")
    apply_many([ApplySpec(paid, bill, Decimal("60.00"))], on=MARCH_20, by=city.clerk)
    checked, problems = receivables.verify()
    assert (checked, problems) == (4, [])
    for row in ReceivableEntry.objects.all():
        assert chain.link(row.prev_hash, receivables.canonical(row)) == row.hash


def test_saved_by_id_reads_what_a_queryset_reads_in_id_order(city):
    who = customer(city.clerk)
    items = [invoice(city, who, "10.00"), payment(city, who, "4.50"), invoice(city, who, "7.25")]
    ids = [it.pk for it in reversed(items)] + [10**9]  # one that does not exist
    found = db.saved_by_id(Item, ids, for_update=True)
    assert list(found) == sorted(it.pk for it in items)
    names = [f.attname for f in Item._meta.concrete_fields]
    for pk, item in found.items():
        fresh = Item.objects.get(pk=pk)
        assert [getattr(item, n) for n in names] == [getattr(fresh, n) for n in names]
        assert item.customer == who  # a related object is read when asked for
    assert db.saved_by_id(Item, []) == {}


def test_saved_by_id_converts_json_as_a_queryset_does(city):
    customer(city.clerk)
    events = list(AuditEvent.objects.order_by("pk"))
    assert events
    found = db.saved_by_id(AuditEvent, [e.pk for e in events])
    assert [(e.pk, e.detail, e.at) for e in found.values()] == [
        (e.pk, e.detail, e.at) for e in events
    ]


def test_held_items_are_taken_as_they_are_and_still_checked(city):
    who = customer(city.clerk)
    bill, other, paid = (
        invoice(city, who, "100.00"),
        invoice(city, who, "30.00"),
        payment(city, who, "110.00"),
    )
    held = db.saved_by_id(Item, [bill.pk, other.pk, paid.pk], for_update=True)
    specs = [
        ApplySpec(held[paid.pk], held[bill.pk], Decimal("100.00")),
        ApplySpec(held[paid.pk], held[other.pk], Decimal("20.00")),
    ]
    with pytest.raises(ReceivableError) as refused:
        apply_many(specs, on=MARCH_20, by=city.clerk, held=held)
    assert refused.value.message == f"{paid.number} has only $10.00 left to apply."
    specs[1] = ApplySpec(held[paid.pk], held[other.pk], Decimal("10.00"))
    apply_many(specs, on=MARCH_20, by=city.clerk, held=held)
    assert [held[i.pk].open_amount for i in (bill, other, paid)] == [
        Decimal("0.00"),
        Decimal("20.00"),
        Decimal("0.00"),
    ]
    for item in (bill, other, paid):
        item.refresh_from_db()
    assert [i.open_amount for i in (bill, other, paid)] == [
        Decimal("0.00"),
        Decimal("20.00"),
        Decimal("0.00"),
    ]

"""Posting an invoice: its number, its GL entry (DR AR control; CR revenue per account; CR tax)
and its one receivable row, or a refusal that changes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fiscus.audit.models import AuditEvent
from fiscus.billing.models import Invoice, InvoiceLine
from fiscus.billing.services import InvoiceError, post_invoice
from fiscus.ledger.models import JournalLine
from fiscus.organization.models import FiscalPeriod
from fiscus.organization.services import period_for
from fiscus.receivables.models import ReceivableEntry
from tests.billing.factories_invoices import codes, draft, submitted
from tests.factories import customer

pytestmark = pytest.mark.django_db


def gl(invoice: Invoice) -> list[tuple[str, str | None, Decimal, Decimal]]:
    rows = JournalLine.objects.filter(entry_id=invoice.item.journal_entry_id).select_related(
        "account", "department"
    )
    return sorted(
        (ln.account.code, ln.department.code if ln.department else None, ln.debit, ln.credit)
        for ln in rows
    )


def test_posting_writes_the_gl_lines_and_one_receivable_row(city, technician):
    c = codes(city)
    who = customer(city.clerk)
    # 2 pavilions 500.00 + tax 36.25; 3 lights 135.00; 1 pavilion 250.00 + tax 18.13
    invoice = submitted(city, who, [(c.pavilion, "2"), (c.lights, "3"), (c.pavilion, "1")])

    posted = post_invoice(invoice, by=technician)

    assert posted.number == "INV-2026-000001"
    assert posted.status == "posted"
    assert (posted.total, posted.tax_total) == (Decimal("939.38"), Decimal("54.38"))
    assert gl(posted) == [
        ("1200", "PRK", Decimal("939.38"), Decimal("0.00")),
        ("2210", "PRK", Decimal("0.00"), Decimal("54.38")),
        ("4410", "PRK", Decimal("0.00"), Decimal("750.00")),
        ("4420", "PRK", Decimal("0.00"), Decimal("135.00")),
    ]
    rows = list(ReceivableEntry.objects.filter(item=posted.item))
    assert [(r.amount, r.effective_date) for r in rows] == [(Decimal("939.38"), date(2026, 3, 2))]
    assert posted.item.open_amount == Decimal("939.38")
    assert posted.item.number == "INV-2026-000001"
    assert (posted.posted_by, posted.item.due_date) == (technician, date(2026, 4, 1))


def test_posting_writes_the_status_history_and_an_audit_event(city, technician):
    c = codes(city)
    invoice = post_invoice(submitted(city, customer(city.clerk), [(c.lights, "1")]), by=technician)

    moves = [(h.old, h.new, h.by) for h in invoice.status_changes.all()]
    assert moves == [
        ("", "draft", city.clerk),
        ("draft", "submitted", city.clerk),
        ("submitted", "posted", technician),
    ]
    event = AuditEvent.objects.get(action="invoice.posted")
    assert (event.object_id, event.actor) == (str(invoice.pk), technician)


def test_the_accounting_date_can_follow_the_invoice_date(city, technician):
    c = codes(city)
    invoice = submitted(city, customer(city.clerk), [(c.lights, "1")])

    posted = post_invoice(invoice, by=technician, on=date(2026, 3, 20))

    assert posted.item.journal_entry.date == date(2026, 3, 20)
    assert posted.item.document_date == date(2026, 3, 2)


def test_posting_a_draft_is_refused_naming_its_status(city, technician):
    c = codes(city)
    invoice = draft(city, customer(city.clerk), [(c.lights, "1")])

    with pytest.raises(InvoiceError) as refused:
        post_invoice(invoice, by=technician)

    assert refused.value.message == (
        f"Invoice #{invoice.pk} is draft; only a submitted invoice can be posted."
    )
    assert JournalLine.objects.count() == 0


def test_posting_twice_is_refused(city, technician):
    c = codes(city)
    invoice = post_invoice(submitted(city, customer(city.clerk), [(c.lights, "1")]), by=technician)

    with pytest.raises(InvoiceError) as refused:
        post_invoice(invoice, by=technician)

    assert refused.value.message == (
        "Invoice INV-2026-000001 is posted; only a submitted invoice can be posted."
    )


def test_broken_line_math_is_a_hard_refusal(city, technician):
    c = codes(city)
    invoice = submitted(city, customer(city.clerk), [(c.lights, "2")])
    InvoiceLine.objects.filter(invoice=invoice).update(amount=Decimal("91.00"))

    with pytest.raises(InvoiceError) as refused:
        post_invoice(invoice, by=technician)

    assert refused.value.message == (
        f"Invoice #{invoice.pk} cannot post: Line 1: 2 x $45.00 is $90.00, not $91.00. "
        "The total is $90.00, but the lines add up to $91.00."
    )
    assert Invoice.objects.get(pk=invoice.pk).status == "submitted"


def test_a_closed_period_is_a_hard_refusal_and_takes_no_number(city, technician, supervisor):
    from fiscus.organization.services import close_period

    c = codes(city)
    invoice = submitted(city, customer(city.clerk), [(c.lights, "1")])
    close_period(period_for(date(2026, 3, 2)), by=supervisor)

    with pytest.raises(Exception) as refused:
        post_invoice(invoice, by=technician)

    assert "is closed; nothing can post on 03/02/2026." in str(refused.value)
    assert FiscalPeriod.objects.get(start=date(2026, 3, 1)).status == "closed"
    invoice.refresh_from_db()
    assert (invoice.status, invoice.number) == ("submitted", None)


def test_a_biller_may_not_post(city, biller_parks):
    from fiscus.errors import PermissionDenied

    c = codes(city)
    invoice = submitted(city, customer(city.clerk), [(c.lights, "1")])

    with pytest.raises(PermissionDenied):
        post_invoice(invoice, by=biller_parks)

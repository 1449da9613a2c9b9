"""Posting an item writes its GL entry and its receivable row together (DESIGN §3)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from fiscus.audit.models import AuditEvent
from fiscus.ledger import services as ledger
from fiscus.ledger.queries import balance
from fiscus.organization.models import Account
from fiscus.organization.services import account
from fiscus.receivables import queries
from fiscus.receivables import services as receivables
from fiscus.receivables.models import Item, ReceivableEntry
from fiscus.receivables.services import ItemSpec, Offset, ReceivableError, post_item, post_items
from tests.factories import customer, invoice, payment


def gl_lines(item):
    return [
        (ln.account.code, ln.fund.code, ln.department_id, ln.debit, ln.credit)
        for ln in item.journal_entry.lines.select_related("account", "fund")
    ]


def receivable_rows(item):
    return [
        (r.amount, r.effective_date, r.source, r.source_ref, r.journal_entry_id)
        for r in ReceivableEntry.objects.filter(item=item)
    ]


def test_an_invoice_debits_ar_control_credits_revenue_and_adds_what_is_owed(city):
    who = customer(city.clerk)
    posted = invoice(city, who, "250.00", on=date(2026, 3, 2))
    assert posted.number == "INV-2026-000001"
    assert (posted.amount, posted.open_amount) == (Decimal("250.00"), Decimal("250.00"))
    assert gl_lines(posted) == [
        ("1200", "100", city.parks.pk, Decimal("250.00"), Decimal("0.00")),
        ("4000", "100", city.parks.pk, Decimal("0.00"), Decimal("250.00")),
    ]
    assert receivable_rows(posted) == [
        (Decimal("250.00"), date(2026, 3, 2), "test", "INV-2026-000001", posted.journal_entry_id)
    ]
    assert AuditEvent.objects.filter(action="invoice.posted", object_id=str(posted.pk)).exists()


def test_a_payment_debits_undeposited_cash_credits_ar_control_and_is_owed_back(city):
    who = customer(city.clerk)
    posted = payment(city, who, "100.00", on=date(2026, 3, 10))
    assert posted.number == "PMT-2026-000001"
    assert (posted.amount, posted.open_amount) == (Decimal("-100.00"), Decimal("-100.00"))
    assert gl_lines(posted) == [
        ("1015", "100", None, Decimal("100.00"), Decimal("0.00")),
        ("1200", "100", None, Decimal("0.00"), Decimal("100.00")),
    ]
    assert receivable_rows(posted) == [
        (Decimal("-100.00"), date(2026, 3, 10), "test", "PMT-2026-000001", posted.journal_entry_id)
    ]


def test_ar_control_and_the_customer_ledger_agree_after_posting(city):
    who = customer(city.clerk)
    invoice(city, who, "250.00")
    payment(city, who, "100.00")
    ar = account(Account.Role.AR_CONTROL)
    assert balance(ar) == queries.total_open() == Decimal("150.00")
    assert queries.customer_balance(who.pk) == Decimal("150.00")
    assert queries.customer_balance(who.pk, as_of=date(2026, 3, 5)) == Decimal("250.00")
    assert ledger.verify() == (2, []) and receivables.verify() == (2, [])


def _spec(city, who, kind, amount, offsets=None, **kw):
    on = kw.pop("document_date", date(2026, 3, 2))
    return ItemSpec(
        customer=who,
        kind=kind,
        amount=Decimal(amount),
        fund=city.general,
        department=city.parks,
        document_date=on,
        due_date=kw.pop("due_date", on),
        offsets=offsets if offsets is not None else [Offset(city.revenue(), abs(Decimal(amount)))],
        **kw,
    )


def test_a_batch_posts_each_item_with_its_own_entry_and_numbers_in_order(city):
    who = customer(city.clerk)
    items = post_items(
        [
            _spec(city, who, Item.Kind.INVOICE, "10.00"),
            _spec(city, who, Item.Kind.INVOICE, "20.00"),
        ],
        on=date(2026, 3, 2),
        by=city.clerk,
        source="import",
    )
    assert [i.number for i in items] == ["INV-2026-000001", "INV-2026-000002"]
    assert [i.journal_entry.number for i in items] == ["JE-2026-000001", "JE-2026-000002"]
    assert queries.total_open() == Decimal("30.00")


def test_a_summarized_batch_posts_one_entry_netted_by_chartfield(city):
    who = customer(city.clerk)
    items = post_items(
        [
            _spec(city, who, Item.Kind.INVOICE, "10.00"),
            _spec(city, who, Item.Kind.INVOICE, "20.00"),
            _spec(city, who, Item.Kind.CREDIT_MEMO, "-5.00"),
        ],
        on=date(2026, 3, 2),
        by=city.clerk,
        source="conversion",
        summarize=True,
    )
    assert {i.journal_entry_id for i in items} == {items[0].journal_entry_id}
    assert gl_lines(items[0]) == [
        ("1200", "100", city.parks.pk, Decimal("25.00"), Decimal("0.00")),
        ("4000", "100", city.parks.pk, Decimal("0.00"), Decimal("25.00")),
    ]
    assert balance(account(Account.Role.AR_CONTROL)) == queries.total_open() == Decimal("25.00")


def test_an_invoice_split_over_two_revenue_lines_credits_each(city):
    who = customer(city.clerk)
    fees = Account.objects.create(code="4100", name="Facility fees", type="revenue")
    posted = post_item(
        _spec(
            city,
            who,
            Item.Kind.INVOICE,
            "90.00",
            offsets=[
                Offset(city.revenue(), Decimal("60.00")),
                Offset(fees, Decimal("30.00"), department=city.works),
            ],
        ),
        on=date(2026, 3, 2),
        by=city.clerk,
        source="test",
    )
    assert gl_lines(posted) == [
        ("1200", "100", city.parks.pk, Decimal("90.00"), Decimal("0.00")),
        ("4000", "100", city.parks.pk, Decimal("0.00"), Decimal("60.00")),
        ("4100", "100", city.works.pk, Decimal("0.00"), Decimal("30.00")),
    ]


@pytest.mark.parametrize(
    ("change", "sentence"),
    [
        (dict(amount="0"), "The item: the amount is zero."),
        (dict(kind=Item.Kind.PAYMENT, amount="25.00"), "The item: a payment cannot be 25.00."),
        (dict(kind=Item.Kind.INVOICE, amount="-25.00"), "The item: an invoice cannot be -25.00."),
        (dict(due_date=date(2026, 3, 1)), "The item: the due date is before the document date."),
        (
            dict(offsets=[Offset("4000", Decimal("24.99"))]),
            "The item: its lines add up to $24.99, not $25.00.",
        ),
        (
            dict(document_date=date(2026, 3, 3), due_date=date(2026, 4, 2)),
            "The item: it is dated after the posting date 03/02/2026.",
        ),
    ],
)
def test_a_bad_item_is_refused_and_nothing_is_written(city, change, sentence):
    who = customer(city.clerk)
    fields = {"kind": Item.Kind.INVOICE, "amount": "25.00", **change}
    spec = _spec(city, who, fields.pop("kind"), fields.pop("amount"), **fields)
    with pytest.raises(ReceivableError) as refused:
        post_item(spec, on=date(2026, 3, 2), by=city.clerk, source="test")
    assert refused.value.message == sentence
    assert Item.objects.count() == ReceivableEntry.objects.count() == 0
    assert balance(account(Account.Role.AR_CONTROL)) == Decimal("0.00")


def test_a_document_number_already_posted_is_refused(city):
    who = customer(city.clerk)
    invoice(city, who, "10.00")
    with pytest.raises(ReceivableError) as refused:
        post_item(
            _spec(city, who, Item.Kind.INVOICE, "10.00", number="INV-2026-000001"),
            on=date(2026, 3, 2),
            by=city.clerk,
            source="test",
        )
    assert refused.value.message == "Document number INV-2026-000001 is already posted."
    assert refused.value.code == "duplicate"


def test_the_due_date_is_kept_on_the_receivable_row_for_aging(city):
    who = customer(city.clerk)
    posted = invoice(city, who, "10.00", on=date(2026, 3, 2), due_in=45)
    row = ReceivableEntry.objects.get(item=posted)
    assert row.due_date == date(2026, 3, 2) + timedelta(days=45)
    assert (row.fund_id, row.department_id, row.is_credit) == (
        city.general.pk,
        city.parks.pk,
        False,
    )

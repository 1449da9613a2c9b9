"""Issuing a credit memo: against a posted invoice (full or partial) or on account."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from fiscus.audit.models import AuditEvent
from fiscus.billing.memos import MemoError, issue_credit_memo
from fiscus.billing.models import Invoice, Memo, ReasonCode
from fiscus.customers.models import Customer
from fiscus.ledger.models import JournalLine
from fiscus.organization.models import Account
from fiscus.organization.services import account
from fiscus.receivables.models import Application, Item, ReceivableEntry
from fiscus.reports.queries import CREDITS_LABEL, customer_buckets
from tests.billing.factories_memos import Codes, charge_codes, posted_invoice
from tests.factories import City, customer

MARCH_20 = date(2026, 3, 20)


@pytest.fixture
def codes(city: City) -> Codes:
    return charge_codes(city)


@pytest.fixture
def ada(city: City) -> Customer:
    return customer(city.clerk, "Ada Park")


@pytest.fixture
def pavilion_invoice(city: City, codes: Codes, ada: Customer) -> Invoice:
    """One pavilion rental: 250.00 + 18.13 tax (7.25%) = 268.13."""
    return posted_invoice(city, ada, [(codes.pavilion, "1")])


def billing_error() -> ReasonCode:
    return ReasonCode.objects.get(code="BILLERR")


def gl(item: Item) -> list[tuple[str, str | None, Decimal, Decimal]]:
    lines = JournalLine.objects.filter(entry_id=item.journal_entry_id).select_related(
        "account", "department"
    )
    return [
        (ln.account.code, ln.department.code if ln.department else None, ln.debit, ln.credit)
        for ln in lines.order_by("line_no")
    ]


def rows(item: Item) -> list[Decimal]:
    return list(
        ReceivableEntry.objects.filter(item=item).order_by("seq").values_list("amount", flat=True)
    )


def test_a_partial_credit_lowers_the_invoice_by_exactly_the_memo_and_closes_the_memo(
    city: City, technician: User, ada: Customer, pavilion_invoice: Invoice
) -> None:
    memo = issue_credit_memo(
        by=technician,
        customer=ada,
        reason=billing_error(),
        amount=Decimal("100.00"),
        memo_date=MARCH_20,
        invoice=pavilion_invoice,
        description="Charged a full day; it was half a day",
    )

    ar = account(Account.Role.AR_CONTROL).code
    revenue = city.revenue().code
    invoice_item = Item.objects.get(pk=pavilion_invoice.item_id)
    assert memo.number == "CM-2026-000001"
    assert (memo.kind, memo.amount, memo.department, memo.invoice) == (
        "credit",
        Decimal("100.00"),
        city.parks,
        pavilion_invoice,
    )
    assert (memo.item.kind, memo.item.amount, memo.item.number) == (
        "credit_memo",
        Decimal("-100.00"),
        "CM-2026-000001",
    )
    assert gl(memo.item) == [
        (revenue, "PRK", Decimal("100.00"), Decimal("0.00")),
        (ar, "PRK", Decimal("0.00"), Decimal("100.00")),
    ]
    assert rows(memo.item) == [Decimal("-100.00"), Decimal("100.00")]
    assert rows(invoice_item) == [Decimal("268.13"), Decimal("-100.00")]
    assert Item.objects.get(pk=memo.item.pk).open_amount == Decimal("0.00")
    assert invoice_item.open_amount == Decimal("168.13")
    application = Application.objects.get(credit_item=memo.item)
    assert (application.debit_item, application.amount, application.effective_date) == (
        invoice_item,
        Decimal("100.00"),
        MARCH_20,
    )
    event = AuditEvent.objects.get(action="memo.issued")
    assert (event.object_repr, event.detail["amount"], event.detail["invoice"]) == (
        "CM-2026-000001",
        "100.00",
        pavilion_invoice.number,
    )


def test_a_full_credit_leaves_nothing_open_on_the_invoice(
    technician: User, ada: Customer, pavilion_invoice: Invoice
) -> None:
    issue_credit_memo(
        by=technician,
        customer=ada,
        reason=billing_error(),
        amount=Decimal("268.13"),
        memo_date=MARCH_20,
        invoice=pavilion_invoice,
    )

    assert Item.objects.get(pk=pavilion_invoice.item_id).open_amount == Decimal("0.00")
    assert customer_buckets(ada.pk, as_of=MARCH_20)[-1] == (CREDITS_LABEL, Decimal("0.00"))


def test_a_credit_larger_than_what_is_still_open_is_refused_and_posts_nothing(
    technician: User, ada: Customer, pavilion_invoice: Invoice
) -> None:
    issue_credit_memo(
        by=technician,
        customer=ada,
        reason=billing_error(),
        amount=Decimal("200.00"),
        memo_date=MARCH_20,
        invoice=pavilion_invoice,
    )

    with pytest.raises(MemoError) as refused:
        issue_credit_memo(
            by=technician,
            customer=ada,
            reason=billing_error(),
            amount=Decimal("100.00"),
            memo_date=MARCH_20,
            invoice=pavilion_invoice,
        )

    assert refused.value.message == (
        "The credit of $100.00 is more than the $68.13 still open on invoice "
        f"{pavilion_invoice.number}; credit at most the open amount, or issue the rest on account."
    )
    assert Memo.objects.count() == 1
    assert Item.objects.filter(kind="credit_memo").count() == 1
    assert Item.objects.get(pk=pavilion_invoice.item_id).open_amount == Decimal("68.13")


def test_a_credit_on_account_stays_unapplied_and_shows_in_the_customers_credits(
    city: City, technician: User, ada: Customer, pavilion_invoice: Invoice
) -> None:
    memo = issue_credit_memo(
        by=technician,
        customer=ada,
        reason=ReasonCode.objects.get(code="GOODWILL"),
        amount=Decimal("75.50"),
        memo_date=MARCH_20,
        department=city.parks,
    )

    assert memo.invoice is None
    assert memo.item.open_amount == Decimal("-75.50")
    assert rows(memo.item) == [Decimal("-75.50")]
    assert not Application.objects.filter(credit_item=memo.item).exists()
    assert Item.objects.get(pk=pavilion_invoice.item_id).open_amount == Decimal("268.13")
    assert customer_buckets(ada.pk, as_of=MARCH_20)[-1] == (CREDITS_LABEL, Decimal("-75.50"))


def test_a_debit_reason_cannot_be_used_for_a_credit_memo(
    city: City, technician: User, ada: Customer
) -> None:
    with pytest.raises(MemoError) as refused:
        issue_credit_memo(
            by=technician,
            customer=ada,
            reason=ReasonCode.objects.get(code="UNDERBILL"),
            amount=Decimal("10.00"),
            memo_date=MARCH_20,
            department=city.parks,
        )

    assert refused.value.message == (
        "Reason UNDERBILL is for a debit memo; choose a reason for a credit memo."
    )
    assert not Memo.objects.exists()


def test_another_customers_invoice_cannot_be_credited(
    city: City, technician: User, pavilion_invoice: Invoice
) -> None:
    ben = customer(city.clerk, "Ben Works")

    with pytest.raises(MemoError) as refused:
        issue_credit_memo(
            by=technician,
            customer=ben,
            reason=billing_error(),
            amount=Decimal("10.00"),
            memo_date=MARCH_20,
            invoice=pavilion_invoice,
        )

    assert refused.value.message == (
        f"Invoice {pavilion_invoice.number} belongs to another customer."
    )


def test_a_credit_on_account_needs_a_department(technician: User, ada: Customer) -> None:
    with pytest.raises(MemoError) as refused:
        issue_credit_memo(
            by=technician,
            customer=ada,
            reason=billing_error(),
            amount=Decimal("10.00"),
            memo_date=MARCH_20,
        )

    assert refused.value.message == "Choose the department the credit is for."

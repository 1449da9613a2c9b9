"""Issuing a debit memo: an amount owed, due by the customer's payment terms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from fiscus.billing.memos import MemoError, issue_debit_memo
from fiscus.billing.models import Memo, ReasonCode
from fiscus.ledger.models import JournalLine
from fiscus.organization.models import Account
from fiscus.organization.services import account
from fiscus.receivables.models import ReceivableEntry
from tests.factories import City, customer

MARCH_25 = date(2026, 3, 25)


def underbilled() -> ReasonCode:
    return ReasonCode.objects.get(code="UNDERBILL")


def test_a_debit_memo_posts_an_amount_owed_due_by_the_customers_terms(
    city: City, technician: User
) -> None:
    ben = customer(city.clerk, "Ben Works", terms="net10")

    memo = issue_debit_memo(
        by=technician,
        customer=ben,
        reason=underbilled(),
        amount=Decimal("40.25"),
        memo_date=MARCH_25,
        department=city.works,
        description="Second inspection",
    )

    item = memo.item
    assert (memo.number, memo.kind, memo.amount) == ("DM-2026-000001", "debit", Decimal("40.25"))
    assert (item.kind, item.amount, item.open_amount) == (
        "debit_memo",
        Decimal("40.25"),
        Decimal("40.25"),
    )
    assert (item.document_date, item.due_date) == (MARCH_25, date(2026, 4, 4))
    lines = JournalLine.objects.filter(entry_id=item.journal_entry_id).order_by("line_no")
    assert [(ln.account.code, ln.department.code, ln.debit, ln.credit) for ln in lines] == [  # type: ignore[union-attr]
        (account(Account.Role.AR_CONTROL).code, "PW", Decimal("40.25"), Decimal("0.00")),
        (city.revenue().code, "PW", Decimal("0.00"), Decimal("40.25")),
    ]
    assert list(ReceivableEntry.objects.filter(item=item).values_list("amount", flat=True)) == [
        Decimal("40.25")
    ]


def test_a_due_date_given_is_kept(city: City, technician: User) -> None:
    ben = customer(city.clerk, "Ben Works", terms="net60")

    memo = issue_debit_memo(
        by=technician,
        customer=ben,
        reason=underbilled(),
        amount=Decimal("12.00"),
        memo_date=MARCH_25,
        department=city.works,
        due_date=date(2026, 4, 1),
    )

    assert memo.item.due_date == date(2026, 4, 1)


def test_a_credit_reason_cannot_be_used_for_a_debit_memo(city: City, technician: User) -> None:
    ben = customer(city.clerk, "Ben Works")

    with pytest.raises(MemoError) as refused:
        issue_debit_memo(
            by=technician,
            customer=ben,
            reason=ReasonCode.objects.get(code="BILLERR"),
            amount=Decimal("12.00"),
            memo_date=MARCH_25,
            department=city.works,
        )

    assert refused.value.message == (
        "Reason BILLERR is for a credit memo; choose a reason for a debit memo."
    )
    assert not Memo.objects.exists()


def test_a_memo_of_zero_is_refused(city: City, technician: User) -> None:
    ben = customer(city.clerk, "Ben Works")

    with pytest.raises(MemoError) as refused:
        issue_debit_memo(
            by=technician,
            customer=ben,
            reason=underbilled(),
            amount=Decimal("0.00"),
            memo_date=MARCH_25,
            department=city.works,
        )

    assert refused.value.message == "The memo's amount must be more than zero."

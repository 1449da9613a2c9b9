"""GET /api/v1/memos/: credit and debit memos, read-only; a biller sees their departments'."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from fiscus.billing.models import Memo, ReasonCode
from fiscus.customers.models import Customer
from fiscus.organization.models import Department
from fiscus.receivables.models import Item
from fiscus.receivables.services import ItemSpec, Offset, post_item
from tests.factories import City, customer

Api = Callable[[User | None], APIClient]
URL = "/api/v1/memos/"


def credit_memo(city: City, who: Customer, department: Department, amount: str) -> Memo:
    """A posted credit memo (test data: the memo service is tested with the memos)."""
    reason = ReasonCode.objects.get(code="BILLERR")
    item = post_item(
        ItemSpec(
            customer=who,
            kind=Item.Kind.CREDIT_MEMO,
            amount=-Decimal(amount),
            fund=city.general,
            department=department,
            document_date=date(2026, 5, 4),
            due_date=date(2026, 5, 4),
            offsets=[Offset(reason.account, Decimal(amount), department=department)],
        ),
        on=date(2026, 5, 4),
        by=city.clerk,
        source="test",
    )
    return Memo.objects.create(
        kind="credit",
        number=item.number,
        customer=who,
        reason=reason,
        department=department,
        memo_date=date(2026, 5, 4),
        amount=Decimal(amount),
        description="Billed twice",
        item=item,
        posted_by=city.clerk,
        posted_at=timezone.now(),
    )


def test_memos_are_read_with_amounts_as_strings_and_billers_see_their_departments(
    api: Api, city: City, auditor: User, biller_parks: User
) -> None:
    ada = customer(city.clerk, "Ada Park")
    parks = credit_memo(city, ada, city.parks, "50.00")
    works = credit_memo(city, ada, city.works, "12.50")

    everything = api(auditor).get(URL).json()["results"]
    assert [(m["number"], m["amount"], m["department"]) for m in everything] == [
        (works.number, "12.50", "PW"),
        (parks.number, "50.00", "PRK"),
    ]
    one = api(auditor).get(f"{URL}{parks.number}/").json()
    assert (one["kind"], one["reason"], one["customer"], one["item"]) == (
        "credit",
        "BILLERR",
        ada.number,
        parks.number,
    )

    biller = api(biller_parks)
    assert [m["number"] for m in biller.get(URL).json()["results"]] == [parks.number]
    assert biller.get(f"{URL}{works.number}/").status_code == 404
    assert api(auditor).post(URL, {}, format="json").status_code == 403


def test_a_technician_issues_a_debit_memo_and_it_posts(
    api: Api, city: City, technician: User
) -> None:
    ada = customer(city.clerk, "Ada Park")

    response = api(technician).post(
        URL,
        {
            "kind": "debit",
            "customer": ada.number,
            "reason": "UNDERBILL",
            "amount": "75.25",
            "memo_date": "2026-05-04",
            "department": "PRK",
            "description": "Second field",
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="dm-1",
    )

    assert response.status_code == 201, response.json()
    memo = response.json()
    assert (memo["kind"], memo["amount"], memo["department"], memo["reason"]) == (
        "debit",
        "75.25",
        "PRK",
        "UNDERBILL",
    )
    item = Item.objects.get(number=memo["number"])
    assert (item.kind, item.amount, item.open_amount) == (
        "debit_memo",
        Decimal("75.25"),
        Decimal("75.25"),
    )


def test_a_credit_memo_against_a_posted_invoice_lowers_what_it_owes(
    api: Api, city: City, technician: User
) -> None:
    from tests.api.test_invoices import body
    from tests.billing.factories_uploads import billing_setup

    b = billing_setup(city)
    client = api(technician)
    invoice = client.post("/api/v1/invoices/", body(b, submit=True), format="json").json()
    posted = client.post(f"/api/v1/invoices/{invoice['id']}/post/").json()

    response = client.post(
        URL,
        {
            "kind": "credit",
            "customer": b.ada.number,
            "reason": "BILLERR",
            "amount": "100.00",
            "memo_date": "2026-05-10",
            "invoice": posted["number"],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["invoice"] == posted["number"]
    assert Item.objects.get(number=posted["number"]).open_amount == Decimal("315.13")


def test_memo_input_is_checked(api: Api, city: City, technician: User) -> None:
    ada = customer(city.clerk, "Ada Park")

    response = api(technician).post(
        URL,
        {
            "kind": "debit",
            "customer": ada.number,
            "reason": "NOPE",
            "amount": 75.25,
            "memo_date": "2026-05-04",
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "reason": ['There is no reason code "NOPE".'],
        "amount": ['Send amounts as strings ("100.00"); a floating-point number is not exact.'],
    }
    assert not Memo.objects.exists()


def test_a_biller_and_an_auditor_may_not_issue_memos(
    api: Api, city: City, biller_parks: User, auditor: User
) -> None:
    ada = customer(city.clerk, "Ada Park")
    memo = {
        "kind": "debit",
        "customer": ada.number,
        "reason": "UNDERBILL",
        "amount": "5.00",
        "memo_date": "2026-05-04",
        "department": "PRK",
    }

    assert api(biller_parks).post(URL, memo, format="json").status_code == 403
    assert api(auditor).post(URL, memo, format="json").status_code == 403
    assert not Memo.objects.exists()

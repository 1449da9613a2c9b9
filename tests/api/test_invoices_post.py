"""POST /api/v1/invoices/{id}/submit/ and /post/: review, then the GL and the open item."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from fiscus.billing.models import Invoice
from fiscus.ledger.models import JournalLine
from fiscus.receivables.models import Item
from tests.api.test_invoices import body
from tests.billing.factories_uploads import Billing, billing_setup
from tests.factories import City

Api = Callable[[User | None], APIClient]
URL = "/api/v1/invoices/"


@pytest.fixture
def b(city: City) -> Billing:
    return billing_setup(city)


@pytest.fixture
def draft(api: Api, b: Billing, biller_parks: User) -> int:
    response = api(biller_parks).post(URL, body(b), format="json")
    assert response.status_code == 201
    return int(response.json()["id"])


def test_a_biller_submits_and_a_technician_posts_it(
    api: Api, b: Billing, draft: int, biller_parks: User, technician: User
) -> None:
    submitted = api(biller_parks).post(f"{URL}{draft}/submit/")
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"

    posted = api(technician).post(f"{URL}{draft}/post/", HTTP_IDEMPOTENCY_KEY="post-1")

    assert posted.status_code == 200, posted.json()
    invoice = posted.json()
    assert invoice["status"] == "posted"
    assert invoice["number"].startswith("INV-2026-")
    assert invoice["item"] == invoice["number"]
    item = Item.objects.get(number=invoice["number"])
    assert (item.kind, item.amount, item.open_amount, item.customer) == (
        "invoice",
        Decimal("415.13"),
        Decimal("415.13"),
        b.ada,
    )
    ar = JournalLine.objects.get(entry=item.journal_entry, account__code="1200")
    assert (ar.debit, ar.credit) == (Decimal("415.13"), Decimal("0.00"))
    credits = JournalLine.objects.filter(entry=item.journal_entry, credit__gt=0)
    assert sum(ln.credit for ln in credits) == Decimal("415.13")

    replay = api(technician).post(f"{URL}{draft}/post/", HTTP_IDEMPOTENCY_KEY="post-1")
    assert replay.json() == invoice
    assert Item.objects.count() == 1


def test_a_biller_may_not_post(api: Api, draft: int, biller_parks: User) -> None:
    api(biller_parks).post(f"{URL}{draft}/submit/")

    response = api(biller_parks).post(f"{URL}{draft}/post/")

    assert response.status_code == 403
    assert Invoice.objects.get().status == "submitted"
    assert not Item.objects.exists()


def test_posting_a_draft_is_refused_with_a_sentence(api: Api, draft: int, technician: User) -> None:
    response = api(technician).post(f"{URL}{draft}/post/")

    assert response.status_code == 400
    assert set(response.json()) == {"message", "code"}
    assert not Item.objects.exists()


def test_an_auditor_may_not_submit(api: Api, draft: int, auditor: User) -> None:
    assert api(auditor).post(f"{URL}{draft}/submit/").status_code == 403
    assert Invoice.objects.get().status == "draft"

"""The memo pages: a technician credits an invoice from its button; the list and the detail."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from fiscus.billing.memos import issue_credit_memo, issue_debit_memo
from fiscus.billing.models import Invoice, Memo, ReasonCode
from fiscus.customers.models import Customer
from fiscus.receivables.models import Item
from tests.billing.factories_memos import Codes, charge_codes, posted_invoice
from tests.factories import City, customer


@pytest.fixture
def codes(city: City) -> Codes:
    return charge_codes(city)


@pytest.fixture
def ada(city: City) -> Customer:
    return customer(city.clerk, "Ada Park")


@pytest.fixture
def invoice(city: City, codes: Codes, ada: Customer) -> Invoice:
    return posted_invoice(city, ada, [(codes.pavilion, "1")])  # 268.13


def test_the_invoice_button_opens_a_credit_memo_prefilled_with_the_open_amount(
    client: Client, technician: User, invoice: Invoice, ada: Customer
) -> None:
    client.force_login(technician)

    page = client.get(reverse("billing:memo_new"), {"kind": "credit", "invoice": invoice.pk})

    html = page.content.decode()
    assert page.status_code == 200
    assert '<dd class="num" id="open-amount">268.13</dd>' in html
    assert f'value="{ada.number}"' in html
    assert f'value="{invoice.number}"' in html
    assert 'value="268.13"' in html


def test_a_technician_posts_a_partial_credit_and_sees_its_ledger_lines_and_application(
    client: Client, technician: User, invoice: Invoice, ada: Customer, city: City
) -> None:
    client.force_login(technician)
    reason = ReasonCode.objects.get(code="BILLERR")

    response = client.post(
        reverse("billing:memo_new") + "?kind=credit",
        {
            "kind": "credit",
            "customer": ada.number,
            "invoice": invoice.number,
            "reason": reason.pk,
            "amount": "100.00",
            "memo_date": "2026-03-20",
            "description": "Half day",
        },
    )

    memo = Memo.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("billing:memo", args=[memo.number])
    assert Item.objects.get(pk=invoice.item_id).open_amount == Decimal("168.13")
    detail = client.get(response["Location"]).content.decode()
    assert '<dd class="num neg" id="amount">-100.00</dd>' in detail
    assert f"<td>{invoice.number}</td>" in detail  # applied to
    assert detail.count('<td class="num">100.00</td>') == 3  # DR revenue, CR AR, application


def test_a_credit_beyond_the_open_amount_is_refused_beside_the_amount(
    client: Client, technician: User, invoice: Invoice, ada: Customer
) -> None:
    client.force_login(technician)

    page = client.post(
        reverse("billing:memo_new"),
        {
            "kind": "credit",
            "customer": ada.number,
            "invoice": invoice.number,
            "reason": ReasonCode.objects.get(code="BILLERR").pk,
            "amount": "300.00",
            "memo_date": "2026-03-20",
        },
    )

    assert page.status_code == 200
    assert (
        '<ul class="errorlist" id="id_amount_errors"><li>The credit of $300.00 is more than the '
        f"$268.13 still open on invoice {invoice.number}; credit at most the open amount, or "
        "issue the rest on account.</li></ul>"
    ) in page.content.decode()
    assert not Memo.objects.exists()


def test_a_debit_memo_from_the_page_is_due_by_the_customers_terms(
    client: Client, technician: User, city: City
) -> None:
    ben = customer(city.clerk, "Ben Works", terms="net10")
    client.force_login(technician)

    response = client.post(
        reverse("billing:memo_new") + "?kind=debit",
        {
            "kind": "debit",
            "customer": ben.number,
            "reason": ReasonCode.objects.get(code="UNDERBILL").pk,
            "amount": "40.25",
            "memo_date": "2026-03-25",
            "department": city.works.pk,
        },
    )

    assert response.status_code == 302
    memo = Memo.objects.get()
    assert (memo.kind, memo.amount, memo.item.due_date) == (
        "debit",
        Decimal("40.25"),
        date(2026, 4, 4),
    )


@pytest.mark.parametrize("persona", ["biller_parks", "auditor", "cashier"])
def test_only_memo_roles_may_issue_memos(
    client: Client, persona: str, request: pytest.FixtureRequest, city: City
) -> None:
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("billing:memo_new")).status_code == 403


def test_the_list_shows_a_biller_their_departments_memos_only_and_exports_them(
    client: Client, city: City, biller_parks: User, ada: Customer
) -> None:
    parks = issue_credit_memo(
        by=city.clerk,
        customer=ada,
        reason=ReasonCode.objects.get(code="GOODWILL"),
        amount=Decimal("25.00"),
        memo_date=date(2026, 3, 20),
        department=city.parks,
    )
    works = issue_debit_memo(
        by=city.clerk,
        customer=ada,
        reason=ReasonCode.objects.get(code="UNDERBILL"),
        amount=Decimal("12.50"),
        memo_date=date(2026, 3, 21),
        department=city.works,
    )
    client.force_login(biller_parks)

    html = client.get(reverse("billing:memos")).content.decode()
    export = client.get(reverse("billing:memos"), {"export": "xlsx"})

    assert parks.number in html and works.number not in html
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [parks.number]  # type: ignore[union-attr]
    assert client.get(reverse("billing:memo", args=[works.number])).status_code == 404
    assert client.get(reverse("billing:memo", args=[parks.number])).status_code == 200


def test_the_list_filters_by_kind(
    client: Client, city: City, technician: User, ada: Customer
) -> None:
    credit = issue_credit_memo(
        by=city.clerk,
        customer=ada,
        reason=ReasonCode.objects.get(code="GOODWILL"),
        amount=Decimal("25.00"),
        memo_date=date(2026, 3, 20),
        department=city.parks,
    )
    debit = issue_debit_memo(
        by=city.clerk,
        customer=ada,
        reason=ReasonCode.objects.get(code="UNDERBILL"),
        amount=Decimal("12.50"),
        memo_date=date(2026, 3, 21),
        department=city.works,
    )
    client.force_login(technician)

    html = client.get(reverse("billing:memos"), {"kind": "debit"}).content.decode()

    assert debit.number in html and credit.number not in html

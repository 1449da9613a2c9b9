"""The returned-payment pages: return a payment from its page, work it, the log and its export."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from fiscus.cash import services as cash
from fiscus.cash.models import ReturnedPayment
from fiscus.cash.services import PaymentInput
from fiscus.receivables.models import Item
from tests.factories import customer, invoice, make_user

DAY = date(2026, 3, 10)


@pytest.fixture
def bounced(city, technician, cashier):
    who = customer(city.clerk, "Lena <Ortiz> & Sons")
    bill = invoice(city, who, "80.00")
    deposit = cash.open_deposit(department=city.parks, on=DAY, by=cashier)
    pay = cash.record_payment(
        deposit,
        PaymentInput(Decimal("80.00"), "check", DAY, customer=who, check_number="777"),
        by=cashier,
    )
    cash.apply_payment(pay, [(bill, Decimal("80.00"))], by=technician, on=DAY)
    cash.close_deposit(deposit, by=cashier)
    return who, bill, pay


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_technician_returns_a_check_from_its_page_and_works_it_off_the_dashboard(
    bounced, technician
):
    who, bill, pay = bounced
    client = signed_in(technician)
    page = client.get(reverse("cash:payment", args=[pay.pk])).content.decode()
    assert reverse("cash:payment_return", args=[pay.pk]) in page
    form = client.get(reverse("cash:payment_return", args=[pay.pk])).content.decode()
    assert bill.number in form and "80.00" in form
    # a bad date is refused on the form and nothing posts
    refused = client.post(
        reverse("cash:payment_return", args=[pay.pk]),
        {"reason": "nsf", "returned_on": "2026-03-01", "fee": "on"},
    )
    assert refused.status_code == 200
    assert "cannot come back on 03/01/2026" in refused.content.decode()
    assert not ReturnedPayment.objects.exists()
    done = client.post(
        reverse("cash:payment_return", args=[pay.pk]),
        {"reason": "nsf", "returned_on": "2026-03-12", "fee": "on", "note": "Bank memo 55"},
        follow=True,
    )
    back = ReturnedPayment.objects.get()
    html = done.content.decode()
    assert f"returned as {back.number}: 1 item(s) open again" in html
    assert "Lena &lt;Ortiz&gt; &amp; Sons" in html  # escaped
    assert Item.objects.get(pk=bill.pk).open_amount == Decimal("80.00")
    assert back.fee_item is not None and back.fee_item.amount == Decimal("15.00")
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert 'id="returns-to-work"' in dashboard
    client.post(reverse("cash:returned_worked", args=[back.pk]))
    back.refresh_from_db()
    assert back.worked_at is not None and back.worked_by == technician
    assert 'id="returns-to-work"' not in client.get(reverse("dashboard")).content.decode()
    listed = client.get(reverse("cash:returned_list") + "?show=all").content.decode()
    assert back.number in listed


def test_the_returned_payments_log_exports_its_rows(bounced, technician):
    from fiscus.cash import returns

    who, bill, pay = bounced
    back = returns.return_payment(pay, reason="stop_payment", on=date(2026, 3, 12), by=technician)
    response = signed_in(technician).get(reverse("cash:returned_list") + "?show=all&export=xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    header = rows.index(next(r for r in rows if r and r[0] == "Return"))
    data = rows[header + 1]
    assert data[0] == back.number and data[2] == pay.number
    assert data[6] == "Stop payment" and Decimal(str(data[8])) == Decimal("80.00")
    assert data[9] == f"{bill.number} 80.00"


def test_a_cashier_cannot_return_and_a_biller_sees_only_their_departments(bounced, city, cashier):
    who, bill, pay = bounced
    assert (
        signed_in(cashier)
        .post(
            reverse("cash:payment_return", args=[pay.pk]),
            {"reason": "nsf", "returned_on": "2026-03-12"},
        )
        .status_code
        == 403
    )
    assert not ReturnedPayment.objects.exists()
    from fiscus.cash import returns

    back = returns.return_payment(pay, reason="nsf", on=date(2026, 3, 12), by=city.clerk)
    works_biller = make_user("department biller", departments=[city.works])
    assert signed_in(works_biller).get(reverse("cash:returned", args=[back.pk])).status_code == 404
    parks_biller = make_user("department biller", departments=[city.parks])
    assert signed_in(parks_biller).get(reverse("cash:returned", args=[back.pk])).status_code == 200


def test_the_notice_prints_from_the_return_and_a_bad_ach_file_changes_nothing(bounced, technician):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fiscus.cash import returns

    who, bill, pay = bounced
    back = returns.return_payment(pay, reason="nsf", on=date(2026, 3, 12), by=technician)
    client = signed_in(technician)
    pdf = client.get(reverse("cash:returned_notice", args=[back.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    bad = SimpleUploadedFile("returns.ach", b"101 garbage\n")
    page = client.post(reverse("cash:returned_import"), {"file": bad}, follow=True)
    assert "returns.ach was not imported; nothing changed." in page.content.decode()
    assert ReturnedPayment.objects.count() == 1

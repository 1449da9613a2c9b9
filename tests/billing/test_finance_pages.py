"""The finance-charge pages: a technician previews, reads the skips, exports and posts."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from fiscus.billing.finance_charges import preview_finance_charges
from fiscus.billing.models import FinanceChargeRun
from fiscus.customers.models import Customer
from fiscus.receivables.models import Item
from tests.billing.factories_finance import AS_OF, MARCH_INVOICE, flag, owing, policy_on
from tests.factories import City, customer, invoice


@pytest.fixture
def customers(city: City) -> dict[str, Customer]:
    policy_on(city.clerk)
    return {
        "bo": owing(city, "Bo Lee", "1234.56"),
        "county": owing(city, "County of Elm", "800.00", type="agency"),
        "held": flag(city, owing(city, "Ivy Hold", "300.00"), on_hold=True),
    }


@pytest.fixture
def run(city: City, customers: dict[str, Customer]) -> FinanceChargeRun:
    return preview_finance_charges(by=city.clerk, as_of=AS_OF)


def test_the_urls_are_named() -> None:
    assert reverse("billing:finance_charges") == "/billing/finance-charges/"
    assert reverse("billing:finance_run", kwargs={"run": 7}) == "/billing/finance-charges/7/"


def test_a_technician_previews_as_of_a_date_and_lands_on_the_run(
    client: Client, technician: User, customers: dict[str, Customer]
) -> None:
    client.force_login(technician)
    page = client.get(reverse("billing:finance_charges")).content.decode()
    assert "Preview finance charges" in page

    response = client.post(reverse("billing:finance_preview"), {"as_of": "2026-05-15"})

    run = FinanceChargeRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("billing:finance_run", kwargs={"run": run.pk})
    assert (run.as_of, run.created_by, run.total) == (AS_OF, technician, Decimal("12.35"))


def test_a_preview_with_the_policy_off_says_so_on_the_form(
    client: Client, technician: User, supervisor: User, customers: dict[str, Customer]
) -> None:
    policy_on(supervisor, active=False)
    client.force_login(technician)

    response = client.post(reverse("billing:finance_preview"), {"as_of": "2026-05-15"})

    assert response.status_code == 400
    assert (
        "Finance charges are turned off; a supervisor turns them on in the finance-charge policy."
        in response.content.decode()
    )
    assert not FinanceChargeRun.objects.exists()


def test_the_run_page_shows_who_is_charged_and_who_is_skipped_and_why(
    client: Client, technician: User, run: FinanceChargeRun, customers: dict[str, Customer]
) -> None:
    client.force_login(technician)

    page = client.get(reverse("billing:finance_run", kwargs={"run": run.pk})).content.decode()

    charged = page[page.index('id="charged"') : page.index('id="skipped"')]
    skipped = page[page.index('id="skipped"') :]
    assert customers["bo"].number in charged
    assert '<td class="num">1,234.56</td><td class="num">12.35</td>' in charged
    assert "exempt: government agency" in skipped
    assert "the account is on hold" in skipped
    assert '<td class="num">1,100.00</td>' in skipped  # the skipped past-due total
    assert "Post 1 finance charge</button>" in page


def test_posting_from_the_page_posts_the_charges(
    client: Client, technician: User, run: FinanceChargeRun, customers: dict[str, Customer]
) -> None:
    client.force_login(technician)

    response = client.post(reverse("billing:finance_post", kwargs={"run": run.pk}), follow=True)

    page = response.content.decode()
    item = Item.objects.get(kind=Item.Kind.FINANCE_CHARGE)
    assert item.customer == customers["bo"]
    assert "Posted 1 finance charge, $12.35, as of 05/15/2026." in page
    assert item.number in page
    assert "Post 1 finance charge</button>" not in page


def test_posting_a_posted_run_again_shows_the_refusal(
    client: Client, technician: User, run: FinanceChargeRun
) -> None:
    client.force_login(technician)
    url = reverse("billing:finance_post", kwargs={"run": run.pk})
    client.post(url)

    page = client.post(url, follow=True).content.decode()

    assert "The finance charges as of 05/15/2026 were posted already; a run is posted once." in page
    assert Item.objects.filter(kind=Item.Kind.FINANCE_CHARGE).count() == 1


def test_the_run_exports_to_csv_and_xlsx(
    client: Client, technician: User, run: FinanceChargeRun, customers: dict[str, Customer]
) -> None:
    client.force_login(technician)
    url = reverse("billing:finance_run", kwargs={"run": run.pk})

    rows = list(csv.reader(io.StringIO(client.get(url, {"export": "csv"}).content.decode())))
    sheet = load_workbook(io.BytesIO(client.get(url, {"export": "xlsx"}).content)).active

    assert rows[0] == [
        "Customer",
        "Name",
        "Type",
        "Past due",
        "Charge",
        "Charged",
        "Reason",
        "Item",
    ]
    assert rows[1][0] == customers["bo"].number
    assert rows[1][3:6] == ["1234.56", "12.35", "yes"]
    assert ["no", "exempt: government agency"] in [r[5:7] for r in rows]
    assert rows[-1][:5] == ["Total", "", "", "2334.56", "12.35"]
    assert sheet is not None
    charge = sheet.cell(row=3, column=5)
    assert (str(charge.value), charge.number_format) == ("12.35", "#,##0.00;[Red]-#,##0.00")


def test_a_cashier_reads_the_runs_but_may_not_preview_or_post(
    client: Client, cashier: User, run: FinanceChargeRun
) -> None:
    client.force_login(cashier)

    assert client.get(reverse("billing:finance_charges")).status_code == 200
    assert client.get(reverse("billing:finance_run", kwargs={"run": run.pk})).status_code == 200
    assert (
        client.post(reverse("billing:finance_preview"), {"as_of": "2026-05-15"}).status_code == 403
    )
    assert client.post(reverse("billing:finance_post", kwargs={"run": run.pk})).status_code == 403
    assert (
        "Preview finance charges"
        not in client.get(reverse("billing:finance_charges")).content.decode()
    )


def test_a_department_biller_sees_only_their_departments_customers(
    client: Client, biller_parks: User, city: City, customers: dict[str, Customer]
) -> None:
    works_customer = customer(city.clerk, "Wes Works")
    invoice(city, works_customer, "5000.00", on=MARCH_INVOICE, department=city.works)
    run = preview_finance_charges(by=city.clerk, as_of=AS_OF)
    client.force_login(biller_parks)

    runs = client.get(reverse("billing:finance_charges")).content.decode()
    page = client.get(reverse("billing:finance_run", kwargs={"run": run.pk})).content.decode()

    assert customers["bo"].number in page
    assert works_customer.number not in page
    assert '<dd class="num" style="text-align: left" id="total">12.35</dd>' in page
    assert '<td class="num">12.35</td>' in runs  # not the 62.35 of every department
    assert "Post 1 finance charge" not in page
    assert "Preview finance charges" not in runs


def test_someone_without_a_role_is_refused(
    client: Client, outsider: User, run: FinanceChargeRun
) -> None:
    client.force_login(outsider)

    assert client.get(reverse("billing:finance_charges")).status_code == 403
    assert client.get(reverse("billing:finance_run", kwargs={"run": run.pk})).status_code == 403

"""The cash pages: deposits, a payment applied by hand, identifying, the worklist, balancing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from fiscus.cash import services as cash
from fiscus.cash.models import BalancedDay, Deposit, Match, Payment
from fiscus.cash.services import PaymentInput
from fiscus.receivables.models import Application
from tests.factories import customer, invoice, make_user

DAY = date(2026, 3, 10)


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_a_new_deposit_opens_and_goes_straight_to_entry(city, cashier):
    c = client_for(cashier)
    response = c.post(
        reverse("cash:deposit_new"),
        {
            "department": city.parks.pk,
            "deposit_date": "2026-03-10",
            "control_count": "3",
            "control_total": "1,250.00",
        },
    )
    assert response.status_code == 200  # "1,250.00" is not a number the form takes
    response = c.post(
        reverse("cash:deposit_new"),
        {
            "department": city.parks.pk,
            "deposit_date": "2026-03-10",
            "control_count": "3",
            "control_total": "1250.00",
        },
    )
    deposit = Deposit.objects.get()
    assert response["Location"] == reverse("cash:entry", args=[deposit.pk])
    assert (deposit.control_count, deposit.control_total, deposit.cashier) == (
        3,
        Decimal("1250.00"),
        cashier,
    )


def test_closing_a_deposit_off_its_control_total_says_by_how_much(city, cashier):
    deposit = cash.open_deposit(
        department=city.parks, on=DAY, by=cashier, control_total=Decimal("100.00")
    )
    cash.record_payment(
        deposit, PaymentInput(Decimal("99.00"), "cash", DAY, payer="Walk-in"), by=cashier
    )
    c = client_for(cashier)
    page = c.post(reverse("cash:deposit_close", args=[deposit.pk]), follow=True)
    assert "off by -$1.00" in page.content.decode()
    deposit.refresh_from_db()
    assert deposit.status == "open"


def test_a_technician_applies_a_payment_by_hand_from_its_page(city, cashier, technician):
    who = customer(city.clerk)
    old, new = invoice(city, who, "60.00", on=date(2026, 2, 2)), invoice(city, who, "70.00")
    deposit = cash.open_deposit(department=city.parks, on=DAY, by=cashier)
    pay = cash.record_payment(
        deposit, PaymentInput(Decimal("100.00"), "check", DAY, customer=who), by=cashier
    )
    c = client_for(technician)
    page = c.get(reverse("cash:payment", args=[pay.pk])).content.decode()
    # the policy (oldest first) fills in 60.00 then 40.00
    assert f'name="apply_{old.pk}"' in page and 'value="60.00"' in page and 'value="40.00"' in page
    response = c.post(
        reverse("cash:payment_apply", args=[pay.pk]),
        {f"apply_{old.pk}": "60.00", f"apply_{new.pk}": "30.00"},
        follow=True,
    )
    assert "Applied $90.00" in response.content.decode()
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.open_amount, new.open_amount) == (Decimal("0.00"), Decimal("40.00"))
    pay.refresh_from_db()
    assert pay.unapplied == Decimal("10.00")
    bad = c.post(
        reverse("cash:payment_apply", args=[pay.pk]), {f"apply_{new.pk}": "12,34"}, follow=True
    )
    assert "is not an amount" in bad.content.decode() or "comma" in bad.content.decode()
    assert Application.objects.count() == 2


def test_a_cashier_may_not_apply(city, cashier):
    who = customer(city.clerk)
    deposit = cash.open_deposit(department=city.parks, on=DAY, by=cashier)
    pay = cash.record_payment(
        deposit, PaymentInput(Decimal("5.00"), "cash", DAY, customer=who), by=cashier
    )
    assert client_for(cashier).post(reverse("cash:payment_apply", args=[pay.pk])).status_code == 403


def test_an_unidentified_payment_is_named_and_then_applied(city, cashier, technician):
    who = customer(city.clerk)
    deposit = cash.open_deposit(department=city.parks, on=DAY, by=cashier)
    pay = cash.record_payment(
        deposit, PaymentInput(Decimal("5.00"), "cash", DAY, payer="J Q"), by=cashier
    )
    c = client_for(technician)
    assert "Whose payment is it?" in c.get(reverse("cash:payment", args=[pay.pk])).content.decode()
    c.post(reverse("cash:payment_identify", args=[pay.pk]), {"customer": "NOPE"})
    pay.refresh_from_db()
    assert pay.status == Payment.Status.UNIDENTIFIED
    c.post(reverse("cash:payment_identify", args=[pay.pk]), {"customer": who.number})
    pay.refresh_from_db()
    assert pay.status == Payment.Status.POSTED and pay.customer == who


def test_the_worklist_takes_a_suggestion_and_applies_it(city, cashier, technician):
    who = customer(city.clerk)
    bill = invoice(city, who, "80.00")
    deposit = cash.open_deposit(department=city.parks, on=DAY, by=cashier)
    pay = cash.record_payment(
        deposit, PaymentInput(Decimal("80.00"), "check", DAY, payer="P"), by=cashier
    )
    match = Match.objects.create(
        payment=pay,
        customer=who,
        rule="amount_one",
        confidence=Decimal("0.60"),
        reason="The amount equals one open invoice.",
        status=Match.Status.SUGGESTED,
        allocations=[{"item": str(bill.pk), "number": bill.number, "amount": "80.00"}],
    )
    c = client_for(technician)
    page = c.get(reverse("cash:unapplied")).content.decode()
    assert pay.number in page and "The amount equals one open invoice." in page
    assert f'data-take="{reverse("cash:take", args=[match.pk])}"' in page
    c.post(reverse("cash:take", args=[match.pk]))
    bill.refresh_from_db()
    pay.refresh_from_db()
    match.refresh_from_db()
    assert bill.open_amount == Decimal("0.00") and pay.customer == who
    assert match.status == Match.Status.TAKEN and match.decided_by == technician
    reason = pay.applications.get()
    assert (reason.rule, reason.automatic, reason.confidence) == (
        "suggestion",
        False,
        Decimal("0.60"),
    )
    rows = c.get(reverse("cash:unapplied")).context["rows"]
    assert pay.pk not in [p.pk for p, _ in rows]


def test_the_day_page_shows_the_three_ways_and_the_supervisor_balances(city, cashier, supervisor):
    who = customer(city.clerk)
    deposit = cash.open_deposit(department=city.parks, on=DAY, by=cashier)
    cash.record_payment(
        deposit, PaymentInput(Decimal("75.25"), "check", DAY, customer=who), by=cashier
    )
    cash.close_deposit(deposit, by=cashier)
    url = reverse("cash:balancing_day", args=[DAY.isoformat()])
    c = client_for(cashier)
    c.post(
        reverse("cash:balancing_report", args=[DAY.isoformat()]),
        {"department": city.parks.pk, "amount": "75.00", "count": "1"},
    )
    page = c.get(url).content.decode()
    assert "Parks and Recreation reported $75.00; Fiscus receipted $75.25" in page
    assert "not on a bank statement" in page
    assert (
        client_for(cashier)
        .post(reverse("cash:balancing_balance", args=[DAY.isoformat()]))
        .status_code
        == 403
    )
    boss = client_for(supervisor)
    boss.post(reverse("cash:balancing_balance", args=[DAY.isoformat()]), {"note": ""})
    assert not BalancedDay.objects.exists()
    boss.post(
        reverse("cash:balancing_balance", args=[DAY.isoformat()]),
        {"note": "Parks rounded down; bank deposit verified by phone."},
    )
    assert BalancedDay.objects.get().day == DAY


@pytest.mark.parametrize("name", ["cash:home", "cash:deposits", "cash:payments", "cash:balancing"])
def test_a_biller_sees_only_their_departments_cash(name, city, cashier, biller_parks):
    who = customer(city.clerk)
    for dept, amount in ((city.parks, "11.11"), (city.works, "22.22")):
        d = cash.open_deposit(department=dept, on=DAY, by=cashier)
        cash.record_payment(d, PaymentInput(Decimal(amount), "cash", DAY, customer=who), by=cashier)
    page = client_for(biller_parks).get(reverse(name)).content.decode()
    assert "22.22" not in page
    works = Deposit.objects.get(department=city.works)
    assert client_for(biller_parks).get(reverse("cash:deposit", args=[works.pk])).status_code == 404


def test_nobody_without_a_role_sees_cash(db):
    c = client_for(make_user(None))
    assert c.get(reverse("cash:home")).status_code == 403


def test_a_supervisor_saves_a_csv_mapping_that_the_bank_import_then_uses(city, supervisor):
    from fiscus.cash.models import CsvMapping

    c = client_for(supervisor)
    form = {
        "name": "Valley Bank CSV",
        "date_column": "Date",
        "amount_column": "Amount",
        "description_columns": "Description",
        "delimiter": ",",
        "decimal_separator": ".",
        "thousands_separator": ",",
        "date_format": "%m/%d/%Y",
        "header_lines": "0",
        "has_header": "on",
        "footer_lines": "0",
        "currency": "USD",
    }
    bad = c.post(reverse("cash:mapping_new"), {**form, "date_format": "nonsense"})
    assert bad.status_code == 200 and not CsvMapping.objects.exists()
    c.post(reverse("cash:mapping_new"), form)
    mapping = CsvMapping.objects.get()
    assert mapping.mapping["date_column"] == "Date" and mapping.mapping["description_columns"] == [
        "Description"
    ]
    data = b"Date,Description,Amount\n03/10/2026,ACH CEDAR,125.00\n03/11/2026,FEE,-2.50\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = c.post(
        reverse("cash:bank"),
        {"file": SimpleUploadedFile("valley.csv", data), "mapping": mapping.pk},
    ).content.decode()
    assert "ACH CEDAR" in page and "125.00" in page


def test_a_customer_can_have_its_own_allocation_order(city, supervisor):
    from fiscus.cash.services import policy_for

    who = customer(city.clerk)
    c = client_for(supervisor)
    c.post(
        reverse("cash:customer_policy"), {"customer": who.number, "allocation_policy": "fees_first"}
    )
    assert policy_for(who) == "fees_first"
    c.post(reverse("cash:customer_policy"), {"customer": who.number, "allocation_policy": ""})
    assert policy_for(who) == "oldest_first"


def test_departments_figures_upload_all_or_nothing_naming_the_row(city, cashier):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fiscus.cash.models import DepartmentReport

    c = client_for(cashier)
    bad = b"date,department,amount,count\n03/10/2026,PRK,100.00,3\n03/10/2026,PW,12.34,two\n"
    page = c.post(
        reverse("cash:balancing_upload"), {"file": SimpleUploadedFile("d.csv", bad)}, follow=True
    ).content.decode()
    assert "Row 3, count" in page and not DepartmentReport.objects.exists()
    good = b"date,department,amount,count\n03/10/2026,PRK,100.00,3\n03/10/2026,PW,12.34,2\n"
    c.post(reverse("cash:balancing_upload"), {"file": SimpleUploadedFile("d.csv", good)})
    assert sorted(DepartmentReport.objects.values_list("department__code", "amount")) == [
        ("PRK", Decimal("100.00")),
        ("PW", Decimal("12.34")),
    ]

"""Previewing finance charges: who is charged, how much to the cent, and who is skipped and why."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fiscus.audit.models import AuditEvent
from fiscus.billing.finance_charges import (
    FinanceChargeError,
    post_finance_charges,
    preview_finance_charges,
)
from fiscus.billing.models import FinanceChargeLine, FinanceChargeRun
from fiscus.billing.setup import finance_charge_policy
from fiscus.receivables.models import Item
from fiscus.receivables.services import apply_credit
from tests.billing.factories_finance import AS_OF, MARCH_INVOICE, dispute, flag, owing, policy_on
from tests.factories import City, customer, invoice, payment


@pytest.fixture
def policy_is_on(city: City) -> None:
    policy_on(city.clerk)


def line_of(run: FinanceChargeRun, who: object) -> FinanceChargeLine:
    return run.lines.get(customer=who)


@pytest.mark.usefixtures("policy_is_on")
class TestAmounts:
    def test_one_percent_of_1234_56_is_12_35(self, city: City) -> None:
        who = owing(city, "Bo Lee", "1234.56")

        run = preview_finance_charges(by=city.clerk, as_of=AS_OF)

        line = line_of(run, who)
        assert (line.base_amount, line.charge, line.skipped) == (
            Decimal("1234.56"),
            Decimal("12.35"),
            False,
        )
        assert run.status == FinanceChargeRun.Status.PREVIEW
        assert run.total == Decimal("12.35")
        assert run.fund == city.general

    def test_the_minimum_charge_applies_to_a_small_balance(self, city: City) -> None:
        who = owing(city, "Cy Small", "50.00")  # 1% is 0.50

        run = preview_finance_charges(by=city.clerk, as_of=AS_OF)

        assert line_of(run, who).charge == Decimal("1.00")

    def test_the_base_adds_every_past_due_invoice_of_the_customer(self, city: City) -> None:
        who = owing(city, "Di Two", "100.00", "250.55")

        run = preview_finance_charges(by=city.clerk, as_of=AS_OF)

        line = line_of(run, who)
        assert (line.base_amount, line.charge) == (Decimal("350.55"), Decimal("3.51"))

    def test_the_base_is_what_was_still_open_on_the_as_of_date(self, city: City) -> None:
        who = owing(city, "Ed Part", "500.00")
        item = Item.objects.get(customer=who)
        early = payment(city, who, "200.00", on=date(2026, 5, 1))
        apply_credit(early, item, Decimal("200.00"), on=date(2026, 5, 1), by=city.clerk)
        late = payment(city, who, "300.00", on=date(2026, 5, 20))
        apply_credit(late, item, Decimal("300.00"), on=date(2026, 5, 20), by=city.clerk)

        run = preview_finance_charges(by=city.clerk, as_of=AS_OF)

        assert line_of(run, who).base_amount == Decimal("300.00")

    def test_a_customer_paid_in_full_is_not_in_the_run(self, city: City) -> None:
        who = owing(city, "Flo Paid", "80.00")
        cash = payment(city, who, "80.00", on=date(2026, 4, 20))
        apply_credit(
            cash,
            Item.objects.get(customer=who, kind="invoice"),
            Decimal("80.00"),
            on=date(2026, 4, 20),
            by=city.clerk,
        )

        run = preview_finance_charges(by=city.clerk, as_of=AS_OF)

        assert not run.lines.exists()

    def test_the_grace_days_are_respected(self, city: City) -> None:
        who = owing(city, "Gil Grace", "100.00")  # due 04/01/2026

        on_the_30th_day = preview_finance_charges(by=city.clerk, as_of=date(2026, 5, 1))
        on_the_31st_day = preview_finance_charges(by=city.clerk, as_of=date(2026, 5, 2))

        assert not on_the_30th_day.lines.exists()
        assert line_of(on_the_31st_day, who).charge == Decimal("1.00")

    def test_an_invoice_not_yet_due_is_left_out(self, city: City) -> None:
        who = owing(city, "Hal Mixed", "1000.00")
        invoice(city, who, "9999.00", on=date(2026, 5, 1))  # due 05/31/2026

        run = preview_finance_charges(by=city.clerk, as_of=AS_OF)

        assert line_of(run, who).base_amount == Decimal("1000.00")


@pytest.mark.usefixtures("policy_is_on")
class TestSkipped:
    def test_a_government_agency_is_exempt(self, city: City) -> None:
        county = owing(city, "County of Elm", "1000.00", type="agency")
        district = owing(city, "Elm Unified", "1000.00", type="school_district")

        run = preview_finance_charges(by=city.clerk, as_of=AS_OF)

        assert (line_of(run, county).skipped, line_of(run, county).reason) == (
            True,
            "exempt: government agency",
        )
        assert line_of(run, district).reason == "exempt: school district"
        assert line_of(run, county).charge == Decimal("0.00")
        assert run.total == Decimal("0.00")

    def test_a_customer_on_hold_is_skipped_with_the_gates_reason(self, city: City) -> None:
        who = flag(city, owing(city, "Ivy Hold", "1000.00"), on_hold=True)

        run = preview_finance_charges(by=city.clerk, as_of=AS_OF)

        line = line_of(run, who)
        assert (line.skipped, line.reason, line.base_amount) == (
            True,
            "the account is on hold",
            Decimal("1000.00"),
        )

    def test_a_customer_in_bankruptcy_is_skipped_with_the_gates_reason(self, city: City) -> None:
        who = flag(city, owing(city, "Jo Stay", "1000.00"), in_bankruptcy=True)

        run = preview_finance_charges(by=city.clerk, as_of=AS_OF)

        assert line_of(run, who).reason == "the customer is in bankruptcy (the automatic stay)"
        assert line_of(run, who).skipped

    def test_a_disputed_item_is_left_out_of_the_base(self, city: City) -> None:
        who = owing(city, "Kim Dispute", "1234.56")
        disputed = dispute(invoice(city, who, "5000.00", on=MARCH_INVOICE))

        run = preview_finance_charges(by=city.clerk, as_of=AS_OF)

        line = line_of(run, who)
        assert (line.skipped, line.base_amount, line.charge) == (
            False,
            Decimal("1234.56"),
            Decimal("12.35"),
        )
        assert line.reason == f"left out: {disputed.number} is disputed"

    def test_a_customer_whose_only_past_due_item_is_disputed_is_skipped(self, city: City) -> None:
        who = customer(city.clerk, "Lu Only")
        disputed = dispute(invoice(city, who, "700.00", on=MARCH_INVOICE))

        run = preview_finance_charges(by=city.clerk, as_of=AS_OF)

        line = line_of(run, who)
        assert (line.skipped, line.reason, line.charge) == (
            True,
            f"{disputed.number} is disputed",
            Decimal("0.00"),
        )

    def test_a_customer_is_not_charged_twice_in_a_month(self, city: City) -> None:
        who = owing(city, "Mo Twice", "1234.56")
        post_finance_charges(preview_finance_charges(by=city.clerk, as_of=AS_OF), by=city.clerk)

        later_in_may = preview_finance_charges(by=city.clerk, as_of=date(2026, 5, 31))
        in_june = preview_finance_charges(by=city.clerk, as_of=date(2026, 6, 15))

        assert (line_of(later_in_may, who).skipped, line_of(later_in_may, who).reason) == (
            True,
            "already charged a finance charge in May 2026",
        )
        # June charges the invoice again, but not the May finance charge (no interest on interest)
        june = line_of(in_june, who)
        assert (june.skipped, june.base_amount, june.charge) == (
            False,
            Decimal("1234.56"),
            Decimal("12.35"),
        )

    def test_an_unposted_preview_does_not_count_as_a_charge(self, city: City) -> None:
        who = owing(city, "Ned Preview", "100.00")
        preview_finance_charges(by=city.clerk, as_of=AS_OF)

        again = preview_finance_charges(by=city.clerk, as_of=AS_OF)

        assert not line_of(again, who).skipped


def test_the_preview_is_refused_while_finance_charges_are_off(city: City) -> None:
    owing(city, "Oz Off", "100.00")
    assert not finance_charge_policy().active

    with pytest.raises(FinanceChargeError) as refused:
        preview_finance_charges(by=city.clerk, as_of=AS_OF)

    assert refused.value.message == (
        "Finance charges are turned off; a supervisor turns them on in the finance-charge policy."
    )
    assert not FinanceChargeRun.objects.exists()


@pytest.mark.usefixtures("policy_is_on")
def test_the_preview_is_audited(city: City, technician: User) -> None:
    owing(city, "Pia Audit", "1234.56")

    run = preview_finance_charges(by=technician, as_of=AS_OF)

    event = AuditEvent.objects.get(action="finance_charge_run.previewed")
    assert (event.actor, event.object_id) == (technician, str(run.pk))
    assert (event.detail["charges"], event.detail["total"]) == (1, "12.35")


@pytest.mark.usefixtures("policy_is_on")
def test_the_preview_takes_the_same_queries_for_two_customers_or_six(city: City) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            preview_finance_charges(by=city.clerk, as_of=AS_OF)
        return len(captured)

    queries()  # the clerk's roles are read once, then cached on the user
    for n in range(2):
        owing(city, f"Few {n}", "100.00", "200.00")
    few = queries()
    for n in range(4):
        owing(city, f"More {n}", "100.00", "200.00")

    assert queries() == few

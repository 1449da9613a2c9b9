"""`fiscus billing_recurring_run`: the recurring run from the command line."""

from __future__ import annotations

import io
from datetime import date

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from fiscus.billing.models import Invoice
from tests.billing.factories_memos import charge_codes
from tests.billing.factories_recurring import lease
from tests.factories import City, customer


def test_the_command_bills_through_the_date_and_lists_the_drafts(
    city: City, technician: User
) -> None:
    tenant = customer(city.clerk, "Harbor Cafe")
    schedule = lease(city, charge_codes(city), tenant)
    out, err = io.StringIO(), io.StringIO()

    call_command(
        "billing_recurring_run", "--through", "2026-04-30", "--user", "tina", stdout=out, stderr=err
    )

    assert Invoice.objects.filter(recurring=schedule, source="recurring").count() == 2
    text = out.getvalue()
    assert f"03/01/2026  {tenant.number}" in text
    assert text.rstrip().endswith(
        "Recurring billing through 04/30/2026 made 2 draft invoices from 1 schedule, $2,145.00."
    )


def test_without_a_date_it_bills_through_today_and_twice_makes_nothing_more(
    city: City, technician: User
) -> None:
    lease(city, charge_codes(city), customer(city.clerk))
    out = io.StringIO()

    with time_machine.travel(date(2026, 3, 20), tick=False):
        call_command("billing_recurring_run", "--user", "tina", stdout=out)
        call_command("billing_recurring_run", "--user", "tina", stdout=out)

    assert Invoice.objects.count() == 1
    assert "made 0 draft invoices from 0 schedules." in out.getvalue()


def test_a_user_whose_role_does_not_allow_it_is_refused(city: City, cashier: User) -> None:
    with pytest.raises(CommandError) as refused:
        call_command("billing_recurring_run", "--user", "cass", stdout=io.StringIO())

    assert str(refused.value) == "cass's role does not allow billing.recurring."

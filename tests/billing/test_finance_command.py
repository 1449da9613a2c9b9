"""`fiscus billing_finance_charges`: preview, and with --post post, from the command line."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from fiscus.billing.models import FinanceChargeRun
from fiscus.receivables.models import Item
from tests.billing.factories_finance import owing, policy_on
from tests.factories import City


@pytest.fixture
def owed(city: City) -> None:
    policy_on(city.clerk)
    owing(city, "Bo Lee", "1234.56")
    owing(city, "County of Elm", "800.00", type="agency")


@pytest.mark.usefixtures("owed")
def test_the_command_previews_without_posting(city: City, technician: User) -> None:
    out = io.StringIO()

    call_command("billing_finance_charges", "--as-of", "2026-05-15", "--user", "tina", stdout=out)

    run = FinanceChargeRun.objects.get()
    text = out.getvalue()
    assert run.status == "preview"
    assert "exempt: government agency" in text
    assert text.rstrip().endswith(
        f"Finance charges as of 05/15/2026 (run {run.pk}): 1 to charge, $12.35; 1 skipped. "
        "Not posted (add --post)."
    )
    assert not Item.objects.filter(kind="finance_charge").exists()


@pytest.mark.usefixtures("owed")
def test_with_post_the_charges_are_posted(city: City, technician: User) -> None:
    out = io.StringIO()

    call_command(
        "billing_finance_charges", "--as-of", "2026-05-15", "--post", "--user", "tina", stdout=out
    )

    assert FinanceChargeRun.objects.get().status == "posted"
    assert Item.objects.get(kind="finance_charge").amount == Decimal("12.35")
    assert out.getvalue().rstrip().endswith("Posted 1 finance charge.")


def test_a_refusal_is_the_commands_error(city: City, technician: User) -> None:
    with pytest.raises(CommandError) as refused:
        call_command(
            "billing_finance_charges",
            "--as-of",
            "2026-05-15",
            "--user",
            "tina",
            stdout=io.StringIO(),
        )

    assert str(refused.value) == (
        "Finance charges are turned off; a supervisor turns them on in the finance-charge policy."
    )

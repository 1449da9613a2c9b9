"""Recurring-schedule test data: a Parks pavilion lease (250.00 a period, taxed 7.25%) and
field lights, built on the memo tests' charge codes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User

from fiscus.billing.models import RecurringSchedule
from fiscus.billing.recurring import create_schedule
from fiscus.customers.models import Customer
from tests.billing.factories_memos import Codes
from tests.factories import City


def lease(
    city: City,
    codes: Codes,
    who: Customer,
    *,
    frequency: str = "monthly",
    start: date = date(2026, 3, 1),
    end: date | None = None,
    by: User | None = None,
    price: str = "1000.00",
    **fields: Any,
) -> RecurringSchedule:
    """A pavilion lease at `price` a period (tax 7.25% on top)."""
    return create_schedule(
        by=by or city.clerk,
        customer=who,
        department=city.parks,
        description=fields.pop("description", "Pavilion lease"),
        frequency=frequency,
        start_date=start,
        end_date=end,
        lines=[(codes.pavilion, Decimal("1"), Decimal(price), "")],
        **fields,
    )

"""Finance-charge test data: the seeded policy turned on, customers with past-due invoices.

The invoices are posted through the real posting service (tests.factories.invoice): dated
03/02/2026 and due in 30 days, so due 04/01/2026 and more than 30 days past due from 05/02/2026.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User

from fiscus.billing.models import FinanceChargePolicy
from fiscus.billing.setup import finance_charge_policy, update_finance_charge_policy
from fiscus.customers.models import Customer
from fiscus.customers.services import update_customer
from fiscus.receivables.models import Item
from tests.factories import City, customer, invoice

MARCH_INVOICE = date(2026, 3, 2)  # due 04/01/2026
AS_OF = date(2026, 5, 15)  # 44 days past due


def policy_on(by: User, **changes: Any) -> FinanceChargePolicy:
    """The seeded policy (1% a month, 1.00 minimum, 30 grace days, agencies and school
    districts exempt), turned on."""
    finance_charge_policy()
    return update_finance_charge_policy({"active": True, **changes}, by=by)


def owing(city: City, name: str, *amounts: str, **fields: Any) -> Customer:
    """A customer with one past-due March invoice per amount."""
    who = customer(city.clerk, name, **fields)
    for amount in amounts:
        invoice(city, who, amount, on=MARCH_INVOICE)
    return who


def flag(city: City, who: Customer, **flags: bool) -> Customer:
    return update_customer(who, by=city.clerk, changes=flags)


def dispute(item: Item) -> Item:
    """Mark an item disputed (the collections work that will do this is a later issue)."""
    Item.objects.filter(pk=item.pk).update(disputed=True)
    item.refresh_from_db()
    return item


def amount(text: str) -> Decimal:
    return Decimal(text)

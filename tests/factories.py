"""Reference data and postings for tests. Anything posted goes through the real services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group, User

from fiscus.cash import services as cash
from fiscus.customers.models import Customer
from fiscus.customers.services import create_customer
from fiscus.organization.models import Account, Department, Fund, StaffProfile
from fiscus.organization.services import account, create_fiscal_year
from fiscus.receivables.models import Item
from fiscus.receivables.services import ItemSpec, Offset, post_item

_counter = {"n": 0}


def make_user(
    role: str | None, *, username: str | None = None, departments: list[Department] | None = None
) -> User:
    _counter["n"] += 1
    name = username or f"{(role or 'nobody').replace(' ', '_')}{_counter['n']}"
    user = User.objects.create_user(name, password="pw-for-tests-only", first_name=name.title())
    if role:
        user.groups.add(Group.objects.get(name=role))
    if departments:
        profile, _ = StaffProfile.objects.get_or_create(user=user)
        profile.departments.set(departments)
    return user


@dataclass
class City:
    """A small city: fiscal years FY2025-FY2028, two departments in the General Fund."""

    general: Fund
    parks: Department
    works: Department
    clerk: User

    def revenue(self) -> Account:
        return account(Account.Role.REVENUE)


def small_city() -> City:
    clerk = make_user("technician", username=f"clerk{_counter['n'] + 1}")
    for year in (2025, 2026, 2027, 2028):
        create_fiscal_year(year, by=clerk)
    general = Fund.objects.get(code="100")
    parks = Department.objects.create(code="PRK", name="Parks and Recreation", fund=general)
    works = Department.objects.create(code="PW", name="Public Works", fund=general)
    return City(general=general, parks=parks, works=works, clerk=clerk)


def customer(by: User, name: str = "Pat Example", **fields: Any) -> Customer:
    _counter["n"] += 1
    return create_customer(by=by, fields={"name": f"{name} {_counter['n']}", **fields})


def invoice(
    city: City,
    who: Customer,
    amount: str | Decimal,
    *,
    on: date = date(2026, 3, 2),
    due_in: int = 30,
    department: Department | None = None,
    fund: Fund | None = None,
    by: User | None = None,
) -> Item:
    amount = Decimal(amount)
    return post_item(
        ItemSpec(
            customer=who,
            kind=Item.Kind.INVOICE,
            amount=amount,
            fund=fund or city.general,
            department=department or city.parks,
            document_date=on,
            due_date=on + timedelta(days=due_in),
            offsets=[Offset(city.revenue(), amount)],
        ),
        on=on,
        by=by or city.clerk,
        source="test",
    )


def payment(
    city: City,
    who: Customer,
    amount: str | Decimal,
    *,
    on: date = date(2026, 3, 10),
    fund: Fund | None = None,
    by: User | None = None,
) -> Item:
    amount = Decimal(amount)
    return post_item(
        ItemSpec(
            customer=who,
            kind=Item.Kind.PAYMENT,
            amount=-amount,
            fund=fund or city.general,
            department=None,
            document_date=on,
            due_date=on,
            offsets=[Offset(account(Account.Role.UNDEPOSITED_CASH), amount)],
        ),
        on=on,
        by=by or city.clerk,
        source="test",
    )


def paid_check(
    city: City, cashier: User, technician: User, who: Customer, *, on: date = date(2026, 3, 10)
) -> tuple[list[Item], Any]:
    """A 300.00 check applied to three invoices (100.00, 120.00 and 50.00 of a 75.00 one), 30.00
    left on account, in a closed deposit."""
    bills = [
        invoice(city, who, "100.00"),
        invoice(city, who, "120.00"),
        invoice(city, who, "75.00"),
    ]
    deposit = cash.open_deposit(department=city.parks, on=on, by=cashier)
    pay = cash.record_payment(
        deposit,
        cash.PaymentInput(
            amount=Decimal("300.00"),
            method="check",
            received_on=on,
            customer=who,
            check_number="5150",
        ),
        by=cashier,
    )
    cash.apply_payment(
        pay,
        list(zip(bills, [Decimal("100.00"), Decimal("120.00"), Decimal("50.00")], strict=True)),
        by=technician,
        on=on,
    )
    cash.close_deposit(deposit, by=cashier)
    return bills, pay

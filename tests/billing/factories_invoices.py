"""Charge codes and invoices for the invoice, batch and review tests, through the real services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User

from fiscus.billing.models import ChargeCode, Invoice
from fiscus.billing.services import LineInput, create_invoice, post_invoice, submit_invoice
from fiscus.customers.models import Customer
from fiscus.organization.models import Account
from tests.factories import City

ON = date(2026, 3, 2)


@dataclass
class Codes:
    """Parks rents a pavilion (250.00, taxed 7.25%, to 4410 Facility rentals) and field lights
    (45.00, to 4420 Field fees); Public Works bills sewer connections (3,120.75, to 4000)."""

    pavilion: ChargeCode
    lights: ChargeCode
    sewer: ChargeCode
    rentals: Account
    field_fees: Account
    sales_tax: Account


def codes(city: City) -> Codes:
    rentals = Account.objects.create(code="4410", name="Facility rentals", type="revenue")
    field_fees = Account.objects.create(code="4420", name="Field fees", type="revenue")
    sales_tax = Account.objects.create(code="2210", name="Sales tax payable", type="liability")
    return Codes(
        pavilion=ChargeCode.objects.create(
            code="PRK-PAVILION",
            description="Pavilion rental",
            department=city.parks,
            revenue_account=rentals,
            unit_price=Decimal("250.00"),
            tax_rate=Decimal("0.072500"),
            tax_account=sales_tax,
        ),
        lights=ChargeCode.objects.create(
            code="PRK-LIGHTS",
            description="Field lights",
            department=city.parks,
            revenue_account=field_fees,
            unit_price=Decimal("45.00"),
        ),
        sewer=ChargeCode.objects.create(
            code="PW-SEWER",
            description="Sewer connection",
            department=city.works,
            revenue_account=city.revenue(),
            unit_price=Decimal("3120.75"),
        ),
        rentals=rentals,
        field_fees=field_fees,
        sales_tax=sales_tax,
    )


def draft(
    city: City,
    who: Customer,
    lines: list[tuple[ChargeCode, str]] | list[tuple[ChargeCode, str, str]],
    *,
    by: User | None = None,
    on: date = ON,
    **fields: object,
) -> Invoice:
    """A draft of (charge code, quantity[, unit price]) lines; the department is the first
    code's."""
    return create_invoice(
        by=by or city.clerk,
        customer=who,
        department=lines[0][0].department,
        invoice_date=on,
        lines=[
            LineInput(ln[0], Decimal(ln[1]), Decimal(ln[2]) if len(ln) > 2 else None)  # type: ignore[misc]
            for ln in lines
        ],
        **fields,  # type: ignore[arg-type]
    )


def submitted(city: City, who: Customer, lines: list, **kw: object) -> Invoice:  # type: ignore[type-arg]
    invoice = draft(city, who, lines, **kw)  # type: ignore[arg-type]
    return submit_invoice(invoice, by=city.clerk)


def posted(city: City, who: Customer, lines: list, **kw: object) -> Invoice:  # type: ignore[type-arg]
    return post_invoice(submitted(city, who, lines, **kw), by=city.clerk)

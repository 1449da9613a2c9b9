"""Posted invoices for the document tests, made through the real invoice services
(create_invoice -> submit_invoice -> post_invoice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User

from fiscus.billing.models import ChargeCode, Invoice
from fiscus.billing.services import LineInput, create_invoice, post_invoice, submit_invoice
from fiscus.customers.models import Customer
from fiscus.customers.services import create_customer
from fiscus.organization.models import Account
from fiscus.organization.services import update_agency
from tests.factories import City


@dataclass
class Codes:
    """Parks rents a pavilion (250.00, taxed 7.25%) and bills field lights (45.00 an hour);
    Public Works bills sewer connections (3,120.75)."""

    pavilion: ChargeCode
    lights: ChargeCode
    sewer: ChargeCode


def charge_codes(city: City) -> Codes:
    revenue = city.revenue()
    tax = Account.objects.create(code="2215", name="Sales tax payable", type="liability")
    return Codes(
        pavilion=ChargeCode.objects.create(
            code="PRK-PAVILION",
            description="Pavilion rental",
            department=city.parks,
            revenue_account=revenue,
            unit_price=Decimal("250.00"),
            tax_rate=Decimal("0.072500"),
            tax_account=tax,
        ),
        lights=ChargeCode.objects.create(
            code="PRK-LIGHTS",
            description="Field lights",
            department=city.parks,
            revenue_account=revenue,
            unit_price=Decimal("45.00"),
        ),
        sewer=ChargeCode.objects.create(
            code="PW-SEWER",
            description="Sewer connection",
            department=city.works,
            revenue_account=revenue,
            unit_price=Decimal("3120.75"),
        ),
    )


def letterhead(city: City) -> None:
    """The city's name, address and remit-to address, as the agency page would save them."""
    update_agency(
        by=city.clerk,
        changes={
            "name": "City of Riverside Falls",
            "address": "100 Civic Center Plaza\nRiverside Falls, CA 95000",
            "phone": "(555) 010-2000",
            "email": "ar@riversidefalls.example.gov",
            "remit_to": "Accounts Receivable\nPO Box 4400\nRiverside Falls, CA 95001",
        },
    )


def billed_customer(
    by: User, name: str, *, postal_code: str = "95010", email: str = "", **fields: Any
) -> Customer:
    return create_customer(
        by=by,
        fields={"name": name, "email": email, **fields},
        address={
            "kind": "billing",
            "line1": "12 Orchard Lane",
            "city": "Riverside Falls",
            "state": "CA",
            "postal_code": postal_code,
        },
        confirm_duplicate=True,
    )


def posted_invoice(
    city: City,
    who: Customer,
    lines: list[LineInput],
    *,
    on: date = date(2026, 3, 2),
    reference: str = "",
    by: User | None = None,
) -> Invoice:
    by = by or city.clerk
    invoice = create_invoice(
        by=by,
        customer=who,
        department=lines[0].charge_code.department,
        invoice_date=on,
        lines=lines,
        reference=reference,
    )
    submit_invoice(invoice, by=by)
    return post_invoice(invoice, by=by)


def line(code: ChargeCode, quantity: str, **fields: Any) -> LineInput:
    return LineInput(charge_code=code, quantity=Decimal(quantity), **fields)

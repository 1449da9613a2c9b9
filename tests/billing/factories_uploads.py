"""Charge codes, customers and files for the upload and invoice API tests."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from openpyxl import Workbook

from fiscus.billing.models import ChargeCode
from fiscus.customers.models import Customer
from fiscus.organization.models import Account
from tests.factories import City, customer

HEADER = [
    "Invoice Key",
    "Customer Number",
    "Invoice Date",
    "Department",
    "Charge Code",
    "Quantity",
    "Unit Price",
    "Line Description",
    "Reference",
]


@dataclass
class Billing:
    """Parks bills a pavilion (250.00, taxed 7.25%), staff hours (no price) and field lights
    (45.00); Public Works bills sewer connections (3,120.75)."""

    ada: Customer
    ben: Customer
    pavilion: ChargeCode
    staff: ChargeCode
    field: ChargeCode
    sewer: ChargeCode


def billing_setup(city: City) -> Billing:
    revenue = city.revenue()
    tax = Account.objects.create(code="2200", name="Sales tax payable", type="liability")

    def code(code: str, department: Any, price: str | None, **more: Any) -> ChargeCode:
        return ChargeCode.objects.create(
            code=code,
            description=code.split("-", 1)[1].title(),
            department=department,
            revenue_account=revenue,
            unit_price=Decimal(price) if price else None,
            **more,
        )

    return Billing(
        ada=customer(city.clerk, "Ada Park"),
        ben=customer(city.clerk, "Ben Works"),
        pavilion=code(
            "PRK-PAVILION", city.parks, "250.00", tax_rate=Decimal("0.072500"), tax_account=tax
        ),
        staff=code("PRK-STAFF", city.parks, None),
        field=code("PRK-FIELD", city.parks, "45.00"),
        sewer=code("PW-SEWER", city.works, "3120.75"),
    )


def good_rows(b: Billing) -> list[list[Any]]:
    """Two Parks invoices for Ada (3 lines) and Ben (1 line)."""
    return [
        ["P-1", b.ada.number, "2026-05-04", "PRK", "PRK-PAVILION", "1", "", "Pavilion", "PO-77"],
        ["P-1", b.ada.number, "2026-05-04", "PRK", "PRK-STAFF", "3.5", "42.00", "Staff", ""],
        ["P-2", b.ben.number, "05/06/2026", "PRK", "PRK-FIELD", "2", "", "", ""],
    ]


def as_csv(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
    lines = [",".join(header)]
    for row in rows:
        lines.append(",".join(f'"{v}"' if "," in str(v) else str(v) for v in row))
    return ("\r\n".join(lines) + "\r\n").encode()


def as_xlsx(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        cells: list[Any] = []
        for i, v in enumerate(row):
            if i == 2 and "-" in str(v):
                cells.append(date.fromisoformat(v))
            elif i in (5, 6) and v != "":
                cells.append(float(v) if "." in v else int(v))
            else:
                cells.append(v)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def biller(city: City) -> User:
    from tests.factories import make_user

    return make_user("department biller", username="bea", departments=[city.parks])

"""Charge codes and posted invoices for the memo, set-up and register tests.

A posted invoice's open item goes through the real posting service (post_item: its GL entry and
receivable row, its INV number); the Invoice row beside it is written here as the invoice
posting service would leave it, so these tests do not depend on the invoice pages' work.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from fiscus import money
from fiscus.billing.models import ChargeCode, Invoice, InvoiceLine, PaymentTerms
from fiscus.customers.models import Customer
from fiscus.organization.models import Account
from fiscus.receivables.models import Item
from fiscus.receivables.services import ItemSpec, Offset, post_item
from tests.factories import City


@dataclass
class Codes:
    """Parks rents a pavilion (250.00, taxed 7.25%) and field lights (45.00); Public Works
    bills sewer connections (3,120.75)."""

    pavilion: ChargeCode
    lights: ChargeCode
    sewer: ChargeCode
    tax_account: Account


def charge_codes(city: City) -> Codes:
    revenue = city.revenue()
    tax = Account.objects.create(code="2210", name="Sales tax payable", type="liability")
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
        tax_account=tax,
    )


def posted_invoice(
    city: City,
    who: Customer,
    lines: list[tuple[ChargeCode, str]],
    *,
    on: date = date(2026, 3, 2),
    reference: str = "",
    by: User | None = None,
) -> Invoice:
    """A posted invoice of (charge code, quantity) lines at each code's price, with its tax."""
    by = by or city.clerk
    department = lines[0][0].department
    terms = PaymentTerms.objects.get(code="net30")
    offsets: dict[int, Decimal] = defaultdict(lambda: money.ZERO)
    accounts: dict[int, Account] = {}
    built = []
    for n, (code, quantity) in enumerate(lines, 1):
        price = code.unit_price or money.ZERO
        amount = money.cents(Decimal(quantity) * price)
        tax = money.cents(amount * code.tax_rate) if code.tax_rate else money.ZERO
        offsets[code.revenue_account_id] += amount
        accounts[code.revenue_account_id] = code.revenue_account
        if tax:
            assert code.tax_account is not None
            offsets[code.tax_account.pk] += tax
            accounts[code.tax_account.pk] = code.tax_account
        built.append((n, code, Decimal(quantity), price, amount, tax))
    total = money.cents(sum((b[4] + b[5] for b in built), money.ZERO))
    tax_total = money.cents(sum((b[5] for b in built), money.ZERO))
    due = on + timedelta(days=terms.days)
    item = post_item(
        ItemSpec(
            customer=who,
            kind=Item.Kind.INVOICE,
            amount=total,
            fund=department.fund,
            department=department,
            document_date=on,
            due_date=due,
            offsets=[Offset(accounts[pk], amount) for pk, amount in offsets.items()],
            reference=reference,
        ),
        on=on,
        by=by,
        source="test",
    )
    now = timezone.now()
    invoice = Invoice.objects.create(
        status=Invoice.Status.POSTED,
        number=item.number,
        customer=who,
        department=department,
        invoice_date=on,
        terms=terms,
        due_date=due,
        reference=reference,
        total=total,
        tax_total=tax_total,
        item=item,
        created_by=by,
        submitted_by=by,
        submitted_at=now,
        posted_by=by,
        posted_at=now,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            line_no=n,
            charge_code=code,
            description=code.description,
            quantity=quantity,
            unit_price=price,
            amount=amount,
            tax_amount=tax,
        )
        for n, code, quantity, price, amount, tax in built
    )
    return invoice

"""The billing register: every posted invoice and memo in a date range, one row per document,
with totals by department and a grand total.

Two queries whatever the number of rows (one for invoices, one for memos), each reading the
customer and department through joins; the rows are merged by date and number here.
Documents are dated by their document date (invoice date, memo date).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django.db.models import F
from django.urls import reverse

from fiscus import money
from fiscus.billing.models import Invoice, InvoiceLine, InvoiceStatus, Memo, MemoKind

INVOICE = "Invoice"
KINDS: dict[str, str] = {MemoKind.CREDIT: "Credit memo", MemoKind.DEBIT: "Debit memo"}
HEADERS = [
    "Date",
    "Number",
    "Kind",
    "Customer",
    "Name",
    "Department",
    "Reference",
    "Amount",
    "Tax",
]


@dataclass(frozen=True)
class RegisterRow:
    on: date
    number: str
    kind: str
    customer_number: str
    customer_name: str
    department_code: str
    department_name: str
    reference: str
    amount: Decimal  # a credit memo is negative
    tax: Decimal
    url: str

    def export_row(self) -> list[Any]:
        return [
            self.on,
            self.number,
            self.kind,
            self.customer_number,
            self.customer_name,
            self.department_code,
            self.reference,
            self.amount,
            self.tax,
        ]


@dataclass
class DepartmentTotal:
    code: str
    name: str
    documents: int = 0
    amount: Decimal = money.ZERO
    tax: Decimal = money.ZERO


@dataclass
class Register:
    date_from: date
    date_to: date
    rows: list[RegisterRow]
    departments: list[DepartmentTotal] = field(default_factory=list)
    total: Decimal = money.ZERO
    tax_total: Decimal = money.ZERO

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[RegisterRow]:
        return iter(self.rows)

    def export_rows(self) -> list[list[Any]]:
        """The documents, then one total row per department (as the page shows them)."""
        documents = [row.export_row() for row in self.rows]
        totals = [
            [None, f"{d.documents} documents", "Department total", d.code, d.name, d.code, ""]
            + [d.amount, d.tax]
            for d in self.departments
        ]
        return documents + totals

    def export_footer(self) -> list[Any]:
        count = f"{len(self.rows)} documents"
        return [None, count, "Grand total", "", "", "", "", self.total, self.tax_total]


def billing_register(
    *,
    date_from: date,
    date_to: date,
    department_ids: set[int] | None = None,
    charge_code_id: int | None = None,
    customer_id: int | None = None,
) -> Register:
    """Posted invoices and memos dated from `date_from` to `date_to`, both included.

    `department_ids` limits to those departments (a biller's scope, or the one chosen). With a
    charge code, only invoices having a line with that code are listed, with the memos issued
    against them.
    """
    invoices = Invoice.objects.filter(
        status=InvoiceStatus.POSTED, invoice_date__gte=date_from, invoice_date__lte=date_to
    )
    memos = Memo.objects.filter(memo_date__gte=date_from, memo_date__lte=date_to)
    if department_ids is not None:
        invoices = invoices.filter(department_id__in=department_ids)
        memos = memos.filter(department_id__in=department_ids)
    if customer_id is not None:
        invoices = invoices.filter(customer_id=customer_id)
        memos = memos.filter(customer_id=customer_id)
    if charge_code_id is not None:
        having = InvoiceLine.objects.filter(charge_code_id=charge_code_id).values("invoice_id")
        invoices = invoices.filter(id__in=having)
        memos = memos.filter(invoice_id__in=having)
    columns = {
        "customer_number": F("customer__number"),
        "customer_name": F("customer__name"),
        "department_code": F("department__code"),
        "department_name": F("department__name"),
    }
    rows: list[RegisterRow] = []
    links = _has_invoice_page()
    invoice_rows = invoices.values(
        "pk", "number", "invoice_date", "reference", "item__amount", "tax_total", **columns
    )
    memo_rows = memos.values("number", "kind", "memo_date", "amount", "invoice__number", **columns)
    for inv in cast(Iterable[dict[str, Any]], invoice_rows):
        rows.append(
            RegisterRow(
                on=inv["invoice_date"],
                number=inv["number"],
                kind=INVOICE,
                customer_number=inv["customer_number"],
                customer_name=inv["customer_name"],
                department_code=inv["department_code"],
                department_name=inv["department_name"],
                reference=inv["reference"],
                amount=money.cents(inv["item__amount"]),
                tax=money.cents(inv["tax_total"]),
                url=reverse("billing:invoice", args=[inv["pk"]]) if links else "",
            )
        )
    for memo in cast(Iterable[dict[str, Any]], memo_rows):
        sign = -1 if memo["kind"] == MemoKind.CREDIT else 1
        rows.append(
            RegisterRow(
                on=memo["memo_date"],
                number=memo["number"],
                kind=KINDS[memo["kind"]],
                customer_number=memo["customer_number"],
                customer_name=memo["customer_name"],
                department_code=memo["department_code"],
                department_name=memo["department_name"],
                reference=memo["invoice__number"] or "",
                amount=money.cents(sign * memo["amount"]),
                tax=money.ZERO,
                url=reverse("billing:memo", args=[memo["number"]]),
            )
        )
    rows.sort(key=lambda r: (r.on, r.number))
    register = Register(date_from=date_from, date_to=date_to, rows=rows)
    per_department: dict[str, DepartmentTotal] = {}
    for row in rows:
        total = per_department.setdefault(
            row.department_code, DepartmentTotal(row.department_code, row.department_name)
        )
        total.documents += 1
        total.amount += row.amount
        total.tax += row.tax
        register.total += row.amount
        register.tax_total += row.tax
    register.departments = sorted(per_department.values(), key=lambda d: d.code)
    return register


def _has_invoice_page() -> bool:
    """The invoice pages are another module's; link to them once they exist."""
    from django.urls import NoReverseMatch

    try:
        reverse("billing:invoice", args=[1])
    except NoReverseMatch:
        return False
    return True

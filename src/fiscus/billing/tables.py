"""The invoice list table; its columns are also the columns of the export."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from fiscus import money
from fiscus.billing.models import Invoice, InvoiceStatus

NUM = {"td": {"class": "num"}, "th": {"class": "num"}}


class InvoiceTable(tables.Table):
    number = tables.Column(empty_values=(), verbose_name="Invoice", order_by=("number", "id"))
    invoice_date = tables.DateColumn(format="m/d/Y", verbose_name="Date")
    customer = tables.Column(accessor="customer__number", verbose_name="Customer")
    department = tables.Column(accessor="department__code", verbose_name="Dept.")
    reference = tables.Column(verbose_name="Reference")
    due_date = tables.DateColumn(format="m/d/Y", verbose_name="Due")
    status = tables.Column()
    total = tables.Column(attrs=NUM)

    class Meta:
        model = Invoice
        fields = (
            "number",
            "invoice_date",
            "customer",
            "department",
            "reference",
            "due_date",
            "status",
            "total",
        )
        order_by = ("-invoice_date",)
        empty_text = "No invoice matches."
        attrs = {"class": "invoices", "id": "invoices"}

    def render_number(self, record: Invoice) -> str:
        return format_html(
            '<a href="{}" hx-boost="false">{}</a>',
            reverse("billing:invoice", args=[record.pk]),
            record.number or f"Draft #{record.pk}",
        )

    def render_customer(self, record: Invoice) -> str:
        return f"{record.customer.number} {record.customer.name}"

    def render_status(self, record: Invoice) -> str:
        if record.status == InvoiceStatus.RETURNED:
            return format_html(
                '<span class="flag" title="{}">Returned</span> {}',
                record.return_comment,
                record.return_comment[:80],
            )
        return record.get_status_display()

    def render_total(self, value: Decimal) -> str:
        return money.fmt(value)


EXPORT_HEADERS = [
    "Invoice",
    "Date",
    "Customer",
    "Name",
    "Department",
    "Reference",
    "Due",
    "Status",
    "Tax",
    "Total",
]


def export_rows(invoices: Iterable[Invoice]) -> Iterable[list[Any]]:
    for i in invoices:
        yield [
            i.number or f"Draft #{i.pk}",
            i.invoice_date,
            i.customer.number,
            i.customer.name,
            i.department.code,
            i.reference,
            i.due_date,
            i.get_status_display(),
            money.cents(i.tax_total),
            money.cents(i.total),
        ]

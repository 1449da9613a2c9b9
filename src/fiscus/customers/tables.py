"""The customer list table; its columns are also the columns of the export."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import django_tables2 as tables
from django.utils.html import format_html, format_html_join

from fiscus import money
from fiscus.customers.models import Customer

NUM = {"td": {"class": "num"}, "th": {"class": "num"}}


class CustomerTable(tables.Table):
    number = tables.Column(linkify=True)
    name = tables.Column()
    type = tables.Column()
    department = tables.Column(accessor="department__code", verbose_name="Dept.")
    phone = tables.Column(orderable=False)
    email = tables.Column(verbose_name="E-mail", orderable=False)
    flags = tables.Column(empty_values=(), orderable=False)
    balance = tables.Column(attrs=NUM)

    class Meta:
        model = Customer
        fields = ("number", "name", "type", "department", "phone", "email", "flags", "balance")
        order_by = ("number",)
        empty_text = "No customer matches."
        attrs = {"class": "customers"}

    def render_flags(self, record: Customer) -> str:
        return format_html_join(" ", '<span class="flag">{}</span>', ((f,) for f in record.flags))

    def render_balance(self, value: Decimal) -> str:
        css = "neg" if value < 0 else ""
        return format_html('<span class="{}">{}</span>', css, money.fmt(value))


EXPORT_HEADERS = ["Number", "Name", "Type", "Department", "Phone", "E-mail", "Flags", "Balance"]


def export_rows(customers: Iterable[Customer]) -> Iterable[list[Any]]:
    """One row per customer with the balance as a Decimal (a number cell in .xlsx)."""
    for c in customers:
        yield [
            c.number,
            c.name,
            c.get_type_display(),
            c.department.code if c.department else "",
            c.phone,
            c.email,
            ", ".join(c.flags),
            money.cents(c.balance),  # type: ignore[attr-defined]
        ]

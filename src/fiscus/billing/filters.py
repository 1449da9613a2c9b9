"""The one filter set behind the invoice list and its export."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet

from fiscus.billing.models import Invoice, InvoiceStatus
from fiscus.organization.models import Department
from fiscus.organization.roles import department_scope

DATE = forms.DateInput(attrs={"type": "date"})


class InvoiceFilter(django_filters.FilterSet):
    number = django_filters.CharFilter(
        label="Number",
        lookup_expr="icontains",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "INV-2026-…"}),
    )
    status = django_filters.ChoiceFilter(choices=InvoiceStatus.choices, empty_label="Any status")
    department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.none(), empty_label="Any department"
    )
    customer = django_filters.CharFilter(
        label="Customer number", field_name="customer__number", lookup_expr="iexact"
    )
    date_from = django_filters.DateFilter(
        field_name="invoice_date", lookup_expr="gte", label="Dated from", widget=DATE
    )
    date_to = django_filters.DateFilter(
        field_name="invoice_date", lookup_expr="lte", label="Dated to", widget=DATE
    )

    class Meta:
        model = Invoice
        fields = ["number", "status", "department", "customer", "date_from", "date_to"]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments: QuerySet[Department] = Department.objects.order_by("code")
        scope = department_scope(user) if user is not None else None
        if scope is not None:
            departments = departments.filter(id__in=scope)
        self.filters["department"].queryset = departments
        self.form.fields["department"].queryset = departments

"""The one filter set behind the customer list, its export and its API parameters."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet

from fiscus.customers.models import Customer, CustomerType
from fiscus.customers.services import search
from fiscus.organization.models import Department
from fiscus.organization.roles import department_scope

# ?flag=<value> -> the model field it reads
FLAGS = {
    "hold": "on_hold",
    "cash_only": "cash_only",
    "in_bankruptcy": "in_bankruptcy",
    "in_collections": "in_collections",
    "deceased": "deceased",
    "needs_review": "needs_review",
}
FLAG_CHOICES = [
    ("hold", "On hold"),
    ("cash_only", "Cash only"),
    ("in_bankruptcy", "In bankruptcy"),
    ("in_collections", "In collections"),
    ("deceased", "Deceased"),
    ("needs_review", "Flagged for review"),
]


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="filter_search",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Number, name, address, phone, e-mail"}
        ),
    )
    type = django_filters.ChoiceFilter(choices=CustomerType.choices, empty_label="Any type")
    department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.order_by("code"), empty_label="Any department"
    )
    flag = django_filters.ChoiceFilter(
        choices=FLAG_CHOICES, method="filter_flag", label="Flag", empty_label="Any flag"
    )
    balance_min = django_filters.NumberFilter(
        field_name="balance",
        lookup_expr="gte",
        label="Balance from",
        widget=forms.NumberInput(attrs={"class": "num", "step": "0.01", "size": 8}),
    )
    balance_max = django_filters.NumberFilter(
        field_name="balance",
        lookup_expr="lte",
        label="Balance to",
        widget=forms.NumberInput(attrs={"class": "num", "step": "0.01", "size": 8}),
    )

    class Meta:
        model = Customer
        fields = ["q", "type", "department", "flag", "balance_min", "balance_max"]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope = department_scope(user) if user is not None else None
        if scope is not None:
            departments = self.filters["department"]
            departments.queryset = Department.objects.filter(id__in=scope).order_by("code")

    def filter_search(self, queryset: QuerySet[Customer], name: str, value: str) -> QuerySet:
        if not value.strip():
            return queryset
        # by id, so the search's joins and DISTINCT never touch the balance sum
        return queryset.filter(id__in=search(value, Customer.objects.all()).values("id"))

    def filter_flag(self, queryset: QuerySet[Customer], name: str, value: str) -> QuerySet:
        field = FLAGS.get(value)
        return queryset.filter(**{field: True}) if field else queryset

"""Query parameters of the API lists (django-filter; drf-spectacular documents them)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from fiscus.customers.models import Customer, CustomerType
from fiscus.customers.services import search
from fiscus.receivables.models import Item, ItemKind

# ?flag=<value> -> the customer field it reads (the same values as the web list)
FLAGS = {
    "hold": "on_hold",
    "cash_only": "cash_only",
    "in_bankruptcy": "in_bankruptcy",
    "in_collections": "in_collections",
    "deceased": "deceased",
    "needs_review": "needs_review",
}


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_search", label="Number, name, address, phone or e-mail."
    )
    type = django_filters.ChoiceFilter(choices=CustomerType.choices)
    flag = django_filters.ChoiceFilter(
        choices=[(k, k) for k in FLAGS], method="filter_flag", label="Customers with this flag."
    )
    department = django_filters.CharFilter(
        field_name="department__code", lookup_expr="iexact", label="Department code (PRK)."
    )

    class Meta:
        model = Customer
        fields = ["q", "type", "flag", "department"]

    def filter_search(self, queryset: QuerySet[Customer], name: str, value: str) -> Any:
        if not value.strip():
            return queryset
        return queryset.filter(id__in=search(value, Customer.objects.all()).values("id"))

    def filter_flag(self, queryset: QuerySet[Customer], name: str, value: str) -> Any:
        return queryset.filter(**{FLAGS[value]: True})


class ItemFilter(django_filters.FilterSet):
    customer = django_filters.CharFilter(
        field_name="customer__number", lookup_expr="iexact", label="Customer number (C000001)."
    )
    kind = django_filters.ChoiceFilter(choices=ItemKind.choices)
    department = django_filters.CharFilter(
        field_name="department__code", lookup_expr="iexact", label="Department code (PRK)."
    )
    open = django_filters.BooleanFilter(
        method="filter_open",
        label="true: items with something open; false: items settled to zero.",
    )

    class Meta:
        model = Item
        fields = ["customer", "kind", "department", "open"]

    def filter_open(self, queryset: QuerySet[Item], name: str, value: bool | None) -> Any:
        if value is None:
            return queryset
        return queryset.exclude(open_amount=0) if value else queryset.filter(open_amount=0)

"""Filters for the chart of accounts."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from fiscus.organization.models import Account


class AccountFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Code or name")
    type = django_filters.ChoiceFilter(choices=Account.Type.choices, empty_label="Any type")
    active = django_filters.ChoiceFilter(
        choices=[("yes", "Active"), ("no", "Inactive")],
        empty_label="Active or not",
        method="by_active",
        label="Status",
    )

    class Meta:
        model = Account
        fields = ["q", "type", "active"]

    def search(self, queryset: QuerySet[Account], name: str, value: str) -> QuerySet[Account]:
        return queryset.filter(Q(code__istartswith=value) | Q(name__icontains=value))

    def by_active(self, queryset: QuerySet[Account], name: str, value: str) -> QuerySet[Account]:
        return queryset.filter(active=value == "yes")

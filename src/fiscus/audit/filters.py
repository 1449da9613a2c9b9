"""Filters for the audit pages."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from fiscus.audit.models import AuditEvent

DATE = forms.DateInput(attrs={"type": "date"})


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(label="Action", empty_label="Any action")
    actor = django_filters.CharFilter(field_name="actor_name", lookup_expr="icontains", label="Who")
    object = django_filters.CharFilter(method="about", label="Object")
    date_from = django_filters.DateFilter(
        field_name="at", lookup_expr="date__gte", label="From", widget=DATE
    )
    date_to = django_filters.DateFilter(
        field_name="at", lookup_expr="date__lte", label="To", widget=DATE
    )

    class Meta:
        model = AuditEvent
        fields = ["action", "actor", "object", "date_from", "date_to"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actions = AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()
        self.filters["action"].extra["choices"] = [(a, a) for a in actions]

    def about(self, queryset: QuerySet[AuditEvent], name: str, value: str) -> QuerySet:
        """Events about an object: by its name, its type (customers.customer) or its id."""
        return queryset.filter(
            Q(object_repr__icontains=value) | Q(object_type__iexact=value) | Q(object_id=value)
        )


class HistoryFilterForm(forms.Form):
    """The change-history page merges several history tables, so it filters by hand."""

    model = forms.ChoiceField(label="What", required=False)
    date_from = forms.DateField(label="From", required=False, widget=DATE)
    date_to = forms.DateField(label="To", required=False, widget=DATE)

    def __init__(self, *args: Any, models: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", "Everything"), *models]  # type: ignore[attr-defined]

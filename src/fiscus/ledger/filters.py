"""Filters for the general-ledger list: one FilterSet drives the page and its export."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, QuerySet

from fiscus.ledger.models import JournalEntry, JournalLine
from fiscus.organization.models import Account, Fund
from fiscus.organization.services import uses_funds

DATE = forms.DateInput(attrs={"type": "date"})


class JournalEntryFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(
        field_name="date", lookup_expr="gte", label="From", widget=DATE
    )
    date_to = django_filters.DateFilter(
        field_name="date", lookup_expr="lte", label="To", widget=DATE
    )
    number = django_filters.CharFilter(lookup_expr="icontains", label="Number")
    source = django_filters.ChoiceFilter(label="Source", empty_label="Any source")
    account = django_filters.ModelChoiceFilter(
        queryset=Account.objects.all(),
        method="with_line",
        label="Account",
        empty_label="Any account",
    )
    fund = django_filters.ModelChoiceFilter(
        queryset=Fund.objects.all(), method="with_line", label="Fund", empty_label="Any fund"
    )

    class Meta:
        model = JournalEntry
        fields = ["date_from", "date_to", "number", "source", "account", "fund"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sources = (
            JournalEntry.objects.exclude(source="")
            .order_by("source")
            .values_list("source", flat=True)
            .distinct()
        )
        self.filters["source"].extra["choices"] = [(s, s) for s in sources]
        if not uses_funds():
            del self.filters["fund"]

    def with_line(self, queryset: QuerySet[JournalEntry], name: str, value: Any) -> QuerySet:
        """Entries with at least one line on this account (or fund)."""
        lines = JournalLine.objects.filter(entry=OuterRef("pk"), **{name: value})
        return queryset.filter(Exists(lines))

"""Tables for the general ledger."""

from __future__ import annotations

import django_tables2 as tables
from django.db.models import QuerySet

from fiscus import money
from fiscus.ledger.models import JournalEntry


class JournalEntryTable(tables.Table):
    number = tables.Column(linkify=("ledger:entry", {"number": tables.A("number")}))
    date = tables.DateColumn(format="m/d/Y")
    memo = tables.Column(orderable=False)
    source = tables.Column(default="—")
    total = tables.Column(
        verbose_name="Amount", attrs={"td": {"class": "num"}, "th": {"class": "num"}}
    )
    posted_by = tables.Column(accessor="posted_by__username", verbose_name="Posted by")

    class Meta:
        model = JournalEntry
        fields = ["number", "date", "memo", "source", "total", "posted_by"]
        order_by = ("-seq",)
        empty_text = "No journal entries match."

    def render_total(self, value: object) -> str:
        return money.fmt(value)  # type: ignore[arg-type]

    def order_number(
        self, queryset: QuerySet[JournalEntry], is_descending: bool
    ) -> tuple[QuerySet[JournalEntry], bool]:
        return queryset.order_by("-seq" if is_descending else "seq"), True

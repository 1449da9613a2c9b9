"""Tables for the audit pages."""

from __future__ import annotations

import json

import django_tables2 as tables

from fiscus.audit.models import AuditEvent


def detail_text(detail: object) -> str:
    if not detail:
        return ""
    return json.dumps(detail, sort_keys=True, ensure_ascii=False)


class AuditEventTable(tables.Table):
    at = tables.DateTimeColumn(format="m/d/Y H:i:s", verbose_name="When")
    actor_name = tables.Column(verbose_name="Who", default="—")
    action = tables.Column()
    object_repr = tables.Column(verbose_name="Object", default="—", orderable=False)
    detail = tables.Column(verbose_name="Detail", orderable=False, default="")
    ip = tables.Column(verbose_name="IP", default="", orderable=False)

    class Meta:
        model = AuditEvent
        fields = ["at", "actor_name", "action", "object_repr", "detail", "ip"]
        order_by = ("-at",)
        empty_text = "No audit events match."

    def render_object_repr(self, record: AuditEvent) -> str:
        kind = record.object_type.rsplit(".", 1)[-1]
        return f"{kind} {record.object_repr}" if kind else record.object_repr

    def render_detail(self, value: object) -> str:
        return detail_text(value)

"""Audit pages: what everybody did, what changed (before → after), and the ledger check."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_tables2 import RequestConfig

from fiscus import audit
from fiscus.audit.filters import AuditEventFilter, HistoryFilterForm
from fiscus.audit.models import AuditEvent
from fiscus.audit.tables import AuditEventTable, detail_text
from fiscus.organization.roles import requires
from fiscus.reports.exports import export_response

PER_PAGE = 50


@requires("audit.view")
@require_GET
@vary_on_headers("HX-Request")
def events(request: HttpRequest) -> HttpResponse:
    filterset = AuditEventFilter(request.GET or None, queryset=AuditEvent.objects.all())
    rows = filterset.qs
    export = request.GET.get("export")
    if export in {"xlsx", "csv"}:
        return export_response(
            request,
            export,
            name="audit-events",
            title="Audit events",
            headers=["When", "Who", "Action", "Object type", "Object id", "Object", "Detail", "IP"],
            rows=(
                [
                    e.at,
                    e.actor_name,
                    e.action,
                    e.object_type,
                    e.object_id,
                    e.object_repr,
                    detail_text(e.detail),
                    e.ip or "",
                ]
                for e in rows.order_by("-at", "-id")
            ),
        )
    table = AuditEventTable(rows)
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    template = "audit/events.html#rows" if request.htmx else "audit/events.html"  # type: ignore[attr-defined]
    return render(request, template, {"table": table, "filter": filterset})


# --- change history across the history-tracked models ------------------------------------------

# what the page calls each tracked model, and the model's label
TRACKED = {
    "customer": "customers.Customer",
    "address": "customers.Address",
    "contact": "customers.Contact",
    "agency": "organization.Agency",
    "fund": "organization.Fund",
    "department": "organization.Department",
    "account": "organization.Account",
    "period": "organization.FiscalPeriod",
    "staff": "organization.StaffProfile",
}
LABELS = {
    "customer": "Customer",
    "address": "Address",
    "contact": "Contact",
    "agency": "Agency",
    "fund": "Fund",
    "department": "Department",
    "account": "Account",
    "period": "Fiscal period",
    "staff": "Staff profile",
}
HIDDEN_VALUES = {"tax_id_digest", "tax_id_encrypted"}  # say that it changed, never the value


@dataclass
class Change:
    field: str
    before: str
    after: str


@dataclass
class HistoryRow:
    when: datetime
    who: str
    model: str
    obj: str
    kind: str  # created, changed, deleted
    reason: str
    changes: list[Change] = field(default_factory=list)
    first_seen: bool = False  # no earlier history row to compare with


def _history_queryset(key: str, date_from: date | None, date_to: date | None) -> QuerySet:
    model = apps.get_model(TRACKED[key])
    qs = model.history.all()
    if date_from:
        qs = qs.filter(history_date__date__gte=date_from)
    if date_to:
        qs = qs.filter(history_date__date__lte=date_to)
    return qs


def _shown(model: type[Model], name: str, value: Any) -> str:
    if name in HIDDEN_VALUES:
        return "(hidden)"
    if value is None or value == "":
        return "—"
    try:
        f = model._meta.get_field(name)
    except Exception:  # noqa: BLE001  (a field that no longer exists)
        return str(value)
    target = f.related_model
    if (
        f.many_to_many
        and isinstance(target, type)
        and issubclass(target, Model)
        and isinstance(value, list)
    ):
        key = target._meta.model_name  # simple-history lists the through rows
        ids = [row.get(key) for row in value if isinstance(row, dict)]
        names = target._default_manager.filter(pk__in=ids)
        return ", ".join(sorted(str(n) for n in names)) or "—"
    if f.is_relation and f.related_model is not None:
        related = f.related_model._default_manager.filter(pk=value).first()  # type: ignore[union-attr]
        return str(related) if related is not None else str(value)
    choices = getattr(f, "choices", None)
    if choices:
        return str(dict(choices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _row(key: str, record: Any) -> HistoryRow:
    model = apps.get_model(TRACKED[key])
    kinds = {"+": "created", "~": "changed", "-": "deleted"}
    user = record.history_user
    row = HistoryRow(
        when=record.history_date,
        who=(user.get_username() if user is not None else "system"),
        model=LABELS[key],
        obj=str(record.instance),
        kind=kinds.get(record.history_type, record.history_type),
        reason=record.history_change_reason or "",
    )
    if record.history_type == "~":
        previous = record.prev_record
        if previous is not None:
            changes = [(c.field, c.old, c.new) for c in record.diff_against(previous).changes]
        else:
            row.first_seen = True
            changes = _current_values(model, record)
        for name, old, new in changes:
            row.changes.append(
                Change(
                    field=str(model._meta.get_field(name).verbose_name),
                    before=_shown(model, name, old),
                    after=_shown(model, name, new),
                )
            )
    return row


def _current_values(model: type[Model], record: Any) -> list[tuple[str, Any, Any]]:
    """A change with no earlier history row (the object was created in bulk or by a migration,
    which keep no history): all that is known is the state after the change."""
    return [
        (f.name, None, getattr(record, f.attname, None))
        for f in model._meta.concrete_fields
        if not f.primary_key
    ]


def history_page(
    keys: list[str], date_from: date | None, date_to: date | None, number: int
) -> tuple[list[HistoryRow], Page]:
    """One page of changes across the tracked models, newest first.

    Each history table gives its newest `number × PER_PAGE` rows, which are merged by time;
    only the rows of the page asked for are read in full and diffed.
    """
    querysets = {key: _history_queryset(key, date_from, date_to) for key in keys}
    total = sum(qs.count() for qs in querysets.values())
    paginator = Paginator(range(total), PER_PAGE)
    page = paginator.get_page(number)
    limit = page.number * PER_PAGE
    streams = [
        [
            (when, hid, key)
            for when, hid in qs.order_by("-history_date", "-history_id").values_list(
                "history_date", "history_id"
            )[:limit]
        ]
        for key, qs in querysets.items()
    ]
    merged = list(heapq.merge(*streams, key=lambda t: (t[0], t[1]), reverse=True))
    wanted = merged[(page.number - 1) * PER_PAGE : limit]
    by_key: dict[str, list[int]] = {}
    for _, hid, key in wanted:
        by_key.setdefault(key, []).append(hid)
    records = {
        (key, r.history_id): r
        for key, ids in by_key.items()
        for r in querysets[key].filter(history_id__in=ids).select_related("history_user")
    }
    return [_row(key, records[(key, hid)]) for _, hid, key in wanted], page


@requires("audit.view")
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    form = HistoryFilterForm(request.GET or None, models=list(LABELS.items()))
    data = form.cleaned_data if form.is_valid() else {}
    keys = [data["model"]] if data.get("model") else list(TRACKED)
    rows, page = history_page(
        keys,
        data.get("date_from"),
        data.get("date_to"),
        request.GET.get("page", 1),  # type: ignore[arg-type]
    )
    return render(request, "audit/history.html", {"form": form, "rows": rows, "page": page})


# --- the ledger check ---------------------------------------------------------------------------


@dataclass
class ChainResult:
    name: str
    noun: str
    count: int
    problems: list[tuple[int, str, str]]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> str:
        if not self.problems:
            return ""
        seq, ref, problem = self.problems[0]
        if self.noun == "reference":
            return f"{ref}: {problem}"
        return f"{self.noun} {ref} (position {seq}): {problem}"


def verify_ledgers() -> list[ChainResult]:
    from fiscus.ledger.services import verify as verify_gl
    from fiscus.receivables.services import verify as verify_ar

    gl_count, gl_problems = verify_gl()
    ar_count, ar_problems = verify_ar()
    from fiscus.audit.references import dangling, unchecked_references

    return [
        ChainResult("General ledger", "journal entry", gl_count, gl_problems),
        ChainResult("Receivable ledger", "receivable row", ar_count, ar_problems),
        ChainResult("References", "reference", len(unchecked_references()), dangling()),
    ]


@requires("audit.view")
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    results: list[ChainResult] = []
    if request.method == "POST":
        results = verify_ledgers()
        audit.record(
            "ledger.verified",
            None,
            by=request.user,
            ok=all(r.ok for r in results),
            **{r.name: r.count for r in results},
        )
    context = {"results": results, "ok": bool(results) and all(r.ok for r in results)}
    return render(request, "audit/verify.html", context)

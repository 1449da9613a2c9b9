"""Recurring billing pages: the schedules, a new or changed schedule, and the recurring run.

Reading needs billing.view (a department biller sees their departments' schedules only);
changing schedules and running the recurring billing need billing.recurring. The run button
queues `run_recurring_task`; the page shows what the last run made.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_tasks import TaskResultStatus

from fiscus import money
from fiscus.audit.models import AuditEvent
from fiscus.billing.forms_recurring import (
    LineFormSet,
    RunForm,
    ScheduleForm,
    schedules_visible_to,
)
from fiscus.billing.models import Invoice, RecurringSchedule
from fiscus.billing.recurring import (
    create_schedule,
    deactivate_schedule,
    has_billed,
    update_schedule,
)
from fiscus.billing.tasks import run_recurring_task
from fiscus.errors import FiscusError
from fiscus.organization.roles import department_scope, requires

PER_PAGE = 50
LAST_RUN_SHOWN = 200
# a service's refusal code -> the field it is about
ERROR_FIELDS = {
    "description": "description",
    "frequency": "frequency",
    "start_date": "start_date",
    "end_date": "end_date",
    "department": "department",
    "customer": "customer",
}


def invoice_url(pk: int) -> str | None:
    """The invoice page, once the invoice pages are installed."""
    try:
        return reverse("billing:invoice", args=[pk])
    except NoReverseMatch:  # pragma: no cover - the invoice pages live in another module
        return None


def _period_amount(schedule: RecurringSchedule) -> Decimal:
    return money.cents(
        sum((money.cents(ln.quantity * ln.unit_price) for ln in schedule.lines.all()), money.ZERO)
    )


def _last_run(request: HttpRequest) -> dict[str, Any] | None:
    """The last recurring run and the drafts it made (those the user may see)."""
    event = AuditEvent.objects.filter(action="recurring.run").select_related("actor").first()
    if event is None:
        return None
    ids = event.detail.get("invoices", [])
    invoices = Invoice.objects.filter(pk__in=ids[:LAST_RUN_SHOWN]).select_related(
        "customer", "department"
    )
    scope = department_scope(request.user)
    if scope is not None:
        invoices = invoices.filter(department_id__in=scope)
    shown = list(invoices.order_by("invoice_date", "customer__number", "pk"))
    for invoice in shown:
        invoice.url = invoice_url(invoice.pk)  # type: ignore[attr-defined]
    return {
        "event": event,
        "count": len(ids),
        "total": event.detail.get("total"),
        "through": event.detail.get("through"),
        "invoices": shown,
        "more": max(0, len(ids) - LAST_RUN_SHOWN),
        "failures": event.detail.get("failures", []),
    }


@require_GET
@requires("billing.view")
@vary_on_headers("HX-Request")
def schedule_list(request: HttpRequest) -> HttpResponse:
    schedules = schedules_visible_to(request.user).prefetch_related("lines")
    show = request.GET.get("show", "active")
    if show == "active":
        schedules = schedules.filter(active=True)
    page = Paginator(schedules.order_by("next_date", "pk"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    for schedule in page:
        schedule.period_amount = _period_amount(schedule)  # type: ignore[attr-defined]
    template = "billing/recurring_list.html#rows" if request.htmx else "billing/recurring_list.html"  # type: ignore[attr-defined]
    return render(
        request,
        template,
        {"page": page, "show": show, "run_form": RunForm(), "last_run": _last_run(request)},
    )


@require_POST
@requires("billing.recurring")
def recurring_run(request: HttpRequest) -> HttpResponse:
    form = RunForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the date to bill through, as YYYY-MM-DD.")
        return redirect("billing:recurring")
    through = form.cleaned_data["through"]
    result = run_recurring_task.enqueue(through.isoformat(), cast(User, request.user).pk)
    if result.status == TaskResultStatus.SUCCESSFUL:
        messages.success(request, result.return_value["message"])  # type: ignore[index]
    elif result.status == TaskResultStatus.FAILED:
        messages.error(request, "The recurring run failed; nothing was billed. See the log.")
    else:
        messages.success(
            request,
            f"Recurring billing through {through:%m/%d/%Y} is queued; "
            "this page shows what it made once it is done.",
        )
    return redirect("billing:recurring")


def _formset(request: HttpRequest, initial: list[dict[str, Any]] | None = None) -> Any:
    return LineFormSet(
        request.POST if request.method == "POST" else None,
        initial=initial,
        prefix="lines",
        form_kwargs={"user": request.user},
    )


def _save(
    request: HttpRequest, form: ScheduleForm, lines: Any, schedule: RecurringSchedule | None
) -> RecurringSchedule | None:
    """Call the service; a refusal goes beside its field (or above the form)."""
    data = form.cleaned_data
    fields = {
        "by": request.user,
        "customer": data["customer"],
        "department": data["department"],
        "description": data["description"],
        "frequency": data["frequency"],
        "start_date": data["start_date"],
        "end_date": data.get("end_date"),
        "terms": data.get("terms"),
        "reference": data.get("reference", ""),
        "lines": lines.lines(),
    }
    try:
        if schedule is None:
            return create_schedule(**fields)
        return update_schedule(schedule, **fields)
    except FiscusError as refused:
        field = ERROR_FIELDS.get(refused.code)
        form.add_error(field if field in form.fields else None, refused.message)
        return None


def _page(
    request: HttpRequest, form: ScheduleForm, lines: Any, schedule: RecurringSchedule | None
) -> HttpResponse:
    return render(
        request,
        "billing/recurring_form.html",
        {
            "form": form,
            "lines": lines,
            "schedule": schedule,
            "billed": schedule is not None and has_billed(schedule),
        },
    )


@require_http_methods(["GET", "POST"])
@requires("billing.recurring")
def schedule_new(request: HttpRequest) -> HttpResponse:
    form = ScheduleForm(request.POST or None, user=request.user)
    lines = _formset(request)
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        schedule = _save(request, form, lines, None)
        if schedule is not None:
            messages.success(
                request,
                f"Schedule “{schedule}” saved; its first invoice is dated "
                f"{schedule.next_date:%m/%d/%Y}.",
            )
            return redirect("billing:recurring_edit", schedule=schedule.pk)
    return _page(request, form, lines, None)


def _schedule_for(request: HttpRequest, pk: int) -> RecurringSchedule:
    found = schedules_visible_to(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404("No recurring schedule with that id.")
    return found


@require_http_methods(["GET", "POST"])
@requires("billing.recurring")
def schedule_edit(request: HttpRequest, schedule: int) -> HttpResponse:
    found = _schedule_for(request, schedule)
    initial = {
        "customer": found.customer.number,
        "department": found.department_id,
        "description": found.description,
        "frequency": found.frequency,
        "start_date": found.start_date,
        "end_date": found.end_date,
        "terms": found.terms_id,
        "reference": found.reference,
    }
    form = ScheduleForm(request.POST or None, user=request.user, initial=initial)
    lines = _formset(
        request,
        [
            {
                "charge_code": ln.charge_code_id,
                "description": ln.description,
                "quantity": ln.quantity.normalize(),
                "unit_price": money.fmt(ln.unit_price, symbol=False),
            }
            for ln in found.lines.order_by("id")
        ],
    )
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        saved = _save(request, form, lines, found)
        if saved is not None:
            messages.success(request, f"Schedule “{saved}” saved.")
            return redirect("billing:recurring_edit", schedule=saved.pk)
    return _page(request, form, lines, found)


@require_POST
@requires("billing.recurring")
def schedule_deactivate(request: HttpRequest, schedule: int) -> HttpResponse:
    found = _schedule_for(request, schedule)
    try:
        deactivate_schedule(
            found, by=cast(User, request.user), reason=request.POST.get("reason", "")
        )
    except FiscusError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"Schedule “{found}” deactivated; it makes no more invoices.")
    return redirect("billing:recurring")


urlpatterns: list[URLPattern] = [
    path("recurring/", schedule_list, name="recurring"),
    path("recurring/new/", schedule_new, name="recurring_new"),
    path("recurring/run/", recurring_run, name="recurring_run"),
    path("recurring/<int:schedule>/", schedule_edit, name="recurring_edit"),
    path(
        "recurring/<int:schedule>/deactivate/",
        schedule_deactivate,
        name="recurring_deactivate",
    ),
]

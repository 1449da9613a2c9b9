"""Invoice pages: the list, new and edit (lines as a formset), the invoice with its actions,
attachments, batches with control totals, and the review queue.

Reading needs billing.view (a department biller sees their departments only: 404 elsewhere);
entering and submitting billing.submit; returning and posting billing.review. Thin: forms check
what was typed, fiscus.billing.services writes.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_tables2 import RequestConfig

from fiscus import money
from fiscus.billing import queries, services
from fiscus.billing.filters import InvoiceFilter
from fiscus.billing.forms import (
    AttachmentForm,
    BatchForm,
    BulkPostForm,
    InvoiceForm,
    LineFormSet,
    PostForm,
    ReturnForm,
    departments_for,
    line_initial,
)
from fiscus.billing.models import Invoice, InvoiceBatch, InvoiceStatus
from fiscus.billing.review import review, review_many
from fiscus.billing.tables import EXPORT_HEADERS, InvoiceTable, export_rows
from fiscus.errors import FiscusError
from fiscus.organization.models import Department
from fiscus.organization.roles import can, requires
from fiscus.reports.exports import export_response

# a service's refusal code -> the invoice form's field it is about
ERROR_FIELDS = {
    "invoice_date": "invoice_date",
    "terms": "terms",
    "customer_inactive": "customer",
    "department": "department",
    "batch_submitted": "batch",
    "batch_department": "batch",
    "control_count": "control_count",
    "control_amount": "control_amount",
}


def _user(request: HttpRequest) -> AbstractBaseUser:
    """The signed-in user (every view here requires a capability, so never anonymous)."""
    return cast(AbstractBaseUser, request.user)


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    """Back to ?next= (or the posted `next`) when it is a page of ours, else to `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = default
    return redirect(target or default)


def _refused(form: Any, refused: FiscusError) -> None:
    field = ERROR_FIELDS.get(refused.code)
    form.add_error(field if field in form.fields else None, refused.message)


# --- list ---------------------------------------------------------------------------------------


@require_GET
@requires("billing.view")
@vary_on_headers("HX-Request")
def invoice_list(request: HttpRequest) -> HttpResponse:
    filters = InvoiceFilter(
        request.GET, queryset=queries.invoices_visible_to(request.user), user=request.user
    )
    invoices = filters.qs.order_by("-invoice_date", "-id")
    export = request.GET.get("export")
    if export in ("xlsx", "csv"):
        if not can(request.user, "reports.export"):
            raise PermissionDenied("Needs reports.export")
        return export_response(
            request,
            export,
            name="invoices",
            title="Invoices",
            headers=EXPORT_HEADERS,
            rows=export_rows(invoices),
        )
    table = InvoiceTable(invoices, request=request)
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    template = "billing/invoice_list.html#rows" if request.htmx else "billing/invoice_list.html"  # type: ignore[attr-defined]
    return render(request, template, {"filter": filters, "table": table})


# --- new and edit -------------------------------------------------------------------------------


def _department_of(request: HttpRequest, form: InvoiceForm) -> Department | None:
    """The department the lines are for: the one typed, or the only one a biller has."""
    allowed = departments_for(request.user)
    raw = form["department"].value()
    if raw:
        return allowed.filter(pk=raw).first() if str(raw).isdigit() else None
    return allowed.first() if allowed.count() == 1 else None


def _invoice_form(
    request: HttpRequest, invoice: Invoice | None = None, batch: InvoiceBatch | None = None
) -> HttpResponse:
    posted = request.method == "POST"
    initial: dict[str, Any] = {}
    lines_initial: list[dict[str, Any]] = []
    if invoice is not None:
        initial = {
            "customer": invoice.customer.number,
            "department": invoice.department_id,
            "invoice_date": invoice.invoice_date,
            "terms": invoice.terms_id,
            "due_date": invoice.due_date,
            "reference": invoice.reference,
            "description": invoice.description,
            "batch": invoice.batch_id,
        }
        lines_initial = line_initial(invoice)
    elif batch is not None:
        initial = {"department": batch.department_id, "batch": batch.pk}
    form = InvoiceForm(request.POST if posted else None, user=request.user, initial=initial)
    department = _department_of(request, form)
    lines = LineFormSet(
        request.POST if posted else None,
        prefix="lines",
        initial=lines_initial or None,
        user=request.user,
        department=department,
    )
    if posted and form.is_valid() and lines.is_valid():
        fields = form.fields_for_service()
        try:
            with transaction.atomic():
                if invoice is None:
                    saved = services.create_invoice(
                        by=_user(request), lines=lines.line_inputs(), **fields
                    )
                else:
                    if fields["terms"] is None:
                        fields["terms"] = invoice.terms
                    if fields["due_date"] is None:
                        fields.pop("due_date")
                    saved = services.update_invoice(
                        invoice, by=_user(request), lines=lines.line_inputs(), **fields
                    )
                if request.POST.get("action") == "submit":
                    saved = services.submit_invoice(saved, by=_user(request))
        except FiscusError as refused:
            _refused(form, refused)
        else:
            what = "submitted for review" if saved.status == InvoiceStatus.SUBMITTED else "saved"
            messages.success(
                request, f"Invoice #{saved.pk} {what}: total {money.fmt(saved.total)}."
            )
            return redirect("billing:invoice", invoice=saved.pk)
    codes = {str(pk): c for pk, c in lines.codes.items()}
    prices = {pk: str(c.unit_price or "") for pk, c in codes.items()}
    tax_rates = {pk: str(c.tax_rate or "0") for pk, c in codes.items()}
    department_codes = {str(d.pk): d.code for d in departments_for(request.user)}
    return render(
        request,
        "billing/invoice_form.html",
        {
            "form": form,
            "lines": lines,
            "invoice": invoice,
            "batch": batch or (invoice.batch if invoice else None),
            "prices": prices,
            "tax_rates": tax_rates,
            "department_codes": department_codes,
        },
        status=400 if posted else 200,
    )


@require_http_methods(["GET", "POST"])
@requires("billing.submit")
def invoice_new(request: HttpRequest) -> HttpResponse:
    """?batch=<id> enters the invoice into that batch."""
    batch = None
    raw = request.GET.get("batch") or request.POST.get("batch")
    if raw and raw.isdigit():
        batch = queries.batch_for(request.user, int(raw))
    return _invoice_form(request, batch=batch)


@require_http_methods(["GET", "POST"])
@requires("billing.submit")
def invoice_edit(request: HttpRequest, invoice: int) -> HttpResponse:
    found = queries.invoice_for(request.user, invoice)
    if not found.editable:
        messages.error(
            request,
            f"Invoice {services.name_of(found)} is {found.status}; only a draft or returned "
            "invoice can be changed.",
        )
        return redirect("billing:invoice", invoice=found.pk)
    return _invoice_form(request, invoice=found)


# --- the invoice and its actions ----------------------------------------------------------------


def _detail(request: HttpRequest, invoice: Invoice, status: int = 200, **forms: Any) -> Any:
    checks = review(invoice) if invoice.status != InvoiceStatus.POSTED else []
    context = {
        "invoice": invoice,
        "lines": list(invoice.lines.select_related("charge_code")),
        "history": list(invoice.status_changes.select_related("by")),
        "attachments": list(invoice.attachments.select_related("uploaded_by")),
        "checks": checks,
        "return_form": forms.get("return_form") or ReturnForm(),
        "post_form": forms.get("post_form") or PostForm(),
        "attachment_form": forms.get("attachment_form") or AttachmentForm(),
        "subtotal": invoice.total - invoice.tax_total,
    }
    return render(request, "billing/invoice_detail.html", context, status=status)


@require_GET
@requires("billing.view")
def invoice_detail(request: HttpRequest, invoice: int) -> HttpResponse:
    return _detail(request, queries.invoice_for(request.user, invoice))


@require_POST
@requires("billing.submit")
def invoice_submit(request: HttpRequest, invoice: int) -> HttpResponse:
    found = queries.invoice_for(request.user, invoice)
    try:
        services.submit_invoice(found, by=_user(request))
    except FiscusError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"Invoice #{found.pk} submitted for review.")
    return _back(request, found.get_absolute_url())


@require_POST
@requires("billing.review")
def invoice_return(request: HttpRequest, invoice: int) -> HttpResponse:
    found = queries.invoice_for(request.user, invoice)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the invoice goes back, so the biller can fix it.")
        return _back(request, found.get_absolute_url())
    try:
        services.return_invoice(found, by=_user(request), comment=form.cleaned_data["comment"])
    except FiscusError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"Invoice #{found.pk} returned to the biller.")
    return _back(request, found.get_absolute_url())


@require_POST
@requires("billing.review")
def invoice_post(request: HttpRequest, invoice: int) -> HttpResponse:
    found = queries.invoice_for(request.user, invoice)
    form = PostForm(request.POST)
    on = form.cleaned_data.get("on") if form.is_valid() else None
    try:
        posted = services.post_invoice(found, by=_user(request), on=on)
    except FiscusError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"Invoice {posted.number} posted: {money.fmt(posted.total)}.")
    return _back(request, found.get_absolute_url())


@require_POST
@requires("billing.submit")
def invoice_delete(request: HttpRequest, invoice: int) -> HttpResponse:
    found = queries.invoice_for(request.user, invoice)
    try:
        services.delete_draft(found, by=_user(request))
    except FiscusError as refused:
        messages.error(request, refused.message)
        return redirect("billing:invoice", invoice=found.pk)
    messages.success(request, f"Draft #{invoice} deleted.")
    return redirect("billing:invoices")


@require_POST
@requires("billing.submit")
def invoice_attach(request: HttpRequest, invoice: int) -> HttpResponse:
    found = queries.invoice_for(request.user, invoice)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = services.add_attachment(
                found, by=_user(request), uploaded_file=form.cleaned_data["file"]
            )
        except FiscusError as refused:
            form.add_error("file", refused.message)
        else:
            messages.success(request, f"{attachment.name} attached.")
            return redirect("billing:invoice", invoice=found.pk)
    return _detail(request, found, status=400, attachment_form=form)


@require_GET
@requires("billing.view")
def attachment_download(request: HttpRequest, attachment: int) -> FileResponse:
    found = queries.attachment_for(request.user, attachment)
    response = FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name)
    response["Content-Type"] = found.content_type
    return response


# --- batches ------------------------------------------------------------------------------------


@require_GET
@requires("billing.view")
def batch_list(request: HttpRequest) -> HttpResponse:
    batches = list(queries.batches_visible_to(request.user)[:200])
    totals = {b.pk: services.batch_totals(b) for b in batches} if len(batches) <= 50 else {}
    rows = [(b, totals.get(b.pk)) for b in batches]
    return render(request, "billing/batch_list.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@requires("billing.submit")
def batch_new(request: HttpRequest) -> HttpResponse:
    form = BatchForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.create_batch(by=_user(request), **form.cleaned_data)
        except FiscusError as refused:
            _refused(form, refused)
        else:
            messages.success(request, f"Batch {batch.pk} started.")
            return redirect("billing:batch", batch=batch.pk)
    return render(
        request,
        "billing/batch_new.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@requires("billing.view")
def batch_detail(request: HttpRequest, batch: int) -> HttpResponse:
    """POST action=submit submits the batch; action=add with invoice=<id> adds a draft."""
    found = queries.batch_for(request.user, batch)
    if request.method == "POST":
        if not can(request.user, "billing.submit"):
            raise PermissionDenied("Needs billing.submit")
        action = request.POST.get("action")
        try:
            if action == "submit":
                submitted = services.submit_batch(found, by=_user(request))
                messages.success(
                    request, f"Batch {found.pk} submitted: {len(submitted)} invoices for review."
                )
            elif action == "add" and request.POST.get("invoice", "").isdigit():
                draft = queries.invoice_for(request.user, int(request.POST["invoice"]))
                services.update_invoice(draft, by=_user(request), batch=found)
                messages.success(request, f"Invoice #{draft.pk} added to batch {found.pk}.")
        except FiscusError as refused:
            messages.error(request, refused.message)
        return redirect("billing:batch", batch=found.pk)
    invoices = list(found.invoices.select_related("customer").order_by("id"))
    loose = (
        queries.invoices_visible_to(request.user)
        .filter(
            department=found.department,
            batch__isnull=True,
            status__in=[InvoiceStatus.DRAFT, InvoiceStatus.RETURNED],
        )
        .order_by("id")[:100]
        if found.submitted_at is None
        else []
    )
    return render(
        request,
        "billing/batch_detail.html",
        {
            "batch": found,
            "invoices": invoices,
            "totals": services.batch_totals(found),
            "loose": list(loose),
        },
    )


# --- the review queue ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@requires("billing.review")
def review_queue(request: HttpRequest) -> HttpResponse:
    """Every submitted invoice with the checks it fails; POST posts the selected ones at once."""
    queue = queries.review_queue(request.user)
    form = BulkPostForm(request.POST or None, queue=queue)
    if request.method == "POST":
        if form.is_valid():
            chosen = list(form.cleaned_data["invoices"])
            try:
                posted = services.post_invoices(
                    chosen, by=_user(request), on=form.cleaned_data.get("on")
                )
            except FiscusError as refused:
                messages.error(request, refused.message)
            else:
                total = sum((i.total for i in posted), money.ZERO)
                first, last = posted[0].number, posted[-1].number
                span = first if len(posted) == 1 else f"{first} to {last}"
                messages.success(
                    request,
                    f"Posted {len(posted)} invoice{'s' if len(posted) != 1 else ''} "
                    f"totalling {money.fmt(total)} ({span}).",
                )
            return redirect("billing:review")
        messages.error(request, "Select the invoices to post.")
    invoices = list(queue[:500])
    checks = review_many(invoices)
    rows = [(i, checks[i.pk]) for i in invoices]
    return render(
        request,
        "billing/review_queue.html",
        {
            "rows": rows,
            "form": form,
            "clean": sum(1 for _, c in rows if not c),
            "return_form": ReturnForm(),
            "here": reverse("billing:review"),
        },
    )


urlpatterns: list[URLPattern] = [
    path("invoices/", invoice_list, name="invoices"),
    path("invoices/new/", invoice_new, name="invoice_new"),
    path("invoices/review/", review_queue, name="review"),
    path("invoices/batches/", batch_list, name="batches"),
    path("invoices/batches/new/", batch_new, name="batch_new"),
    path("invoices/batches/<int:batch>/", batch_detail, name="batch"),
    path("invoices/attachments/<int:attachment>/", attachment_download, name="attachment"),
    path("invoices/<int:invoice>/", invoice_detail, name="invoice"),
    path("invoices/<int:invoice>/edit/", invoice_edit, name="invoice_edit"),
    path("invoices/<int:invoice>/submit/", invoice_submit, name="invoice_submit"),
    path("invoices/<int:invoice>/return/", invoice_return, name="invoice_return"),
    path("invoices/<int:invoice>/post/", invoice_post, name="invoice_post"),
    path("invoices/<int:invoice>/delete/", invoice_delete, name="invoice_delete"),
    path("invoices/<int:invoice>/attach/", invoice_attach, name="invoice_attach"),
]

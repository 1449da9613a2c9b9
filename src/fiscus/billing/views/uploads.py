"""Billing pages: uploads. A department biller uploads a .csv or .xlsx of invoice lines, sees a
dry-run preview (invoices, lines, totals, or every row error), then submits the invoices for
review. Nothing is posted here.

Thin: forms check the input, the upload service checks the file and creates the invoices. Between
the preview and the submit the file waits on disk under IMPORTS_DIR/<sha256> (outside MEDIA_ROOT),
as the opening-balances import does; the "Submit" button carries only the hash, which is checked
again against the file's bytes before anything is created.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from fiscus.billing.formats.invoices import template_csv, template_xlsx
from fiscus.billing.forms_uploads import BillingUploadForm, BillingUploadSubmitForm
from fiscus.billing.imports import UploadRefused, UploadResult, file_hash, upload_invoices
from fiscus.billing.models import BillingUpload
from fiscus.errors import FiscusError
from fiscus.organization.roles import department_scope, requires

PREVIEW_INVOICES = 100
PAST_UPLOADS = 50
TEMPLATE = "billing/upload_invoices.html"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _folder() -> Path:
    return Path(settings.IMPORTS_DIR)


def _keep(content: bytes) -> str:
    """Keep an uploaded file until it is submitted; returns its SHA-256 (its name on disk)."""
    digest = file_hash(content)
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / digest
    if not target.exists():
        fd, temp = tempfile.mkstemp(dir=folder, prefix=".upload-")
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        os.replace(temp, target)
    return digest


def _kept(digest: str) -> bytes | None:
    """The kept file with this hash, or None when it is gone or its bytes no longer match."""
    try:
        content = (_folder() / digest).read_bytes()
    except OSError:
        return None
    return content if file_hash(content) == digest else None


def past_uploads(user: Any) -> QuerySet[BillingUpload]:
    """The uploads a user may see: a biller sees their own and their departments'."""
    uploads = BillingUpload.objects.select_related("uploaded_by", "department")
    scope = department_scope(user)
    if scope is not None:
        uploads = uploads.filter(Q(uploaded_by=user) | Q(department_id__in=scope))
    return uploads.order_by("-uploaded_at", "-id")


def _page(request: HttpRequest, **context: Any) -> HttpResponse:
    result: UploadResult | None = context.get("result")
    context.setdefault("form", BillingUploadForm())
    context["uploads"] = past_uploads(request.user)[:PAST_UPLOADS]
    if result is not None:
        context["invoices"] = result.invoices[:PREVIEW_INVOICES]
        context["more_invoices"] = max(0, len(result.invoices) - PREVIEW_INVOICES)
    template = TEMPLATE
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.boosted:
        template = f"{TEMPLATE}#work"
    return render(request, template, context)


def _preview(request: HttpRequest, content: bytes, name: str) -> UploadResult:
    result = upload_invoices(content, name, by=request.user, dry_run=True)  # type: ignore[arg-type]
    if not result.already_uploaded:
        _keep(content)
    return result


@require_http_methods(["GET", "POST"])
@requires("billing.submit")
@vary_on_headers("HX-Request")
def upload(request: HttpRequest) -> HttpResponse:
    """Upload a file: the page shows the invoices it would create (a dry run), or every error."""
    if request.method != "POST":
        return _page(request)
    form = BillingUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form=form)
    file = form.cleaned_data["file"]
    try:
        result = _preview(request, file.read(), file.name)
    except FiscusError as refused:
        form.add_error("file", refused.message)
        return _page(request, form=form)
    submit_form = BillingUploadSubmitForm(
        initial={"file_hash": result.file_hash, "file_name": file.name}
    )
    return _page(request, form=form, result=result, submit_form=submit_form)


@require_POST
@requires("billing.submit")
def submit_upload(request: HttpRequest) -> HttpResponse:
    """The preview's "Submit N invoices for review" button: create the kept file's invoices."""
    form = BillingUploadSubmitForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The file reference is not valid; upload the file again.")
        return redirect("billing:upload")
    digest, name = form.cleaned_data["file_hash"], form.cleaned_data["file_name"]
    content = _kept(digest)
    if content is None:
        messages.error(request, "The uploaded file is gone or has changed; upload it again.")
        return redirect("billing:upload")
    try:
        result = upload_invoices(content, name, by=request.user, dry_run=False)  # type: ignore[arg-type]
    except UploadRefused as refused:
        messages.error(request, refused.message)
        return _page(request, result=_preview(request, content, name), submit_form=form)
    except FiscusError as refused:
        messages.error(request, refused.message)
        return redirect("billing:upload")
    if result.already_uploaded:
        messages.info(request, result.message)
    else:
        messages.success(request, result.message)
        (_folder() / digest).unlink(missing_ok=True)
    return redirect("billing:upload")


@require_GET
@requires("billing.submit")
def upload_template(request: HttpRequest) -> HttpResponse:
    """The file layout, with example rows: ?format=csv or ?format=xlsx."""
    kind = request.GET.get("format", "csv")
    if kind == "csv":
        response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    elif kind == "xlsx":
        response = HttpResponse(template_xlsx(), content_type=XLSX)
    else:
        raise Http404("The template comes as csv or xlsx.")
    response["Content-Disposition"] = f'attachment; filename="billing-upload.{kind}"'
    return response


urlpatterns: list[URLPattern] = [
    path("uploads/", upload, name="upload"),
    path("uploads/submit/", submit_upload, name="upload_submit"),
    path("uploads/template/", upload_template, name="upload_template"),
]

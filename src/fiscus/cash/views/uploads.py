"""Cash pages: payments uploaded from a spreadsheet. The clerk uploads a .csv or .xlsx, sees a
dry-run preview (every row, what it would post and apply, or its errors), then posts it: the
payments go into one closed deposit per received date and department, applied to their invoices.

Thin: the forms check the input, fiscus.cash.uploads checks the file and posts it. Between the
preview and the post the file waits on disk under IMPORTS_DIR/<sha256> (outside MEDIA_ROOT), as
the opening-balances import does; the "Post" button carries only the hash, which is checked
again against the file's bytes before anything is posted.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from fiscus.cash.formats.payments import COLUMNS, template_csv, template_xlsx
from fiscus.cash.models import Payment
from fiscus.cash.uploads import KIND, UploadRefused, UploadResult, upload_payments
from fiscus.errors import FiscusError
from fiscus.organization.roles import department_scope, requires
from fiscus.receivables.forms import KeptFileForm, checked_spreadsheet
from fiscus.receivables.models import ImportBatch
from fiscus.receivables.views import _keep, _kept

PREVIEW_ROWS = 500
PAST_UPLOADS = 50
TEMPLATE = "cash/upload_payments.html"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_COLUMNS = frozenset({"amount", "amount_applied"})


class PaymentsUploadForm(forms.Form):
    file = forms.FileField(
        label="File",
        help_text="A .csv or .xlsx file with a header row, one row per payment or per invoice "
        "a payment applies to; see the template.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx", "autofocus": True}),
    )

    def clean_file(self) -> UploadedFile:
        return checked_spreadsheet(
            self.cleaned_data["file"], max_bytes=settings.MAX_ATTACHMENT_BYTES, verb="takes"
        )


class PaymentsPostForm(KeptFileForm):
    """The preview's "Post" button: the kept file's hash and name."""


def past_uploads(user: Any) -> list[dict[str, Any]]:
    """The payment uploads a user may see, each with the deposits it made. A user limited to
    some departments sees their own uploads."""
    batches = ImportBatch.objects.filter(kind=KIND).select_related("imported_by")
    if department_scope(user) is not None:
        batches = batches.filter(imported_by=user)
    found = list(batches.order_by("-imported_at", "-id")[:PAST_UPLOADS])
    deposits: dict[int, dict[int, Any]] = defaultdict(dict)
    for payment in (
        Payment.objects.filter(import_batch__in=found)
        .select_related("deposit")
        .only("import_batch_id", "deposit__id", "deposit__number", "deposit__status")
    ):
        deposits[payment.import_batch_id][payment.deposit.pk] = payment.deposit  # type: ignore[index]
    return [
        {"batch": b, "deposits": sorted(deposits[b.pk].values(), key=lambda d: d.number)}
        for b in found
    ]


def _page(request: HttpRequest, **context: Any) -> HttpResponse:
    result: UploadResult | None = context.get("result")
    context.setdefault("form", PaymentsUploadForm())
    context["uploads"] = past_uploads(request.user)
    context["all_columns"] = COLUMNS
    if result is not None:
        columns = [c for c in COLUMNS if c.key in result.columns]
        context["columns"] = [(c, c.key in MONEY_COLUMNS) for c in columns]
        context["rows"] = [
            (row, [(row.cell(c.key), c.key in MONEY_COLUMNS) for c in columns])
            for row in result.rows[:PREVIEW_ROWS]
        ]
        context["more_rows"] = max(0, len(result.rows) - PREVIEW_ROWS)
    template = TEMPLATE
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.boosted:
        template = f"{TEMPLATE}#work"
    return render(request, template, context)


def _preview(request: HttpRequest, content: bytes, name: str) -> UploadResult:
    result = upload_payments(content, name, by=request.user, dry_run=True)  # type: ignore[arg-type]
    if not result.already_uploaded and result.ok:
        _keep(content)
    return result


@require_http_methods(["GET", "POST"])
@requires("cash.receive")
@vary_on_headers("HX-Request")
def upload(request: HttpRequest) -> HttpResponse:
    """GET: the form and past uploads. POST a file: the dry-run preview. POST the preview's
    hash ("Post"): post the kept file, once."""
    if request.method != "POST":
        return _page(request)
    if "file_hash" in request.POST:
        return _post(request)
    form = PaymentsUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form=form)
    file = form.cleaned_data["file"]
    try:
        result = _preview(request, file.read(), file.name)
    except FiscusError as refused:
        form.add_error("file", refused.message)
        return _page(request, form=form)
    post_form = PaymentsPostForm(initial={"file_hash": result.file_hash, "file_name": file.name})
    return _page(request, form=form, result=result, post_form=post_form)


def _post(request: HttpRequest) -> HttpResponse:
    form = PaymentsPostForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The file reference is not valid; upload the file again.")
        return redirect("cash:upload")
    digest, name = form.cleaned_data["file_hash"], form.cleaned_data["file_name"]
    content = _kept(digest)
    if content is None:
        messages.error(request, "The uploaded file is gone or has changed; upload it again.")
        return redirect("cash:upload")
    try:
        result = upload_payments(content, name, by=request.user)  # type: ignore[arg-type]
    except UploadRefused as refused:
        messages.error(request, refused.message)
        return _page(request, result=_preview(request, content, name), post_form=form)
    except FiscusError as refused:
        messages.error(request, refused.message)
        return redirect("cash:upload")
    if result.already_uploaded:
        messages.info(request, result.message)
    else:
        messages.success(request, result.message)
    (Path(settings.IMPORTS_DIR) / digest).unlink(missing_ok=True)
    return redirect("cash:upload")


@require_GET
@requires("cash.receive")
def upload_template(request: HttpRequest, ext: str) -> HttpResponse:
    """The file layout, with example rows: template.csv or template.xlsx."""
    if ext == "csv":
        response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    elif ext == "xlsx":
        response = HttpResponse(template_xlsx(), content_type=XLSX)
    else:
        raise Http404("The template comes as .csv or .xlsx.")
    response["Content-Disposition"] = f'attachment; filename="payments-upload.{ext}"'
    return response


urlpatterns: list[URLPattern] = [
    path("upload/", upload, name="upload"),
    path("upload/template.<str:ext>", upload_template, name="upload_template"),
]

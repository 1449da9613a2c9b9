"""Receivables pages: the opening-balances import (upload, preview, post) and its template.

Thin: forms check the input, the import service checks the file and posts it. Between the preview
and the post the uploaded file waits on disk under IMPORTS_DIR/<sha256> (outside MEDIA_ROOT); the
"Post" button carries only the hash, which is checked again against the file's bytes before posting.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from fiscus import money
from fiscus.errors import FiscusError
from fiscus.organization.roles import requires
from fiscus.receivables.formats.opening_balances import template_csv, template_xlsx
from fiscus.receivables.forms import OpeningBalancesPostForm, OpeningBalancesUploadForm
from fiscus.receivables.imports import (
    KIND,
    ImportRefused,
    ImportResult,
    file_hash,
)
from fiscus.receivables.imports import (
    import_opening_balances as run_import,
)
from fiscus.receivables.models import ImportBatch

PREVIEW_ROWS = 100
PAST_IMPORTS = 50
TEMPLATE = "receivables/import.html"


def _folder() -> Path:
    return Path(settings.IMPORTS_DIR)


def _keep(content: bytes) -> str:
    """Keep an uploaded file until it is posted; returns its SHA-256 (its name on disk)."""
    digest = file_hash(content)
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / digest
    if not path.exists():
        fd, temp = tempfile.mkstemp(dir=folder, prefix=".upload-")
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        os.replace(temp, path)
    return digest


def _kept(digest: str) -> bytes | None:
    """The kept file with this hash, or None when it is gone or its bytes no longer match."""
    try:
        content = (_folder() / digest).read_bytes()
    except OSError:
        return None
    return content if file_hash(content) == digest else None


def _page(request: HttpRequest, **context: Any) -> HttpResponse:
    result: ImportResult | None = context.get("result")
    batches = (
        ImportBatch.objects.filter(kind=KIND)
        .select_related("imported_by", "journal_entry")
        .order_by("-imported_at")[:PAST_IMPORTS]
    )
    context.setdefault("form", OpeningBalancesUploadForm())
    context["batches"] = [(b, money.fmt(b.total)) for b in batches]
    if result is not None:
        context["rows"] = result.rows[:PREVIEW_ROWS]
        context["more_rows"] = max(0, len(result.rows) - PREVIEW_ROWS)
    template = TEMPLATE
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.boosted:
        template = f"{TEMPLATE}#work"
    return render(request, template, context)


def _preview(request: HttpRequest, content: bytes, name: str, on: date) -> ImportResult:
    result = run_import(content, name, on=on, by=request.user, dry_run=True)  # type: ignore[arg-type]
    result.file_hash = _keep(content)
    return result


@require_http_methods(["GET", "POST"])
@requires("opening_balances.import")
@vary_on_headers("HX-Request")
def import_opening_balances(request: HttpRequest) -> HttpResponse:
    """Upload a file: the page shows what would post (a dry run), or every error."""
    if request.method != "POST":
        return _page(request)
    form = OpeningBalancesUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form=form)
    upload, on = form.cleaned_data["file"], form.cleaned_data["on"]
    try:
        result = _preview(request, upload.read(), upload.name, on)
    except FiscusError as refused:
        form.add_error("file" if refused.code != "no_period" else "on", refused.message)
        return _page(request, form=form)
    post_form = OpeningBalancesPostForm(
        initial={"file_hash": result.file_hash, "file_name": upload.name, "on": on.isoformat()}
    )
    return _page(request, form=form, result=result, post_form=post_form)


@require_POST
@requires("opening_balances.import")
def post_opening_balances(request: HttpRequest) -> HttpResponse:
    """The preview's "Post N items" button: post the kept file, once."""
    form = OpeningBalancesPostForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The file reference is not valid; upload the file again.")
        return redirect("receivables:import")
    digest, name, on = (form.cleaned_data[k] for k in ("file_hash", "file_name", "on"))
    content = _kept(digest)
    if content is None:
        messages.error(request, "The uploaded file is gone or has changed; upload it again.")
        return redirect("receivables:import")
    try:
        result = run_import(content, name, on=on, by=request.user)  # type: ignore[arg-type]
    except ImportRefused as refused:
        messages.error(request, refused.message)
        result = _preview(request, content, name, on)
        return _page(request, result=result, post_form=form)
    except FiscusError as refused:
        messages.error(request, refused.message)
        return redirect("receivables:import")
    if result.already_imported:
        messages.info(request, result.message)
    else:
        messages.success(request, result.message)
    return redirect("receivables:import")


@require_GET
@requires("opening_balances.import")
def import_template(request: HttpRequest) -> HttpResponse:
    """The file layout, with example rows: ?format=csv or ?format=xlsx."""
    kind = request.GET.get("format", "csv")
    if kind == "csv":
        response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    elif kind == "xlsx":
        response = HttpResponse(
            template_xlsx(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404("The template comes as csv or xlsx.")
    response["Content-Disposition"] = f'attachment; filename="opening-balances.{kind}"'
    return response

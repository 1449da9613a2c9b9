"""Cash pages: bank statement files and lockbox files.

Both are read first and shown (a dry run: totals, lines, and any balance that does not tie),
then imported on confirmation. The uploaded file waits on disk under IMPORTS_DIR by its hash
between the two steps. Importing the same file again changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_http_methods

from fiscus import money
from fiscus.cash import imports, services
from fiscus.cash.forms import CsvMappingForm, departments_for
from fiscus.cash.models import BankStatement, CsvMapping
from fiscus.errors import FiscusError
from fiscus.organization.roles import requires
from fiscus.receivables.models import ImportBatch
from fiscus.receivables.views import _keep, _kept

PREVIEW_LINES = 200


def _upload(request: HttpRequest) -> tuple[bytes, str] | None:
    f = request.FILES.get("file")
    if f is None:
        return None
    if f.size and f.size > settings.MAX_ATTACHMENT_BYTES:
        raise FiscusError(
            f"{f.name} is {f.size:,} bytes; the largest file taken is "
            f"{settings.MAX_ATTACHMENT_BYTES:,} bytes."
        )
    return f.read(), f.name or "upload"


@require_http_methods(["GET", "POST"])
@requires("cash.bank_import")
def bank_files(request: HttpRequest) -> HttpResponse:
    mappings = list(CsvMapping.objects.all())
    context: dict[str, Any] = {"mappings": mappings}
    if request.method == "POST":
        mapping = None
        if request.POST.get("mapping"):
            mapping = CsvMapping.objects.filter(pk=request.POST["mapping"]).first()
        receive = request.POST.get("receive") == "on"
        try:
            if request.POST.get("digest"):
                data = _kept(request.POST["digest"])
                if data is None:
                    raise FiscusError("The file is gone: upload it again.")
                name = request.POST.get("file_name", "bank file")
                result = imports.import_bank_file(
                    data,
                    name,
                    by=request.user,  # type: ignore[arg-type]
                    mapping=mapping,
                    receive=receive,
                )
                if result.already_imported:
                    messages.info(request, f"{name} was already imported: nothing changed.")
                else:
                    text = (
                        f"{name}: {len(result.statements)} statement(s), {result.lines_new} new "
                        f"line(s), {result.lines_known} already known."
                    )
                    if result.received is not None:
                        r = result.received
                        text += (
                            f" {r.count} payment(s) received: {r.applied} applied automatically, "
                            f"{r.suggested} suggested, {r.unmatched} unmatched."
                        )
                    messages.success(request, text)
                    for p in result.problems:
                        messages.warning(request, p)
                return redirect("cash:bank")
            upload = _upload(request)
            if upload is None:
                raise FiscusError("Choose a file.")
            data, name = upload
            statements = imports.preview_bank_file(data, name, mapping=mapping)
            context.update(
                preview=statements,
                digest=_keep(data),
                file_name=name,
                mapping_id=mapping.pk if mapping else "",
                receive=receive,
                already=ImportBatch.objects.filter(
                    kind="bank_statement", file_hash=imports.file_hash(data)
                ).exists(),
                shown=PREVIEW_LINES,
            )
        except FiscusError as refused:
            context["error"] = refused.message
    page = Paginator(
        BankStatement.objects.select_related("import_batch", "bank_account").order_by(
            "-import_batch__imported_at", "-id"
        ),
        50,
    ).get_page(request.GET.get("page"))
    context["page"] = page
    return render(request, "cash/bank_files.html", context)


@require_GET
@requires("cash.view")
def statement(request: HttpRequest, pk: int) -> HttpResponse:
    found = BankStatement.objects.filter(pk=pk).select_related("import_batch").first()
    if found is None:
        raise Http404("No such statement.")
    lines = found.lines.select_related("deposit", "payment").order_by("booked", "line")
    return render(
        request,
        "cash/statement.html",
        {
            "statement": found,
            "lines": list(lines),
            "total": money.cents(sum((ln.amount for ln in lines), money.ZERO)),
        },
    )


@require_http_methods(["GET", "POST"])
@requires("cash.bank_import")
def lockbox(request: HttpRequest) -> HttpResponse:
    departments = departments_for(request.user)
    context: dict[str, Any] = {"departments": departments}
    if request.method == "POST":
        department = departments.filter(pk=request.POST.get("department") or 0).first()
        try:
            if department is None:
                raise FiscusError("Choose the department the lockbox deposits into.")
            if request.POST.get("digest"):
                data = _kept(request.POST["digest"])
                if data is None:
                    raise FiscusError("The file is gone: upload it again.")
                name = request.POST.get("file_name", "lockbox")
                result = imports.import_lockbox(data, name, by=request.user, department=department)  # type: ignore[arg-type]
                if result.already_imported:
                    messages.info(request, f"{name} was already imported: nothing changed.")
                elif result.deposit is None:
                    messages.info(request, f"{name} holds no checks.")
                else:
                    r = result.received
                    assert r is not None
                    messages.success(
                        request,
                        f"{name}: deposit {result.deposit.number}, {r.count} check(s): "
                        f"{r.applied} applied automatically, {r.suggested} suggested, "
                        f"{r.unmatched} without a match.",
                    )
                    return redirect("cash:deposit", pk=result.deposit.pk)
                return redirect("cash:lockbox")
            upload = _upload(request)
            if upload is None:
                raise FiscusError("Choose a file.")
            data, name = upload
            parsed = imports.preview_lockbox(data, name)
            context.update(
                preview=parsed,
                digest=_keep(data),
                file_name=name,
                department=department,
                already=ImportBatch.objects.filter(
                    kind="lockbox", file_hash=imports.file_hash(data)
                ).exists(),
            )
        except FiscusError as refused:
            context["error"] = refused.message
    context["batches"] = ImportBatch.objects.filter(kind="lockbox").select_related("imported_by")[
        :30
    ]
    return render(request, "cash/lockbox.html", context)


@require_GET
@requires("cash.bank_import")
def lockbox_template(request: HttpRequest) -> HttpResponse:
    from fiscus.cash.formats.lockbox import lockbox_csv_template

    response = HttpResponse(lockbox_csv_template(), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="lockbox-template.csv"'
    return response


@require_http_methods(["GET", "POST"])
@requires("cash.bank_import")
def mapping_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """A bank's CSV export described once: which column is the date, the amount, ..."""
    existing = None
    initial: dict[str, Any] = {}
    if pk is not None:
        existing = CsvMapping.objects.filter(pk=pk).first()
        if existing is None:
            raise Http404("No such mapping.")
        initial = CsvMappingForm.initial_from(existing.name, existing.mapping)
    form = CsvMappingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_csv_mapping(
                form.cleaned_data["name"],
                form.mapping(),
                by=request.user,  # type: ignore[arg-type]
                existing=existing,
            )
        except FiscusError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, f"Mapping {saved.name} saved: choose it when importing.")
            return redirect("cash:bank")
    return render(
        request,
        "cash/mapping.html",
        {"form": form, "existing": existing, "mappings": CsvMapping.objects.all()},
    )


urlpatterns: list[URLPattern] = [
    path("bank/", bank_files, name="bank"),
    path("bank/mappings/new/", mapping_edit, name="mapping_new"),
    path("bank/mappings/<int:pk>/", mapping_edit, name="mapping"),
    path("bank/statements/<int:pk>/", statement, name="statement"),
    path("lockbox/", lockbox, name="lockbox"),
    path("lockbox/template.csv", lockbox_template, name="lockbox_template"),
]

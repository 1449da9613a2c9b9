"""Returned payments: return a payment in one step, the list still to be worked, a return's page
(mark it worked, redeposit a check that cleared) and the returned-payments log to .xlsx/.csv.

Reading needs cash.view (department billers: their departments only); returning, marking and
redepositing need cash.return. Every change is audited by fiscus.cash.returns.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from fiscus.cash import notices, returns
from fiscus.cash.ach_returns import import_ach_returns
from fiscus.cash.models import ReturnedPayment, ReturnReason
from fiscus.cash.views.payments import payment_for
from fiscus.errors import FiscusError
from fiscus.organization.roles import can, department_scope, requires
from fiscus.reports.exports import export_response

LOG_HEADERS = [
    "Return",
    "Returned",
    "Payment",
    "Received",
    "Customer",
    "Name",
    "Reason",
    "ACH code",
    "Amount",
    "Invoices reopened",
    "Fee",
    "Cash only until",
    "Status",
    "Worked",
]


class ReturnForm(forms.Form):
    reason = forms.ChoiceField(choices=ReturnReason.choices)
    returned_on = forms.DateField(
        label="Returned on", widget=forms.DateInput(attrs={"type": "date"})
    )
    ach_code = forms.RegexField(
        label="ACH return code",
        regex=r"^[Rr]\d\d$",
        required=False,
        error_messages={"invalid": "An ACH return code looks like R01."},
        widget=forms.TextInput(attrs={"size": 4, "placeholder": "R01"}),
    )
    note = forms.CharField(
        max_length=400, required=False, widget=forms.TextInput(attrs={"size": 50})
    )
    fee = forms.BooleanField(label="Assess the returned-payment fee", required=False, initial=True)


class RedepositForm(forms.Form):
    redeposited_on = forms.DateField(
        label="Cleared on", widget=forms.DateInput(attrs={"type": "date"})
    )


def visible_returns(
    request: HttpRequest, found: QuerySet[ReturnedPayment] | None = None
) -> QuerySet[ReturnedPayment]:
    """`found` (all returns by default) as far as the user may see: a department biller, the
    returns of their departments' payments."""
    if found is None:
        found = ReturnedPayment.objects.select_related("payment", "customer", "fee_item")
    scope = department_scope(request.user)
    return found if scope is None else found.filter(payment__department_id__in=scope)


def returned_for(request: HttpRequest, pk: int) -> ReturnedPayment:
    found = visible_returns(request).filter(pk=pk).first()
    if found is None:
        raise Http404("No returned payment with that id.")
    return found


def _cash_only(r: ReturnedPayment) -> str:
    if r.cash_only_for_good:
        return "for good"
    return r.cash_only_until.strftime("%m/%d/%Y") if r.cash_only_until else ""


@require_http_methods(["GET"])
@requires("cash.view")
def returned_list(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "to_work")
    found = visible_returns(request, returns.to_work() if show == "to_work" else None)
    found = found.order_by("-returned_on", "-id")
    export = request.GET.get("export")
    if export in ("xlsx", "csv"):
        if not can(request.user, "reports.export"):
            raise PermissionDenied("Needs reports.export")
        rows = (
            [
                r.number,
                r.returned_on,
                r.payment.number,
                r.payment.received_on,
                r.customer.number if r.customer else "",
                r.customer.name if r.customer else "Unidentified",
                r.get_reason_display(),
                r.ach_code,
                r.amount,
                ", ".join(f"{x['number']} {x['amount']}" for x in r.reversed),
                r.fee_item.amount if r.fee_item else 0,
                _cash_only(r),
                r.get_status_display(),
                "yes" if r.worked_at else "no",
            ]
            for r in found
        )
        return export_response(
            request,
            export,
            name="returned-payments",
            title="Returned payments log",
            headers=LOG_HEADERS,
            rows=rows,
        )
    return render(request, "cash/returned_list.html", {"returns": list(found[:500]), "show": show})


@require_http_methods(["GET", "POST"])
@requires("cash.return")
def payment_return(request: HttpRequest, pk: int) -> HttpResponse:
    payment = payment_for(request, pk)
    live = payment.returns.filter(status=ReturnedPayment.Status.RETURNED).first()
    if live is not None:
        messages.info(request, f"{payment.number} is already returned: {live.number}.")
        return redirect(live)
    form = ReturnForm(
        request.POST or None,
        initial={"returned_on": timezone.localdate(), "fee": True},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        reason = data["reason"]
        code = (data["ach_code"] or "").upper()
        if code and reason in (ReturnReason.ACH_RETURN, ReturnReason.OTHER):
            reason = returns.reason_for_ach(code)  # R01: NSF, R08: stop payment ...
        try:
            done = returns.return_payment(
                payment,
                reason=reason,
                on=data["returned_on"],
                by=request.user,  # type: ignore[arg-type]
                ach_code=code,
                note=data["note"],
                fee=data["fee"],
            )
        except FiscusError as refused:
            form.add_error(None, refused.message)
        else:
            reopened = len(done.reversed)
            messages.success(
                request,
                f"{payment.number} returned as {done.number}: {reopened} item(s) open again"
                + (f", fee {done.fee_item.number}" if done.fee_item else "")
                + ".",
            )
            return redirect(done)
    applied = [(a.debit_item.number, a.amount) for a in returns.live_applications(payment)]
    return render(
        request,
        "cash/payment_return.html",
        {"payment": payment, "form": form, "applied": applied},
    )


@require_http_methods(["GET"])
@requires("cash.view")
def returned_detail(request: HttpRequest, pk: int) -> HttpResponse:
    r = returned_for(request, pk)
    return render(
        request,
        "cash/returned_detail.html",
        {
            "r": r,
            "cash_only": _cash_only(r),
            "redeposit": RedepositForm(initial={"redeposited_on": timezone.localdate()}),
        },
    )


@require_POST
@requires("cash.return")
def returned_worked(request: HttpRequest, pk: int) -> HttpResponse:
    r = returned_for(request, pk)
    returns.mark_worked(r, by=request.user)  # type: ignore[arg-type]
    messages.success(request, f"{r.number} is worked and off the dashboard.")
    return redirect(r)


@require_POST
@requires("cash.return")
def returned_redeposit(request: HttpRequest, pk: int) -> HttpResponse:
    r = returned_for(request, pk)
    form = RedepositForm(request.POST)
    on: date | None = form.cleaned_data["redeposited_on"] if form.is_valid() else None
    if on is None:
        messages.error(request, "Give the date the check cleared, like 03/20/2026.")
        return redirect(r)
    try:
        returns.redeposit(r, on=on, by=request.user)  # type: ignore[arg-type]
    except FiscusError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"{r.payment.number} redeposited: its applications are back.")
    return redirect(r)


@require_http_methods(["GET"])
@requires("cash.return")
def returned_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The returned-payment notice to the customer (PDF); printing it is audited."""
    r = returned_for(request, pk)
    try:
        pdf = notices.print_returned_notice(r, by=request.user)  # type: ignore[arg-type]
    except notices.DocumentError as refused:
        messages.error(request, refused.message)
        return redirect(r)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{notices.notice_file_name(r)}"'
    return response


class AchFileForm(forms.Form):
    file = forms.FileField(label="NACHA return file (.ach, .txt)")


@require_POST
@requires("cash.return")
def returned_import(request: HttpRequest) -> HttpResponse:
    """A NACHA return file from the bank: each returned debit returns its payment in one step
    (fiscus.cash.ach_returns); the whole file or nothing."""
    form = AchFileForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose the bank's return file.")
        return redirect("cash:returned_list")
    upload = form.cleaned_data["file"]
    try:
        result = import_ach_returns(upload.read(), upload.name, by=request.user)  # type: ignore[arg-type]
    except FiscusError as refused:
        messages.error(
            request, f"{upload.name} was not imported; nothing changed. {refused.message}"
        )
        return redirect("cash:returned_list")
    messages.success(request, result.summary())
    for line in [*result.not_found, *result.set_aside]:
        messages.warning(request, f"Line {line.line}: {line.why}")
    for notice in result.notifications:
        messages.info(
            request,
            f"Line {notice.line}: notification of change {notice.change_code} "
            f"({notice.change or 'non-standard'}) for {notice.receiver}: {notice.corrected_data}",
        )
    return redirect("cash:returned_list")


def returned_count(request: HttpRequest) -> int:
    """For the dashboard: returned payments still to be worked, in the user's departments."""
    return (
        visible_returns(request, returns.to_work()).count() if can(request.user, "cash.view") else 0
    )


urlpatterns: list[URLPattern] = [
    path("returned/", returned_list, name="returned_list"),
    path("returned/<int:pk>/", returned_detail, name="returned"),
    path("returned/<int:pk>/worked/", returned_worked, name="returned_worked"),
    path("returned/<int:pk>/redeposit/", returned_redeposit, name="returned_redeposit"),
    path("returned/<int:pk>/notice/", returned_notice, name="returned_notice"),
    path("returned/import/", returned_import, name="returned_import"),
    path("payments/<int:pk>/return/", payment_return, name="payment_return"),
]

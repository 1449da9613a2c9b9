"""Adjustments, write-offs, transfers and refunds on the web: prepare a request (one item, a
batch, the small-balance run), the approval queue, a request's page (approve, reject, resubmit,
withdraw, the board packet, the refund letter, paid), the credit-balances worklist, refunds to
send to accounts payable, discharged items and the setup.

Reading needs adjustments.view; preparing adjustments.request; deciding adjustments.approve (and
not being the preparer: the service refuses); sending and paying refunds refunds.pay; thresholds
and reasons adjustments.setup. Department billers have none of these. Every change is audited by
fiscus.adjustments.services.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from fiscus import money
from fiscus.adjustments import services as adj
from fiscus.adjustments.models import (
    UNDECIDED,
    AdjustmentSettings,
    Kind,
    Reason,
    RefundVoucher,
    Request,
    Status,
)
from fiscus.customers.models import Customer
from fiscus.errors import FiscusError
from fiscus.organization.models import Department
from fiscus.organization.roles import can, requires
from fiscus.receivables.models import Item
from fiscus.reports.exports import export_response

DATE = forms.DateInput(attrs={"type": "date"})
SINGLE_KINDS = [
    (Kind.WRITE_OFF.value, Kind.WRITE_OFF.label),
    (Kind.CORRECTION.value, Kind.CORRECTION.label),
    (Kind.TRANSFER.value, Kind.TRANSFER.label),
]
LIST_HEADERS = [
    "Request",
    "Kind",
    "Reason",
    "Customer",
    "Items",
    "Total",
    "Status",
    "Prepared by",
    "Prepared",
    "Decided by",
    "Accounting date",
]


def _reasons(kind: str | None = None) -> QuerySet[Reason]:
    found = Reason.objects.filter(active=True)
    return found.filter(kind=kind) if kind else found


class ReasonField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code}: {obj.name}"


class SingleForm(forms.Form):
    item = forms.CharField(
        label="Item number",
        max_length=40,
        widget=forms.TextInput(attrs={"autofocus": True, "size": 20}),
    )
    kind = forms.ChoiceField(choices=SINGLE_KINDS)
    reason = ReasonField(queryset=Reason.objects.none())
    amount = forms.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"class": "num", "step": "0.01"}),
    )
    effective_date = forms.DateField(label="Accounting date", widget=DATE)
    to_customer = forms.CharField(
        label="Transfer to customer number",
        max_length=40,
        required=False,
        help_text="For a transfer only.",
    )
    description = forms.CharField(
        label="Why", max_length=400, widget=forms.Textarea(attrs={"rows": 2, "cols": 60})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = _reasons().exclude(  # type: ignore[attr-defined]
            kind__in=[Kind.REFUND, Kind.SMALL_BALANCE]
        )

    def clean_item(self) -> Item:
        number = self.cleaned_data["item"].strip().upper()
        found = Item.objects.filter(number=number).select_related("customer").first()
        if found is None:
            raise forms.ValidationError(f"No item numbered {number}.")
        return found

    def clean_to_customer(self) -> Customer | None:
        number = self.cleaned_data["to_customer"].strip().upper()
        if not number:
            return None
        found = Customer.objects.filter(number=number).first()
        if found is None:
            raise forms.ValidationError(f"No customer numbered {number}.")
        return found


class BatchForm(forms.Form):
    """Which items a batch write-off (or the small-balance run) proposes."""

    min_days = forms.IntegerField(label="At least days past due", min_value=0, initial=180)
    max_balance = forms.DecimalField(
        label="Open balance below", max_digits=14, decimal_places=2, required=False
    )
    customer = forms.CharField(label="Customer number", max_length=40, required=False)
    department = forms.ModelChoiceField(queryset=Department.objects.all(), required=False)


class DecideForm(forms.Form):
    comment = forms.CharField(
        max_length=400, required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 60})
    )


class PaidForm(forms.Form):
    paid_on = forms.DateField(label="Paid on", widget=DATE)
    paid_by = forms.ChoiceField(label="Paid by", choices=Request.PaidBy.choices)
    reference = forms.CharField(label="Check or EFT number", max_length=40)


class RefundForm(forms.Form):
    reason = ReasonField(queryset=Reason.objects.none())
    amount = forms.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    effective_date = forms.DateField(label="Accounting date", widget=DATE)
    payee_name = forms.CharField(label="Pay to", max_length=200)
    payee_address = forms.CharField(
        label="Mail to", widget=forms.Textarea(attrs={"rows": 3, "cols": 40}), required=False
    )
    description = forms.CharField(max_length=400, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = _reasons(Kind.REFUND)  # type: ignore[attr-defined]


class SettingsForm(forms.ModelForm):
    class Meta:
        model = AdjustmentSettings
        fields = [
            "write_off_threshold",
            "small_balance_threshold",
            "correction_threshold",
            "transfer_threshold",
            "refund_threshold",
            "small_balance_limit",
            "small_balance_min_days",
        ]


class ReasonForm(forms.ModelForm):
    class Meta:
        model = Reason
        fields = ["code", "name", "kind", "account"]


def request_for(pk: int) -> Request:
    return get_object_or_404(
        Request.objects.select_related(
            "reason", "customer", "to_customer", "prepared_by", "decided_by", "voucher"
        ),
        pk=pk,
    )


def _customer_label(r: Request) -> str:
    if r.customer is not None:
        return f"{r.customer.number} {r.customer.name}"
    return f"Batch of {r.lines.count()} items"


# --- lists -------------------------------------------------------------------------------


TABS = {
    "approve": "To approve",
    "returned": "Returned to me",
    "mine": "Prepared by me",
    "all": "All",
}


def _tab(request: HttpRequest, show: str) -> QuerySet[Request]:
    found = Request.objects.select_related("reason", "customer", "prepared_by", "decided_by")
    user = request.user
    if show == "approve":
        return adj.to_approve(user).select_related(  # type: ignore[arg-type]
            "reason", "customer", "prepared_by", "decided_by"
        )
    if show == "returned":
        return found.filter(status=Status.REJECTED, prepared_by_id=user.pk)
    if show == "mine":
        return found.filter(prepared_by_id=user.pk)
    return found


@require_http_methods(["GET"])
@requires("adjustments.view")
def request_list(request: HttpRequest) -> HttpResponse:
    default = "approve" if can(request.user, "adjustments.approve") else "mine"
    show = request.GET.get("show", default)
    if show not in TABS:
        show = default
    found = _tab(request, show)
    kind = request.GET.get("kind", "")
    if kind in Kind.values:
        found = found.filter(kind=kind)
    export = request.GET.get("export")
    if export in ("xlsx", "csv"):
        if not can(request.user, "reports.export"):
            raise PermissionDenied("Needs reports.export")
        rows = (
            [
                r.number,
                r.get_kind_display(),
                f"{r.reason.code} {r.reason.name}",
                _customer_label(r),
                r.lines.count(),
                r.total,
                r.stage,
                r.prepared_by.get_username(),
                timezone.localtime(r.prepared_at).date(),
                r.decided_by.get_username() if r.decided_by else "",
                r.effective_date,
            ]
            for r in found
        )
        return export_response(
            request,
            export,
            name=f"adjustment-requests-{show}",
            title=f"Adjustment requests: {TABS[show]}",
            headers=LIST_HEADERS,
            rows=rows,
        )
    return render(
        request,
        "adjustments/request_list.html",
        {
            "requests": list(found[:500]),
            "show": show,
            "tabs": {
                k: v
                for k, v in TABS.items()
                if k != "approve" or can(request.user, "adjustments.approve")
            },
            "kind": kind,
            "kinds": Kind.choices,
        },
    )


def counts(request: HttpRequest) -> dict[str, int]:
    """For the dashboard: requests waiting for the user's approval, and the user's returned."""
    user = request.user
    out = {"to_approve": 0, "returned_to_me": 0}
    if can(user, "adjustments.approve"):
        out["to_approve"] = _tab(request, "approve").count()
    if can(user, "adjustments.request"):
        out["returned_to_me"] = _tab(request, "returned").count()
    return out


# --- preparing ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@requires("adjustments.request")
def request_new(request: HttpRequest) -> HttpResponse:
    """One item: a write-off, a correcting entry or a transfer to another customer."""
    initial: dict[str, Any] = {"effective_date": timezone.localdate(), "kind": Kind.WRITE_OFF}
    item = Item.objects.filter(pk=request.GET.get("item") or 0).first()
    if item is not None:
        initial.update(item=item.number, amount=abs(item.open_amount))
        if item.amount < 0:
            initial["kind"] = Kind.CORRECTION
    form = SingleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = adj.prepare(
                by=request.user,  # type: ignore[arg-type]
                kind=data["kind"],
                reason=data["reason"],
                lines=[adj.Wanted(data["item"], data["amount"])],
                on=data["effective_date"],
                description=data["description"],
                to_customer=data["to_customer"],
            )
        except FiscusError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _outcome(done))
            return redirect(done)
    return render(request, "adjustments/request_new.html", {"form": form, "item": item})


def _outcome(r: Request) -> str:
    if r.status == Status.POSTED:
        return f"{r.number} posted: {money.fmt(r.total)} (within the approval threshold)."
    return f"{r.number} is waiting for a supervisor's approval: {money.fmt(r.total)}."


def _batch_items(form: BatchForm, *, small: bool, limit: Decimal | None) -> QuerySet[Item]:
    data = form.cleaned_data if form.is_valid() else {}
    if small:
        settings = adj.adjustment_settings()
        found = adj.small_balances(
            limit or settings.small_balance_limit,
            min_days=data.get("min_days") or settings.small_balance_min_days,
            on=timezone.localdate(),
        )
    else:
        found = adj.write_off_candidates(
            on=timezone.localdate(),
            min_days=data.get("min_days") or 0,
            below=data.get("max_balance") or None,
        )
    if data.get("customer"):
        found = found.filter(customer__number=data["customer"].strip().upper())
    if data.get("department"):
        found = found.filter(department=data["department"])
    return found


@require_http_methods(["GET", "POST"])
@requires("adjustments.request")
def batch(request: HttpRequest) -> HttpResponse:
    """A batch write-off, or the small-balance run (?small=1): the proposal is every open debit
    item the filters find; the preparer unticks what should stay and sends the rest."""
    small = request.GET.get("small") == "1"
    settings = adj.adjustment_settings()
    initial: dict[str, Any] = {"min_days": settings.small_balance_min_days if small else 180}
    if small:
        initial["max_balance"] = settings.small_balance_limit
    filters = BatchForm(request.GET or None, initial=initial)
    limit: Decimal | None = None
    if small and filters.is_valid() and filters.cleaned_data.get("max_balance"):
        limit = min(filters.cleaned_data["max_balance"], settings.small_balance_limit)
    if not filters.is_bound:
        filters = BatchForm(initial, initial=initial)
    found = list(_batch_items(filters, small=small, limit=limit)[:1000])
    kind = Kind.SMALL_BALANCE if small else Kind.WRITE_OFF
    reasons = list(_reasons(kind))
    if request.method == "POST":
        chosen = {int(x) for x in request.POST.getlist("item") if x.isdigit()}
        reason = next((r for r in reasons if str(r.pk) == request.POST.get("reason")), None)
        on = _date(request.POST.get("effective_date")) or timezone.localdate()
        picked = [i for i in found if i.pk in chosen]
        if reason is None:
            messages.error(request, "Choose the reason for the write-off.")
        elif not picked:
            messages.error(request, "Tick at least one item to write off.")
        else:
            try:
                done = adj.prepare(
                    by=request.user,  # type: ignore[arg-type]
                    kind=kind,
                    reason=reason,
                    lines=[adj.Wanted(i, i.open_amount) for i in picked],
                    on=on,
                    description=request.POST.get("description", ""),
                )
            except FiscusError as refused:
                messages.error(request, refused.message)
            else:
                messages.success(request, _outcome(done))
                return redirect(done)
    total = sum((i.open_amount for i in found), money.ZERO)
    return render(
        request,
        "adjustments/batch.html",
        {
            "filters": filters,
            "items": found,
            "total": total,
            "small": small,
            "reasons": reasons,
            "settings": settings,
            "today": timezone.localdate(),
        },
    )


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


# --- one request -------------------------------------------------------------------------


@require_http_methods(["GET"])
@requires("adjustments.view")
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    r = request_for(pk)
    lines = list(
        adj.discharged(r.lines.all())
        if r.kind in (Kind.WRITE_OFF, Kind.SMALL_BALANCE) and r.status == Status.POSTED
        else []
    )
    still = {ln.pk: ln.still for ln in lines}  # type: ignore[attr-defined]
    rows = [
        (ln, still.get(ln.pk))
        for ln in r.lines.select_related("item", "customer", "new_item").order_by("id")
    ]
    user = request.user
    mine = r.prepared_by_id == user.pk
    return render(
        request,
        "adjustments/request_detail.html",
        {
            "r": r,
            "rows": rows,
            "events": r.events.select_related("by"),
            "mine": mine,
            "may_decide": r.status == Status.PENDING
            and can(user, "adjustments.approve")
            and not mine,
            "decide": DecideForm(),
            "paid": PaidForm(initial={"paid_on": timezone.localdate(), "paid_by": "check"}),
            "threshold": adj.adjustment_settings().threshold(r.kind),
            "write_off": r.kind in (Kind.WRITE_OFF, Kind.SMALL_BALANCE),
        },
    )


def _act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    r = request_for(pk)
    form = DecideForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    user = request.user
    try:
        if action == "approve":
            done = adj.approve(r, by=user, comment=comment)  # type: ignore[arg-type]
            messages.success(request, f"{done.number} approved and posted.")
        elif action == "reject":
            adj.reject(r, by=user, comment=comment)  # type: ignore[arg-type]
            name = r.prepared_by.get_full_name() or r.prepared_by.get_username()
            messages.success(request, f"{r.number} sent back to {name}.")
        elif action == "resubmit":
            adj.resubmit(r, by=user, comment=comment)  # type: ignore[arg-type]
            messages.success(request, f"{r.number} is waiting for approval again.")
        else:
            adj.withdraw(r, by=user, comment=comment)  # type: ignore[arg-type]
            messages.success(request, f"{r.number} withdrawn; nothing was posted.")
    except FiscusError as refused:
        messages.error(request, refused.message)
    return redirect(r)


@require_POST
@requires("adjustments.approve")
def request_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "approve")


@require_POST
@requires("adjustments.approve")
def request_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "reject")


@require_POST
@requires("adjustments.request")
def request_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "resubmit")


@require_POST
@requires("adjustments.request")
def request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    r = request_for(pk)
    if r.prepared_by_id != request.user.pk and not can(request.user, "adjustments.approve"):
        messages.error(request, "Only its preparer or a supervisor can withdraw a request.")
        return redirect(r)
    return _act(request, pk, "withdraw")


@require_http_methods(["GET"])
@requires("adjustments.view")
def board_packet(request: HttpRequest, pk: int) -> HttpResponse:
    from fiscus.adjustments import documents

    r = request_for(pk)
    try:
        pdf = documents.render_board_packet_pdf(r)
    except FiscusError as refused:
        messages.error(request, refused.message)
        return redirect(r)
    return _pdf(request, r, pdf, documents.packet_file_name(r))


@require_http_methods(["GET"])
@requires("adjustments.view")
def refund_letter(request: HttpRequest, pk: int) -> HttpResponse:
    from fiscus.adjustments import documents

    r = request_for(pk)
    try:
        pdf = documents.render_refund_letter_pdf(r)
    except FiscusError as refused:
        messages.error(request, refused.message)
        return redirect(r)
    return _pdf(request, r, pdf, documents.refund_letter_file_name(r))


def _pdf(request: HttpRequest, r: Request, pdf: bytes, name: str) -> HttpResponse:
    from fiscus import audit

    audit.record("adjustment.printed", r, by=request.user, document=name)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@require_POST
@requires("refunds.pay")
def refund_paid(request: HttpRequest, pk: int) -> HttpResponse:
    r = request_for(pk)
    form = PaidForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the date paid, check or EFT, and its number.")
        return redirect(r)
    data = form.cleaned_data
    try:
        adj.mark_paid(
            r,
            by=request.user,  # type: ignore[arg-type]
            paid_on=data["paid_on"],
            paid_by=data["paid_by"],
            reference=data["reference"],
        )
    except FiscusError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"Refund {r.number} marked paid.")
    return redirect(r)


# --- refunds -----------------------------------------------------------------------------


@require_http_methods(["GET"])
@requires("adjustments.view")
def credit_balances(request: HttpRequest) -> HttpResponse:
    """Customers the agency owes money, net of what they owe: the refund worklist (the credit
    balances report's rows)."""
    from fiscus.reports.adjustments import credit_balances as report

    return render(request, "adjustments/credit_balances.html", {"rows": report().rows[:500]})


@require_http_methods(["GET", "POST"])
@requires("adjustments.request")
def refund_new(request: HttpRequest, number: str) -> HttpResponse:
    customer = get_object_or_404(Customer, number=number)
    owed = adj.credit_balance(customer)
    reasons = _reasons(Kind.REFUND)
    form = RefundForm(
        request.POST or None,
        initial={
            "amount": owed,
            "effective_date": timezone.localdate(),
            "payee_name": customer.name,
            "payee_address": adj.customer_address(customer),
            "reason": reasons.first(),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = adj.request_refund(
                by=request.user,  # type: ignore[arg-type]
                customer=customer,
                reason=data["reason"],
                amount=data["amount"],
                on=data["effective_date"],
                payee_name=data["payee_name"],
                payee_address=data["payee_address"],
                description=data["description"],
            )
        except FiscusError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _outcome(done))
            return redirect(done)
    credits = Item.objects.filter(customer=customer, open_amount__lt=0).order_by("document_date")
    return render(
        request,
        "adjustments/refund_new.html",
        {"form": form, "customer": customer, "owed": owed, "credits": credits},
    )


STAGES = {
    "waiting": "Waiting for approval",
    "to_send": "To send to accounts payable",
    "sent": "Sent, not yet paid",
    "paid": "Paid",
    "all": "All",
}


@require_http_methods(["GET"])
@requires("adjustments.view")
def refunds(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "to_send")
    found = Request.objects.filter(kind=Kind.REFUND).select_related(
        "customer", "reason", "voucher", "decided_by"
    )
    found = {
        "waiting": found.filter(status__in=UNDECIDED),
        "to_send": found.filter(status=Status.POSTED, voucher__isnull=True),
        "sent": found.filter(voucher__isnull=False, paid_on__isnull=True),
        "paid": found.filter(paid_on__isnull=False),
    }.get(show, found)
    return render(
        request,
        "adjustments/refunds.html",
        {
            "refunds": list(found[:500]),
            "show": show if show in STAGES else "all",
            "stages": STAGES,
            "to_send": adj.refunds_to_send().count(),
            "vouchers": RefundVoucher.objects.select_related("created_by")[:20],
        },
    )


@require_POST
@requires("refunds.pay")
def vouchers_export(request: HttpRequest) -> HttpResponse:
    try:
        voucher = adj.export_vouchers(by=request.user)  # type: ignore[arg-type]
    except FiscusError as refused:
        messages.error(request, refused.message)
        return redirect("adjustments:refunds")
    messages.success(
        request,
        f"{voucher.number}: {voucher.count} refund(s), {money.fmt(voucher.total)}, sent to "
        "accounts payable. Download the file below.",
    )
    return redirect(reverse("adjustments:refunds") + "?show=sent")


@require_http_methods(["GET"])
@requires("refunds.pay")
def voucher_file(request: HttpRequest, pk: int) -> HttpResponse:
    from fiscus import audit

    voucher = get_object_or_404(RefundVoucher, pk=pk)
    audit.record("refunds.voucher_downloaded", voucher, by=request.user)
    response = HttpResponse(voucher.content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{voucher.file_name}"'
    return response


# --- discharged items --------------------------------------------------------------------


@require_http_methods(["GET"])
@requires("adjustments.view")
def discharged(request: HttpRequest) -> HttpResponse:
    """Written-off items: discharged, still the debtor's; a later payment is applied here."""
    lines = list(adj.discharged()[:500])
    customer_ids = {ln.customer_id for ln in lines}
    credits: dict[int, list[Item]] = {}
    for item in Item.objects.filter(customer_id__in=customer_ids, open_amount__lt=0).order_by(
        "document_date"
    ):
        credits.setdefault(item.customer_id, []).append(item)
    rows = [(ln, credits.get(ln.customer_id, [])) for ln in lines]
    return render(
        request,
        "adjustments/discharged.html",
        {"rows": rows, "total": sum((ln.still for ln in lines), money.ZERO)},  # type: ignore[attr-defined]
    )


@require_POST
@requires("adjustments.request")
def discharged_pay(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply a customer's payment (or credit) to their discharged items, oldest first."""
    credit = get_object_or_404(Item, pk=pk, amount__lt=0)
    on = _date(request.POST.get("on")) or timezone.localdate()
    try:
        done = adj.pay_discharged(credit, on=on, by=request.user)  # type: ignore[arg-type]
    except FiscusError as refused:
        messages.error(request, refused.message)
    else:
        total = sum((d.amount for d in done), money.ZERO)
        messages.success(
            request,
            f"{credit.number}: {money.fmt(total)} applied to {len(done)} discharged item(s), "
            "each reinstated for what it got.",
        )
    return redirect("adjustments:discharged")


# --- setup -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@requires("adjustments.setup")
def setup(request: HttpRequest) -> HttpResponse:
    current = adj.adjustment_settings()
    form = SettingsForm(
        request.POST if request.POST.get("form") == "settings" else None, instance=current
    )
    reason_form = ReasonForm(request.POST if request.POST.get("form") == "reason" else None)
    if request.method == "POST":
        if form.is_bound and form.is_valid():
            adj.update_settings(by=request.user, **form.cleaned_data)  # type: ignore[arg-type]
            messages.success(request, "Approval thresholds saved.")
            return redirect("adjustments:setup")
        if reason_form.is_bound and reason_form.is_valid():
            try:
                adj.add_reason(by=request.user, **reason_form.cleaned_data)  # type: ignore[arg-type]
            except FiscusError as refused:
                reason_form.add_error(None, refused.message)
            else:
                messages.success(request, "Reason added.")
                return redirect("adjustments:setup")
    return render(
        request,
        "adjustments/setup.html",
        {
            "form": form,
            "reason_form": reason_form,
            "reasons": Reason.objects.select_related("account").order_by("kind", "code"),
        },
    )


@require_POST
@requires("adjustments.setup")
def reason_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    reason = get_object_or_404(Reason, pk=pk)
    adj.set_reason_active(reason, not reason.active, by=request.user)  # type: ignore[arg-type]
    return redirect("adjustments:setup")


urlpatterns: list[URLPattern] = [
    path("", request_list, name="requests"),
    path("new/", request_new, name="new"),
    path("batch/", batch, name="batch"),
    path("<int:pk>/", request_detail, name="request"),
    path("<int:pk>/approve/", request_approve, name="approve"),
    path("<int:pk>/reject/", request_reject, name="reject"),
    path("<int:pk>/resubmit/", request_resubmit, name="resubmit"),
    path("<int:pk>/withdraw/", request_withdraw, name="withdraw"),
    path("<int:pk>/board-packet/", board_packet, name="board_packet"),
    path("<int:pk>/refund-letter/", refund_letter, name="refund_letter"),
    path("<int:pk>/paid/", refund_paid, name="paid"),
    path("credit-balances/", credit_balances, name="credit_balances"),
    path("refunds/", refunds, name="refunds"),
    path("refunds/new/<str:number>/", refund_new, name="refund_new"),
    path("refunds/vouchers/", vouchers_export, name="vouchers_export"),
    path("refunds/vouchers/<int:pk>/", voucher_file, name="voucher_file"),
    path("discharged/", discharged, name="discharged"),
    path("discharged/pay/<int:pk>/", discharged_pay, name="discharged_pay"),
    path("setup/", setup, name="setup"),
    path("setup/reasons/<int:pk>/toggle/", reason_toggle, name="reason_toggle"),
]

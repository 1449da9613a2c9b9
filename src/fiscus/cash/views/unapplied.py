"""Cash pages: the unapplied-cash worklist, and taking or dismissing a suggested match.

Every payment with money not applied, oldest first, with the matcher's best suggestion and its
reason. From the keyboard: j / k (or the arrow keys) move between rows, t takes the row's
suggestion, d dismisses it, Enter opens the payment.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_POST

from fiscus.cash import autoapply
from fiscus.cash.models import Match
from fiscus.cash.queries import payments_visible_to, unapplied_cash, unapplied_total
from fiscus.errors import FiscusError
from fiscus.organization.roles import requires

PER_PAGE = 100


@require_GET
@requires("cash.apply")
def worklist(request: HttpRequest) -> HttpResponse:
    payments = unapplied_cash(request.user)
    page = Paginator(payments, PER_PAGE).get_page(request.GET.get("page"))
    best: dict[int, Match] = {}
    for m in (
        Match.objects.filter(payment__in=list(page), status=Match.Status.SUGGESTED)
        .select_related("customer")
        .order_by("payment_id", "-confidence", "-id")
    ):
        best.setdefault(m.payment_id, m)
    rows = [(p, best.get(p.pk)) for p in page]
    return render(
        request,
        "cash/unapplied.html",
        {
            "page": page,
            "rows": rows,
            "total": unapplied_total(request.user),
        },
    )


def _match_for(request: HttpRequest, pk: int) -> Match:
    found = (
        Match.objects.filter(pk=pk, payment__in=payments_visible_to(request.user))
        .select_related("payment", "customer")
        .first()
    )
    if found is None:
        raise Http404("No such suggestion.")
    return found


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target.startswith("/cash/"):
        return redirect(target)
    return redirect("cash:unapplied")


@require_POST
@requires("cash.apply")
def take(request: HttpRequest, pk: int) -> HttpResponse:
    match = _match_for(request, pk)
    try:
        autoapply.take_suggestion(match, by=request.user)  # type: ignore[arg-type]
    except FiscusError as refused:
        messages.error(request, f"{match.payment.number}: {refused.message}")
    else:
        messages.success(request, f"{match.payment.number} applied as suggested.")
    return _back(request)


@require_POST
@requires("cash.apply")
def dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    match = _match_for(request, pk)
    try:
        autoapply.dismiss_suggestion(match, by=request.user)  # type: ignore[arg-type]
    except FiscusError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"Suggestion for {match.payment.number} dismissed.")
    return _back(request)


@require_POST
@requires("cash.apply")
def rematch(request: HttpRequest) -> HttpResponse:
    payments = list(unapplied_cash(request.user)[:2000])
    result = autoapply.rematch(payments, by=request.user)  # type: ignore[arg-type]
    messages.success(
        request,
        f"Matched again {result.count} payment(s): {result.applied} applied, "
        f"{result.suggested} suggested, {result.unmatched} still without a match.",
    )
    return redirect("cash:unapplied")


urlpatterns: list[URLPattern] = [
    path("unapplied/", worklist, name="unapplied"),
    path("unapplied/rematch/", rematch, name="rematch"),
    path("suggestions/<int:pk>/take/", take, name="take"),
    path("suggestions/<int:pk>/dismiss/", dismiss, name="dismiss"),
]

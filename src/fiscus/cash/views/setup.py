"""Cash pages: the agency's cash-application settings (allocation order, auto-apply threshold)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_http_methods

from fiscus.cash import services
from fiscus.cash.forms import SettingsForm
from fiscus.cash.models import BankAccount, PayerAlias
from fiscus.errors import FiscusError
from fiscus.organization.roles import requires


@require_http_methods(["GET", "POST"])
@requires("cash.setup")
def settings_page(request: HttpRequest) -> HttpResponse:
    current = services.cash_settings()
    form = SettingsForm(
        request.POST or None,
        initial={
            "allocation_policy": current.allocation_policy,
            "auto_apply_threshold": current.auto_apply_threshold,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_cash_settings(by=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except FiscusError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, "Cash settings saved.")
            return redirect("cash:settings")
    return render(
        request,
        "cash/settings.html",
        {
            "form": form,
            "aliases": PayerAlias.objects.select_related("customer")[:200],
            "bank_accounts": BankAccount.objects.select_related("fund"),
        },
    )


urlpatterns: list[URLPattern] = [path("settings/", settings_page, name="settings")]

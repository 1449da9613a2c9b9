"""Cash pages: the agency's cash-application settings (allocation order, auto-apply threshold)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_http_methods

from fiscus.cash import services
from fiscus.cash.forms import CustomerPolicyForm, SettingsForm
from fiscus.cash.models import AllocationPolicy, BankAccount, CustomerCashPreference, PayerAlias
from fiscus.customers.models import Customer
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
            "policy_form": CustomerPolicyForm(),
            "preferences": CustomerCashPreference.objects.select_related("customer")[:200],
        },
    )


@require_http_methods(["POST"])
@requires("cash.setup")
def customer_policy(request: HttpRequest) -> HttpResponse:
    form = CustomerPolicyForm(request.POST)
    customer = None
    if form.is_valid():
        customer = Customer.objects.filter(number=form.cleaned_data["customer"].strip()).first()
    if customer is None:
        messages.error(request, "No customer has that number.")
        return redirect("cash:settings")
    policy = form.cleaned_data["allocation_policy"]
    services.set_customer_policy(customer, policy, by=request.user)  # type: ignore[arg-type]
    label = AllocationPolicy(policy).label if policy else "the agency's order"
    messages.success(request, f"{customer}: payments are applied by {label}.")
    return redirect("cash:settings")


urlpatterns: list[URLPattern] = [
    path("settings/", settings_page, name="settings"),
    path("settings/customer-policy/", customer_policy, name="customer_policy"),
]

"""The customer pages: list, account, create, edit, history. Thin: forms check, services write."""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as ModelValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_tables2 import RequestConfig

from fiscus.customers import queries, services
from fiscus.customers.filters import CustomerFilter
from fiscus.customers.forms import (
    AddressForm,
    ContactForm,
    CreateCustomerForm,
    EditCustomerForm,
    NoteForm,
    snapshot,
)
from fiscus.customers.models import Customer
from fiscus.customers.tables import EXPORT_HEADERS, CustomerTable, export_rows
from fiscus.organization.roles import can, requires
from fiscus.reports.exports import export_response

PER_PAGE = 50
NOTES_SHOWN = 100
SERVICE_ERROR_FIELDS = {"bad_tax_id": "tax_id", "name_required": "name", "empty_note": "text"}


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _service_error(form: BaseForm, error: Exception) -> None:
    """Put a service's sentence beside the field it is about (or above the form)."""
    if isinstance(error, ModelValidationError):
        for message in error.messages:
            form.add_error(None, message)
        return
    code = getattr(error, "code", "")
    field = SERVICE_ERROR_FIELDS.get(code)
    form.add_error(field if field in form.fields else None, str(getattr(error, "message", error)))


@require_GET
@requires("customers.view")
@vary_on_headers("HX-Request")
def customer_list(request: HttpRequest) -> HttpResponse:
    filters = CustomerFilter(
        request.GET, queryset=queries.customer_list(request.user), user=request.user
    )
    export = request.GET.get("export")
    if export in ("xlsx", "csv"):
        if not can(request.user, "reports.export"):
            raise PermissionDenied("Needs reports.export")
        return export_response(
            request,
            export,
            name="customers",
            title="Customers",
            headers=EXPORT_HEADERS,
            rows=export_rows(filters.qs),
        )
    table = CustomerTable(filters.qs, request=request)
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    template = "customers/list.html#rows" if request.htmx else "customers/list.html"  # type: ignore[attr-defined]
    return render(request, template, {"filter": filters, "table": table})


def _detail(request: HttpRequest, customer: Customer, **extra: Any) -> HttpResponse:
    context = {
        "customer": customer,
        "addresses": list(customer.addresses.all()),
        "contacts": list(customer.contacts.all()),
        "notes": list(customer.notes.select_related("by")[: NOTES_SHOWN + 1]),
        "notes_shown": NOTES_SHOWN,
        "account": queries.customer_account(
            customer,
            open_limit=None if request.GET.get("open") == "all" else queries.OPEN_ITEMS_SHOWN,
        ),
        "note_form": NoteForm(),
        "discharged": _discharged(customer),
        **extra,
    }
    return render(request, "customers/detail.html", context)


def _discharged(customer: Customer) -> list[Any]:
    """The customer's written-off items: discharged, still theirs to pay (Gov. Code 25259)."""
    from fiscus.adjustments.models import Line
    from fiscus.adjustments.services import discharged

    return list(discharged(Line.objects.filter(customer=customer))[:50])


@require_GET
@requires("customers.view")
def customer_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _detail(request, queries.customer_for(request.user, number))


@require_POST
@requires("customers.unmask_tax_id")
def reveal_tax_id(request: HttpRequest, number: str) -> HttpResponse:
    """Show the full tax id; the service audits every unmasking."""
    customer = queries.customer_for(request.user, number)
    clear = services.reveal_tax_id(customer, by=request.user, ip=_ip(request))  # type: ignore[arg-type]
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request, "customers/detail.html#tax_id", {"customer": customer, "tax_id_clear": clear}
        )
    return _detail(request, customer, tax_id_clear=clear)


@require_http_methods(["GET", "POST"])
@requires("customers.edit")
def customer_create(request: HttpRequest) -> HttpResponse:
    form = CreateCustomerForm(request.POST or None)
    duplicates: list[Customer] = []
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.create_customer(
                by=request.user,  # type: ignore[arg-type]
                fields=form.customer_fields(),
                tax_id=form.cleaned_data["tax_id"],
                address=form.address(),
                contact=form.contact(),
                confirm_duplicate=form.cleaned_data["confirm_duplicate"],
            )
        except services.LikelyDuplicate as e:
            duplicates = e.matches
        except (services.CustomerError, ModelValidationError) as e:
            _service_error(form, e)
        else:
            messages.success(request, f"Customer {customer.number} {customer.name} created.")
            return redirect(customer)
    return render(request, "customers/create.html", {"form": form, "duplicates": duplicates})


def _edit(request: HttpRequest, customer: Customer, **forms: Any) -> HttpResponse:
    context = {
        "customer": customer,
        "form": forms.get("form") or EditCustomerForm(instance=copy.copy(customer)),
        "address_form": forms.get("address_form") or AddressForm(),
        "contact_form": forms.get("contact_form") or ContactForm(),
        "addresses": list(customer.addresses.all()),
        "contacts": list(customer.contacts.all()),
    }
    return render(request, "customers/edit.html", context)


@require_http_methods(["GET", "POST"])
@requires("customers.edit")
def customer_edit(request: HttpRequest, number: str) -> HttpResponse:
    customer = queries.customer_for(request.user, number)
    if request.method != "POST":
        return _edit(request, customer)
    before = snapshot(customer)
    form = EditCustomerForm(request.POST, instance=copy.copy(customer))
    if form.is_valid():
        changes = form.changes(before)
        tax_id = form.cleaned_data["tax_id"]
        if not changes and not tax_id:
            messages.info(request, "Nothing changed.")
            return redirect(customer)
        try:
            services.update_customer(
                customer,
                by=request.user,  # type: ignore[arg-type]
                changes=changes,
                tax_id=tax_id or None,
            )
        except (services.CustomerError, ModelValidationError) as e:
            _service_error(form, e)
        else:
            messages.success(request, f"Customer {customer.number} saved.")
            return redirect(customer)
    return _edit(request, customer, form=form)


@require_POST
@requires("customers.edit")
def add_address(request: HttpRequest, number: str) -> HttpResponse:
    customer = queries.customer_for(request.user, number)
    form = AddressForm(request.POST)
    if form.is_valid():
        try:
            services.save_address(customer, by=request.user, fields=form.cleaned_data)  # type: ignore[arg-type]
        except (services.CustomerError, ModelValidationError) as e:
            _service_error(form, e)
        else:
            messages.success(request, "Address added.")
            return redirect("customers:edit", number=customer.number)
    return _edit(request, customer, address_form=form)


@require_POST
@requires("customers.edit")
def add_contact(request: HttpRequest, number: str) -> HttpResponse:
    customer = queries.customer_for(request.user, number)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            services.save_contact(customer, by=request.user, fields=form.cleaned_data)  # type: ignore[arg-type]
        except (services.CustomerError, ModelValidationError) as e:
            _service_error(form, e)
        else:
            messages.success(request, "Contact added.")
            return redirect("customers:edit", number=customer.number)
    return _edit(request, customer, contact_form=form)


@require_POST
@requires("customers.edit")
def add_note(request: HttpRequest, number: str) -> HttpResponse:
    customer = queries.customer_for(request.user, number)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.add_note(customer, by=request.user, text=form.cleaned_data["text"])  # type: ignore[arg-type]
        except services.CustomerError as e:
            _service_error(form, e)
        else:
            messages.success(request, "Note added.")
            return redirect(customer.get_absolute_url() + "#notes")
    return _detail(request, customer, note_form=form)


@require_GET
@requires("customers.view")
def customer_history(request: HttpRequest, number: str) -> HttpResponse:
    customer = queries.customer_for(request.user, number)
    return render(
        request,
        "customers/history.html",
        {"customer": customer, "records": queries.change_history(customer)},
    )

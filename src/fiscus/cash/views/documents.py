"""Cash documents: a payment's receipt and a closed deposit's slip, as PDFs (cash.view).

A department biller sees only their departments' payments and deposits (404 elsewhere). An open
deposit has no slip yet: the page says to close it first (409). Thin: fiscus.cash.documents
renders and audits each print.
"""

from __future__ import annotations

from typing import cast

from django.contrib.auth.models import AbstractBaseUser
from django.http import Http404, HttpRequest, HttpResponse
from django.template import engines
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from fiscus.cash.documents import (
    DocumentError,
    print_deposit_slip,
    print_receipt,
    receipt_file_name,
    slip_file_name,
)
from fiscus.cash.queries import deposits_visible_to, payments_visible_to
from fiscus.organization.roles import requires

# the page for a document that cannot be printed yet (an open deposit's slip)
REFUSED = """{% extends "web/base.html" %}
{% block title %}{{ heading }}{% endblock %}
{% block content %}
<div class="card">
  <h1>{{ heading }}</h1>
  <p class="error">{{ message }}</p>
  {% if back %}<p><a href="{{ back }}">Back to {{ back_label }}</a>.</p>{% endif %}
</div>
{% endblock %}"""


def _user(request: HttpRequest) -> AbstractBaseUser:
    """The signed-in user (every view here requires a capability, so never anonymous)."""
    return cast(AbstractBaseUser, request.user)


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def _refused(
    request: HttpRequest, refused: DocumentError, back: str, back_label: str
) -> HttpResponse:
    """The sentence instead of the PDF: 409 for a deposit still open (close it, then print),
    500 for an agency template that does not render (the sentence names the template)."""
    page = engines["django"].from_string(REFUSED)
    context = {
        "heading": "No deposit slip yet" if refused.code == "deposit_open" else "Cannot print",
        "message": refused.message,
        "back": back,
        "back_label": back_label,
    }
    status = 409 if refused.code == "deposit_open" else 500
    return HttpResponse(page.render(context, request), status=status)


@require_GET
@requires("cash.view")
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    payment = payments_visible_to(request.user).filter(pk=pk).first()
    if payment is None:
        raise Http404("No payment with that id.")
    try:
        pdf = print_receipt(payment, by=_user(request))
    except DocumentError as refused:
        return _refused(request, refused, payment.get_absolute_url(), f"payment {payment}")
    return _pdf(pdf, receipt_file_name(payment))


@require_GET
@requires("cash.view")
def slip(request: HttpRequest, pk: int) -> HttpResponse:
    deposit = deposits_visible_to(request.user).filter(pk=pk).first()
    if deposit is None:
        raise Http404("No deposit with that id.")
    try:
        pdf = print_deposit_slip(deposit, by=_user(request))
    except DocumentError as refused:
        return _refused(request, refused, deposit.get_absolute_url(), f"deposit {deposit}")
    return _pdf(pdf, slip_file_name(deposit))


urlpatterns: list[URLPattern] = [
    path("payments/<int:pk>/receipt.pdf", receipt, name="receipt"),
    path("deposits/<int:pk>/slip.pdf", slip, name="slip"),
]

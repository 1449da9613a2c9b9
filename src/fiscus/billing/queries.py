"""Reads of the invoice pages: what a user may see, one invoice for an action, the review queue."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from fiscus.billing.models import Attachment, Invoice, InvoiceBatch, InvoiceStatus
from fiscus.organization.roles import department_scope


def invoices_visible_to(user: Any) -> QuerySet[Invoice]:
    """Every invoice, or a department biller's departments' only."""
    invoices = Invoice.objects.select_related("customer", "department", "terms")
    scope = department_scope(user)
    if scope is not None:
        invoices = invoices.filter(department_id__in=scope)
    return invoices


def invoice_for(user: Any, pk: int) -> Invoice:
    """One invoice the user may see; 404 outside their departments (the role check is the
    view's: 403 when the role cannot act)."""
    found = invoices_visible_to(user).select_related("batch", "item").filter(pk=pk).first()
    if found is None:
        raise Http404("No invoice with that id.")
    return found


def batches_visible_to(user: Any) -> QuerySet[InvoiceBatch]:
    batches = InvoiceBatch.objects.select_related("department", "created_by")
    scope = department_scope(user)
    if scope is not None:
        batches = batches.filter(department_id__in=scope)
    return batches


def batch_for(user: Any, pk: int) -> InvoiceBatch:
    found = batches_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404("No batch with that id.")
    return found


def attachment_for(user: Any, pk: int) -> Attachment:
    """An attachment, with the same access as its invoice."""
    found = (
        Attachment.objects.select_related("invoice")
        .filter(pk=pk, invoice__in=invoices_visible_to(user).values("pk"))
        .first()
    )
    if found is None:
        raise Http404("No attachment with that id.")
    return found


def review_queue(user: Any) -> QuerySet[Invoice]:
    """Submitted invoices waiting for a reviewer, oldest submission first."""
    return (
        invoices_visible_to(user)
        .filter(status=InvoiceStatus.SUBMITTED)
        .select_related("submitted_by")
        .order_by("submitted_at", "id")
    )

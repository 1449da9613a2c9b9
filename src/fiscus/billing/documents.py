"""Invoice documents: the PDF of a posted invoice, e-mailed or printed in batches.

Rendering is Typst (`typst` on PyPI). The template receives its data ONLY as JSON through
`sys.inputs.data`: customer text is never pasted into markup, so a name like `#1 <b>$[x]</b>`
prints as written. Amounts arrive as strings formatted by fiscus.money.fmt (no floats). The
template is the agency's TEMPLATE_OVERRIDE_DIR/invoice.typ when that file exists, else Fiscus's
own (fiscus/billing/typst/invoice.typ). A batch of invoices is one Typst compile (one page group
per invoice); very large batches compile in chunks that pypdf joins.

The data each invoice gives the template (all strings unless noted):
    number, customer_number, customer_name, bill_to (list of lines), invoice_date, due_date,
    terms, reference, description, department, lines (list of {code, description, period,
    quantity, unit_price, amount}), subtotal, tax, total, paid ("" when nothing was paid),
    amount_due
and the agency: name, address (lines), phone, email, website, remit_to (lines), logo (a list of
byte values, or null).

Sending: `send_invoice` audits "invoice.sent" with the address and e-mails the PDF once the
transaction commits; `print_batch` audits "invoice.printed" and returns one PDF in postal-code
order. An invoice counts as sent once either event exists for it (`unsent_invoices`).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Prefetch, QuerySet
from django.db.models.functions import Cast

from fiscus import audit, money, typesetting
from fiscus.audit.models import AuditEvent
from fiscus.billing.models import Invoice, InvoiceLine, InvoiceStatus
from fiscus.customers.models import Address
from fiscus.organization.models import Agency
from fiscus.organization.services import agency as the_agency
from fiscus.typesetting import DocumentError

log = logging.getLogger(__name__)

BUILT_IN = Path(__file__).resolve().parent / "typst" / "invoice.typ"
CHUNK = 500  # invoices per Typst compile; larger batches are joined with pypdf
SENT_ACTIONS = ("invoice.sent", "invoice.printed")
INVOICE_TYPE = Invoice._meta.label_lower


# --- rendering ----------------------------------------------------------------------------------


def template_path() -> Path:
    """The agency's invoice.typ in TEMPLATE_OVERRIDE_DIR if it has one, else Fiscus's."""
    return typesetting.template_path(BUILT_IN)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _date(value: date | None) -> str:
    return f"{value:%m/%d/%Y}" if value else ""


def _quantity(value: Decimal) -> str:
    """1.000 -> "1", 2.500 -> "2.5": quantities print without trailing zeros."""
    text = f"{value:,.3f}".rstrip("0").rstrip(".")
    return text or "0"


def _period(line: InvoiceLine) -> str:
    if line.service_from and line.service_to and line.service_from != line.service_to:
        return f"{_date(line.service_from)} - {_date(line.service_to)}"
    return _date(line.service_from or line.service_to)


def bill_to_address(addresses: Sequence[Address]) -> Address | None:
    """The billing address (primary first), else a mailing address, else any address."""
    for kind in (Address.Kind.BILLING, Address.Kind.MAILING):
        found = [a for a in addresses if a.kind == kind]
        if found:
            return sorted(found, key=lambda a: (not a.is_primary, a.pk))[0]
    return addresses[0] if addresses else None


def _address_lines(address: Address | None) -> list[str]:
    if address is None:
        return []
    city = f"{address.city}, {address.state} {address.postal_code}".strip(", ")
    return [x for x in (address.line1, address.line2, city) if x]


def agency_data(agency: Agency | None = None) -> dict[str, Any]:
    """The letterhead and remit-to address every document prints."""
    agency = agency or the_agency()
    address = _lines(agency.address)
    logo: list[int] | None = None
    if agency.logo:
        try:
            with agency.logo.open("rb") as f:
                logo = list(f.read())
        except OSError:  # a missing logo file must not stop the invoices
            log.warning("The agency logo %s cannot be read; printing without it.", agency.logo)
    return {
        "name": agency.name,
        "address": address,
        "phone": agency.phone,
        "email": agency.email,
        "website": agency.website,
        "remit_to": _lines(agency.remit_to) or [agency.name, *address],
        "logo": logo,
    }


def invoice_data(invoice: Invoice) -> dict[str, Any]:
    """What the template prints for one posted invoice (strings only)."""
    lines = list(invoice.lines.all())
    subtotal = sum((ln.amount for ln in lines), money.ZERO)
    due = invoice.item.open_amount if invoice.item else invoice.total
    paid = invoice.total - due
    return {
        "number": invoice.number or "",
        "customer_number": invoice.customer.number,
        "customer_name": invoice.customer.name,
        "bill_to": _address_lines(bill_to_address(list(invoice.customer.addresses.all()))),
        "invoice_date": _date(invoice.invoice_date),
        "due_date": _date(invoice.due_date),
        "terms": invoice.terms.name,
        "reference": invoice.reference,
        "description": invoice.description,
        "department": invoice.department.name,
        "lines": [
            {
                "code": ln.charge_code.code,
                "description": ln.description or ln.charge_code.description,
                "period": _period(ln),
                "quantity": _quantity(ln.quantity),
                "unit_price": money.fmt(ln.unit_price),
                "amount": money.fmt(ln.amount),
            }
            for ln in lines
        ],
        "subtotal": money.fmt(subtotal),
        "tax": money.fmt(invoice.tax_total),
        "total": money.fmt(invoice.total),
        "paid": money.fmt(paid) if paid else "",
        "amount_due": money.fmt(due),
    }


def with_documents(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Everything a document prints, in a fixed number of queries."""
    return invoices.select_related("customer", "department", "terms", "item").prefetch_related(
        Prefetch("lines", InvoiceLine.objects.select_related("charge_code").order_by("line_no")),
        "customer__addresses",
    )


def _posted(invoices: Iterable[Invoice]) -> list[Invoice]:
    """The invoices re-read with what they print, in the order given; refuses unposted ones."""
    ids = [i.pk for i in invoices]
    found = {i.pk: i for i in with_documents(Invoice.objects.filter(pk__in=ids))}
    result = []
    for pk in ids:
        invoice = found.get(pk)
        if invoice is None:
            raise DocumentError(f"Invoice #{pk} no longer exists.", code="missing")
        if invoice.status != InvoiceStatus.POSTED:
            raise DocumentError(
                f"Invoice #{pk} is {invoice.get_status_display().lower()}; only a posted "
                "invoice has a document.",
                code="not_posted",
            )
        result.append(invoice)
    return result


def _compile(payload: dict[str, Any]) -> bytes:
    return typesetting.compile_pdf(template_path(), payload, what="invoice template")


def _render(invoices: Sequence[Invoice]) -> bytes:
    agency = agency_data()
    chunks = [
        _compile({"agency": agency, "invoices": [invoice_data(i) for i in invoices[n : n + CHUNK]]})
        for n in range(0, len(invoices), CHUNK)
    ]
    if len(chunks) == 1:
        return chunks[0]
    from pypdf import PdfWriter

    writer = PdfWriter()
    for chunk in chunks:
        writer.append(io.BytesIO(chunk))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_invoice_pdf(invoice: Invoice) -> bytes:
    """The PDF of one posted invoice."""
    return _render(_posted([invoice]))


def render_invoices_pdf(invoices: Iterable[Invoice]) -> bytes:
    """One PDF of many posted invoices, in the order given, one page group each (print
    batches). One Typst compile per CHUNK invoices."""
    posted = _posted(invoices)
    if not posted:
        raise DocumentError("Choose at least one invoice.", code="empty")
    return _render(posted)


def file_name(invoice: Invoice) -> str:
    return f"{invoice.number or f'invoice-{invoice.pk}'}.pdf"


# --- delivery -----------------------------------------------------------------------------------


def _address_for(invoice: Invoice, to: str | None) -> str:
    address = (to or invoice.customer.email or "").strip()
    if not address:
        raise DocumentError(
            f"Customer {invoice.customer.number} {invoice.customer.name} has no e-mail address; "
            "add one to the customer or print the invoice.",
            code="no_email",
        )
    try:
        validate_email(address)
    except ValidationError:
        raise DocumentError(f"“{address}” is not an e-mail address.", code="bad_email") from None
    return address


def _message(invoice: Invoice, address: str, pdf: bytes, agency: Agency) -> EmailMessage:
    due = invoice.item.open_amount if invoice.item else invoice.total
    remit = _lines(agency.remit_to) or [agency.name, *_lines(agency.address)]
    contact = " or ".join(x for x in (agency.phone, agency.email) if x)
    body = [
        f"Dear {invoice.customer.name},",
        "",
        f"Attached is invoice {invoice.number} of {invoice.invoice_date:%m/%d/%Y} for "
        f"{money.fmt(invoice.total)}. The amount due is {money.fmt(due)}, "
        f"due {invoice.due_date:%m/%d/%Y}.",
        "",
        "Please send your payment, with the stub at the bottom of the invoice, to:",
        *(f"  {line}" for line in remit),
        "",
    ]
    if contact:
        body += [f"Questions about this invoice: {contact}.", ""]
    body.append(agency.name)
    message = EmailMessage(
        subject=f"Invoice {invoice.number} from {agency.name}",
        body="\n".join(body),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        reply_to=[agency.email] if agency.email else None,
    )
    message.attach(file_name(invoice), pdf, "application/pdf")
    return message


def _deliver_after_commit(message: EmailMessage, invoice: Invoice, by: AbstractBaseUser) -> None:
    """Send once the audit event is committed. A failure is logged and audited
    ("invoice.send_failed") instead of breaking the clerk's request."""
    try:
        message.send()
    except Exception as error:
        log.exception("Invoice %s could not be e-mailed to %s", invoice.number, message.to)
        audit.record("invoice.send_failed", invoice, by=by, to=message.to[0], error=str(error))


def send_invoice(invoice: Invoice, *, by: AbstractBaseUser, to: str | None = None) -> None:
    """E-mail a posted invoice's PDF to the customer's address (or `to`). The message leaves
    after the transaction commits; the send is audited ("invoice.sent" with the address)."""
    invoice = _posted([invoice])[0]
    address = _address_for(invoice, to)
    pdf = _render([invoice])  # before the transaction: a broken template refuses, nothing sent
    message = _message(invoice, address, pdf, the_agency())
    with transaction.atomic():
        audit.record("invoice.sent", invoice, by=by, to=address, total=invoice.total)
        transaction.on_commit(lambda: _deliver_after_commit(message, invoice, by))


@dataclass
class SendResult:
    sent: list[Invoice] = field(default_factory=list)
    refused: list[tuple[Invoice, str]] = field(default_factory=list)


def send_invoices(
    invoices: Iterable[Invoice],
    *,
    by: AbstractBaseUser,
    progress: Callable[[int, int], None] | None = None,
) -> SendResult:
    """E-mail each invoice to its customer; those that cannot go (no e-mail address, not
    posted) are refused with the reason and the rest still go."""
    result = SendResult()
    chosen = list(invoices)
    for n, invoice in enumerate(chosen, 1):
        try:
            send_invoice(invoice, by=by)
        except DocumentError as refused:
            result.refused.append((invoice, refused.message))
        else:
            result.sent.append(invoice)
        if progress:
            progress(n, len(chosen))
    return result


def postal_order(invoices: Iterable[Invoice]) -> list[Invoice]:
    """Invoices by the postal code they are mailed to, then customer name and number."""

    def key(invoice: Invoice) -> tuple[str, str, str, str]:
        address = bill_to_address(list(invoice.customer.addresses.all()))
        postal = address.postal_code if address else "~"  # no address: at the end
        return (
            postal,
            invoice.customer.name.casefold(),
            invoice.customer.number,
            invoice.number or "",
        )

    return sorted(invoices, key=key)


def print_batch(invoices: Iterable[Invoice], *, by: AbstractBaseUser) -> bytes:
    """One PDF of the invoices for mailing, sorted by postal code then customer; each invoice
    is audited "invoice.printed"."""
    posted = postal_order(_posted(invoices))
    if not posted:
        raise DocumentError("Choose at least one invoice to print.", code="empty")
    pdf = _render(posted)
    with transaction.atomic():
        name = by.get_username()
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    actor_id=by.pk,
                    actor_name=name,
                    action="invoice.printed",
                    object_type=INVOICE_TYPE,
                    object_id=str(i.pk),
                    object_repr=str(i)[:200],
                    detail={"batch_size": len(posted), "total": str(i.total)},
                )
                for i in posted
            ]
        )
    return pdf


# --- reads --------------------------------------------------------------------------------------


def sent_events() -> QuerySet[AuditEvent]:
    """The events by which an invoice counts as sent (e-mailed or printed)."""
    return AuditEvent.objects.filter(object_type=INVOICE_TYPE, action__in=SENT_ACTIONS)


def unsent_invoices(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """The posted invoices among `invoices` that were neither e-mailed nor printed."""
    sent = sent_events().filter(object_id=Cast(OuterRef("pk"), CharField()))
    return invoices.filter(status=InvoiceStatus.POSTED).exclude(Exists(sent))

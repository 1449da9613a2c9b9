"""Adjustment documents: the board packet of a write-off and the refund letter to the payee.

Rendered with Typst as the returned-payment notice is (fiscus.cash.notices): the template
receives its data ONLY as JSON through `sys.inputs.data`, so a customer called `#1 *$[x]_ <b>`
prints as written. Amounts arrive as strings formatted by fiscus.money.fmt, dates as MM/DD/YYYY
(the document's own date written out). The template is the agency's
TEMPLATE_OVERRIDE_DIR/board_packet.typ (or refund_letter.typ) when that file exists, else
Fiscus's own (fiscus/adjustments/typst/).

The board packet asks the governing board to discharge the agency from accountability for the
debts a write-off (or small-balance write-off) request lists (Cal. Gov. Code 25257-25259); the
debts stay collectible. Its template gets `agency` (as the invoice's: name, address lines,
phone, email, website, remit_to lines, logo as byte values or null) and `packets`, a list of:
    number, kind (the kind's label), date (the day it is printed: "June 15, 2026"),
    effective_date, status ("Posted", "Waiting for approval"), posted (true or false),
    description (the preparer's), comment (the approver's),
    reason ({code, name, account: "6100 Bad debt expense"}),
    prepared_by, prepared_on, approved_by ("" unless approved), approved_on ("" unless
    approved), approval (one line: "Sam Jones, 06/15/2026", "Awaiting approval", or "Not
    required (within the approval threshold)"),
    lines (list of {customer_number, customer_name, item_number, document_date, due_date,
    amount}, by customer number, due date and item), count (of items), customers (how many),
    total, by_reason (list of {code, name, account, count, total})

The refund letter tells the payee a refund of a credit balance was approved (and, once accounts
payable paid it, when and by which check). Its template gets `agency` and `letters`, a list of:
    number, date (the day it is printed), customer_number, customer_name, payee_name,
    address (lines of the payee's address; may be empty), amount, reason, approved_on,
    paid (true or false), paid_on, paid_by ("check", "eft" or ""), paid_reference,
    items (list of {number, kind, date, amount: what the refund takes of that credit}), total

A packet is printed only for a write-off that is posted or waiting for approval; a letter only
for an approved (posted) refund.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.utils import timezone

from fiscus import money, typesetting
from fiscus.adjustments.models import DISCHARGING, Kind, Line, Request, Status
from fiscus.billing.documents import agency_data
from fiscus.typesetting import DocumentError

TYPST_DIR = Path(__file__).resolve().parent / "typst"
BOARD_PACKET = "board_packet.typ"
REFUND_LETTER = "refund_letter.typ"


def packet_template_path() -> Path:
    """The agency's board_packet.typ in TEMPLATE_OVERRIDE_DIR if it has one, else Fiscus's."""
    return typesetting.template_path(TYPST_DIR / BOARD_PACKET)


def refund_letter_template_path() -> Path:
    """The agency's refund_letter.typ in TEMPLATE_OVERRIDE_DIR if it has one, else Fiscus's."""
    return typesetting.template_path(TYPST_DIR / REFUND_LETTER)


def _date(value: date | None) -> str:
    return f"{value:%m/%d/%Y}" if value else ""


def _day(value: datetime | None) -> str:
    return _date(timezone.localdate(value)) if value else ""


def _long_date(value: date) -> str:
    return f"{value:%B} {value.day}, {value.year}"


def _person(user: Any) -> str:
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())


def _fresh(request: Request) -> Request:
    return Request.objects.select_related(
        "reason__account", "customer", "prepared_by", "decided_by"
    ).get(pk=request.pk)


def _lines(request: Request) -> list[Line]:
    return list(
        Line.objects.filter(request=request)
        .select_related("item", "customer")
        .order_by("customer__number", "item__due_date", "item__number", "id")
    )


# --- the board packet ---------------------------------------------------------------------------


def _approval(request: Request) -> str:
    if request.decided_by_id is not None and request.status == Status.POSTED:
        return f"{_person(request.decided_by)}, {_day(request.decided_at)}"
    if request.status == Status.POSTED:
        return "Not required (within the approval threshold)"
    return "Awaiting approval"


def packet_data(request: Request) -> dict[str, Any]:
    """What the board packet prints for one write-off request (amounts and dates as strings)."""
    lines = _lines(request)
    reason = request.reason
    account = str(reason.account) if reason.account else ""
    total = money.cents(sum((ln.amount for ln in lines), money.ZERO))
    approved = request.status == Status.POSTED and request.decided_by_id is not None
    return {
        "number": request.number,
        "kind": Kind(request.kind).label,
        "date": _long_date(timezone.localdate()),
        "effective_date": _date(request.effective_date),
        "status": Status(request.status).label,
        "posted": request.status == Status.POSTED,
        "description": request.description,
        "comment": request.comment if approved else "",
        "reason": {"code": reason.code, "name": reason.name, "account": account},
        "prepared_by": _person(request.prepared_by),
        "prepared_on": _day(request.prepared_at),
        "approved_by": _person(request.decided_by) if approved else "",
        "approved_on": _day(request.decided_at) if approved else "",
        "approval": _approval(request),
        "lines": [
            {
                "customer_number": ln.customer.number,
                "customer_name": ln.customer.name,
                "item_number": ln.item.number,
                "document_date": _date(ln.item.document_date),
                "due_date": _date(ln.item.due_date),
                "amount": money.fmt(ln.amount),
            }
            for ln in lines
        ],
        "count": str(len(lines)),
        "customers": str(len({ln.customer_id for ln in lines})),
        "total": money.fmt(total),
        # one reason per request today; a list, so a packet of several requests reads the same
        "by_reason": [
            {
                "code": reason.code,
                "name": reason.name,
                "account": account,
                "count": str(len(lines)),
                "total": money.fmt(total),
            }
        ],
    }


def render_board_packet_pdf(request: Request) -> bytes:
    """The board packet of a write-off request, posted or waiting for approval."""
    request = _fresh(request)
    if request.kind not in DISCHARGING:
        raise DocumentError(
            f"{request.number} is a {Kind(request.kind).label.lower()}; only a write-off goes to "
            "the board for discharge from accountability.",
            code="not_write_off",
        )
    if request.status not in {Status.POSTED, Status.PENDING}:
        raise DocumentError(
            f"Request {request.number} is {Status(request.status).label.lower()}; only a "
            "write-off that is posted or waiting for approval has a board packet.",
            code="not_pending",
        )
    payload = {"agency": agency_data(), "packets": [packet_data(request)]}
    return typesetting.compile_pdf(packet_template_path(), payload, what="board packet template")


def packet_file_name(request: Request) -> str:
    return f"board-packet-{request.number}.pdf"


# --- the refund letter --------------------------------------------------------------------------


def _address(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def refund_letter_data(request: Request) -> dict[str, Any]:
    """What the refund letter prints for one refund (amounts and dates as strings)."""
    lines = sorted(_lines(request), key=lambda ln: (ln.item.document_date, ln.item_id))
    customer = request.customer
    approved_at = request.decided_at if request.decided_by_id is not None else request.posted_at
    paid = request.paid_on is not None
    return {
        "number": request.number,
        "date": _long_date(timezone.localdate()),
        "customer_number": customer.number if customer else "",
        "customer_name": customer.name if customer else "",
        "payee_name": request.payee_name,
        "address": _address(request.payee_address),
        "amount": money.fmt(request.total),
        "reason": request.reason.name,
        "approved_on": _day(approved_at),
        "paid": paid,
        "paid_on": _date(request.paid_on),
        "paid_by": request.paid_by if paid else "",
        "paid_reference": request.paid_reference if paid else "",
        "items": [
            {
                "number": ln.item.number,
                "kind": ln.item.get_kind_display(),
                "date": _date(ln.item.document_date),
                "amount": money.fmt(ln.amount),
            }
            for ln in lines
        ],
        "total": money.fmt(sum((ln.amount for ln in lines), money.ZERO)),
    }


def render_refund_letter_pdf(request: Request) -> bytes:
    """The letter to the payee of an approved refund."""
    request = _fresh(request)
    if request.kind != Kind.REFUND:
        raise DocumentError(
            f"{request.number} is a {Kind(request.kind).label.lower()}, not a refund; it has no "
            "refund letter.",
            code="not_refund",
        )
    if request.status != Status.POSTED:
        raise DocumentError(
            f"Refund {request.number} is {Status(request.status).label.lower()}; the letter is "
            "sent once the refund is approved.",
            code="not_approved",
        )
    payload = {"agency": agency_data(), "letters": [refund_letter_data(request)]}
    return typesetting.compile_pdf(
        refund_letter_template_path(), payload, what="refund letter template"
    )


def refund_letter_file_name(request: Request) -> str:
    return f"refund-letter-{request.number}.pdf"

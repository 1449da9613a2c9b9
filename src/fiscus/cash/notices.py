"""The returned-payment notice: the letter to the customer when a payment comes back (NSF, stop
payment, closed account, ACH return).

Rendered with Typst as the receipt is (fiscus.cash.documents): the template receives its data
ONLY as JSON through `sys.inputs.data`, so a customer called `#1 *$[x]_ <b>` prints as written.
Amounts arrive as strings formatted by fiscus.money.fmt, dates as MM/DD/YYYY (the letter's own
date written out). The template is the agency's TEMPLATE_OVERRIDE_DIR/returned_notice.typ when
that file exists, else Fiscus's own (fiscus/cash/typst/returned_notice.typ).

The data the template gets: `agency` (as the invoice's: name, address lines, phone, email,
website, remit_to lines, logo as byte values or null) and `notices`, a list of:
    number (the return's, RET-...), date (the day it is printed: "March 17, 2026"),
    customer_number ("" for a payment nobody was identified for), customer_name (else the
    payer), address (lines of the mailing address, else the billing address; may be empty),
    payment ({number, method, check_number, bank_account (masked), reference, received_on,
    amount}), returned_on, reason (the reason's label; the return's note for "other"),
    ach_code ("" unless an ACH return),
    reopened (list of {number, description, due_date, amount: what the returned payment had
    paid on it, open_amount: what it owes now}), reopened_total (sum of amount),
    credit_removed (the part of the payment that was held as a credit on the account, or ""),
    fee ({number, amount, due_date, open_amount}, or null when no fee was charged),
    total_due (the open amounts of the reopened items and the fee, now),
    cash_only_until (MM/DD/YYYY, or ""), cash_only_for_good (true or false)

`print_returned_notice` renders and audits "payment.return_notice_printed". A return that was
redeposited and cleared has no notice: nothing is owed because of it any more.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from fiscus import audit, money, typesetting
from fiscus.billing.documents import agency_data
from fiscus.cash.models import ReturnedPayment, ReturnReason
from fiscus.customers.models import Address, Customer
from fiscus.receivables.models import Item
from fiscus.typesetting import DocumentError

TYPST_DIR = Path(__file__).resolve().parent / "typst"
RETURNED_NOTICE = "returned_notice.typ"


def template_path() -> Path:
    """The agency's returned_notice.typ in TEMPLATE_OVERRIDE_DIR if it has one, else Fiscus's."""
    return typesetting.template_path(TYPST_DIR / RETURNED_NOTICE)


def _date(value: date | None) -> str:
    return f"{value:%m/%d/%Y}" if value else ""


def _long_date(value: date) -> str:
    return f"{value:%B} {value.day}, {value.year}"


def _address(customer: Customer | None) -> list[str]:
    """The lines of the address a letter goes to: mailing (the primary first), else billing,
    else any."""
    if customer is None:
        return []
    addresses = list(customer.addresses.all())
    chosen: Address | None = None
    for kind in (Address.Kind.MAILING, Address.Kind.BILLING):
        found = [a for a in addresses if a.kind == kind]
        if found:
            chosen = sorted(found, key=lambda a: (not a.is_primary, a.pk))[0]
            break
    chosen = chosen or (addresses[0] if addresses else None)
    if chosen is None:
        return []
    city = f"{chosen.city}, {chosen.state} {chosen.postal_code}".strip(", ")
    return [x for x in (chosen.line1, chosen.line2, city) if x]


def _reopened(returned: ReturnedPayment) -> list[tuple[Item, Decimal]]:
    """The items the return opened again with what the payment had paid on each (one row per
    item, in the order the payment was applied)."""
    paid: dict[int, Decimal] = {}
    for row in returned.reversed:
        key = int(row["item"])
        paid[key] = paid.get(key, money.ZERO) + Decimal(row["amount"])
    items = Item.objects.in_bulk(list(paid))
    return [(items[key], amount) for key, amount in paid.items()]


def notice_data(returned: ReturnedPayment) -> dict[str, Any]:
    """What the notice prints for one return (amounts and dates as strings)."""
    payment = returned.payment
    customer = returned.customer
    reopened = _reopened(returned)
    reopened_total = sum((amount for _, amount in reopened), money.ZERO)
    credit_removed = returned.amount - reopened_total
    fee = returned.fee_item
    total_due = sum((item.open_amount for item, _ in reopened), money.ZERO)
    if fee is not None:
        total_due += fee.open_amount
    if returned.reason == ReturnReason.OTHER and returned.note:
        reason = returned.note
    else:
        reason = returned.get_reason_display()
    return {
        "number": returned.number,
        "date": _long_date(timezone.localdate()),
        "customer_number": customer.number if customer else "",
        "customer_name": customer.name if customer else payment.payer,
        "address": _address(customer),
        "payment": {
            "number": payment.number,
            "method": payment.get_method_display(),
            "check_number": payment.check_number,
            "bank_account": payment.bank_account,
            "reference": payment.reference,
            "received_on": _date(payment.received_on),
            "amount": money.fmt(payment.amount),
        },
        "returned_on": _date(returned.returned_on),
        "reason": reason,
        "ach_code": returned.ach_code,
        "reopened": [
            {
                "number": item.number,
                "description": item.description,
                "due_date": _date(item.due_date),
                "amount": money.fmt(amount),
                "open_amount": money.fmt(item.open_amount),
            }
            for item, amount in reopened
        ],
        "reopened_total": money.fmt(reopened_total),
        "credit_removed": money.fmt(credit_removed) if credit_removed > 0 else "",
        "fee": (
            {
                "number": fee.number,
                "amount": money.fmt(fee.amount),
                "due_date": _date(fee.due_date),
                "open_amount": money.fmt(fee.open_amount),
            }
            if fee is not None
            else None
        ),
        "total_due": money.fmt(total_due),
        "cash_only_until": "" if returned.cash_only_for_good else _date(returned.cash_only_until),
        "cash_only_for_good": returned.cash_only_for_good,
    }


def _fresh(returned: ReturnedPayment) -> ReturnedPayment:
    return (
        ReturnedPayment.objects.select_related("payment", "customer", "fee_item")
        .prefetch_related("customer__addresses")
        .get(pk=returned.pk)
    )


def render_returned_notice_pdf(returned: ReturnedPayment) -> bytes:
    """The notice of one return, with the balances as they stand now."""
    returned = _fresh(returned)
    if returned.status == ReturnedPayment.Status.REDEPOSITED:
        raise DocumentError(
            f"{returned.number} was redeposited and cleared on "
            f"{_date(returned.redeposited_on)}: there is no returned-payment notice to send.",
            code="redeposited",
        )
    payload = {"agency": agency_data(), "notices": [notice_data(returned)]}
    return typesetting.compile_pdf(template_path(), payload)


def print_returned_notice(returned: ReturnedPayment, *, by: AbstractBaseUser) -> bytes:
    """The notice PDF; the print is audited ("payment.return_notice_printed")."""
    pdf = render_returned_notice_pdf(returned)  # first: a broken template refuses, no audit
    with transaction.atomic():
        audit.record(
            "payment.return_notice_printed",
            returned,
            by=by,
            payment=returned.payment.number,
            amount=returned.amount,
        )
    return pdf


def notice_file_name(returned: ReturnedPayment) -> str:
    return f"returned-payment-notice-{returned.number}.pdf"

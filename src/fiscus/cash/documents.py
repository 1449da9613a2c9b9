"""Cash documents: the receipt of a payment and the deposit slip of a closed deposit.

Rendered with Typst exactly as the invoice is (fiscus.billing.documents): the template receives
its data ONLY as JSON through `sys.inputs.data`, so a payer called `#1 *$[x]_ <b>` prints as
written. Amounts arrive as strings formatted by fiscus.money.fmt. The template is the agency's
TEMPLATE_OVERRIDE_DIR/receipt.typ (or deposit_slip.typ) when that file exists, else Fiscus's own
(fiscus/cash/typst/).

The data the receipt template gets: `agency` (as the invoice's: name, address lines, phone,
email, website, remit_to lines, logo as byte values or null) and `receipts`, a list of:
    number, received_on, status ("posted" or "unidentified"), customer_number, customer_name,
    payer, method, check_number, bank_account (masked), reference, amount, amount_words,
    applied (list of {number, description, amount}), applied_total, on_account, cashier,
    deposit, department

The deposit slip template gets `agency` and `deposits`, a list of:
    number, deposit_date, department, fund, status, cashier, closed_by, closed_at,
    bank_reference, bank_account ({name, bank_name, number} with the number masked, or null),
    checks (list of {payer, check_number, kind, amount}), groups (list of {label, count,
    total}, currency and coin, then checks and money orders, then other), count, total,
    control_count, control_total, count_difference, total_difference (each "" when the deposit
    has no control figure)

Printing (`print_receipt`, `print_deposit_slip`) renders and audits "payment.receipt_printed" or
"deposit.slip_printed". A deposit still open has no slip: its payments may still change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from fiscus import audit, money, typesetting
from fiscus.billing.documents import agency_data
from fiscus.cash.models import BankAccount, Deposit, Method, Payment
from fiscus.receivables.models import Application
from fiscus.typesetting import DocumentError

TYPST_DIR = Path(__file__).resolve().parent / "typst"
RECEIPT = "receipt.typ"
DEPOSIT_SLIP = "deposit_slip.typ"

# how a deposit slip groups what it holds: (label, methods), in the order the slip prints them
CURRENCY = (Method.CASH,)
CHECKS = (Method.CHECK, Method.MONEY_ORDER)
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Currency and coin", CURRENCY),
    ("Checks and money orders", CHECKS),
    ("Other (card, ACH, wire)", (Method.CARD, Method.ACH, Method.WIRE)),
)


# --- amounts in words ---------------------------------------------------------------------------

_ONES = [
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen"),
    *("eighteen", "nineteen"),
]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = ((10**9, "billion"), (10**6, "million"), (10**3, "thousand"))


def _below_thousand(n: int) -> list[str]:
    words = []
    if n >= 100:
        words += [_ONES[n // 100], "hundred"]
        n %= 100
    if n >= 20:
        tens, ones = divmod(n, 10)
        words.append(f"{_TENS[tens]}-{_ONES[ones]}" if ones else _TENS[tens])
    elif n:
        words.append(_ONES[n])
    return words


def _whole_in_words(n: int) -> str:
    if n == 0:
        return "zero"
    words: list[str] = []
    for size, name in _SCALES:
        if n >= size:
            words += [*_below_thousand(n // size), name]
            n %= size
    words += _below_thousand(n)
    return " ".join(words)


def amount_in_words(amount: Decimal) -> str:
    """The amount as a check writes it: 123.45 -> "One hundred twenty-three and 45/100
    dollars"; 1,000,000.00 -> "One million and 00/100 dollars"."""
    amount = money.cents(amount)
    if amount < 0:
        raise ValueError("A receipt is never for a negative amount.")
    dollars = int(amount)
    hundredths = int((amount - dollars) * 100)
    text = f"{_whole_in_words(dollars)} and {hundredths:02d}/100 dollars"
    return text[0].upper() + text[1:]


# --- rendering ----------------------------------------------------------------------------------


def template_path(name: str) -> Path:
    """The agency's `name` (receipt.typ, deposit_slip.typ) in TEMPLATE_OVERRIDE_DIR if it has
    one, else Fiscus's."""
    return typesetting.template_path(TYPST_DIR / name)


def _compile(name: str, payload: dict[str, Any]) -> bytes:
    return typesetting.compile_pdf(template_path(name), payload)


def _date(value: date | None) -> str:
    return f"{value:%m/%d/%Y}" if value else ""


def _moment(value: datetime | None) -> str:
    return f"{timezone.localtime(value):%m/%d/%Y %I:%M %p}" if value else ""


def _person(user: Any) -> str:
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())


# --- the receipt --------------------------------------------------------------------------------


def _applied(payment: Payment) -> list[tuple[str, str, Decimal]]:
    """What the payment paid, per invoice, net of any reversed application, in the order the
    invoices were first paid."""
    if payment.item_id is None:
        return []
    net: dict[int, Decimal] = {}
    about: dict[int, tuple[str, str]] = {}
    rows = (
        Application.objects.filter(credit_item_id=payment.item_id)
        .order_by("id")
        .values_list("debit_item_id", "debit_item__number", "debit_item__description", "amount")
    )
    for item_id, number, description, amount in rows:
        net[item_id] = net.get(item_id, money.ZERO) + amount
        about.setdefault(item_id, (number, description))
    return [(*about[i], amount) for i, amount in net.items() if amount]


def receipt_data(payment: Payment) -> dict[str, Any]:
    """What the receipt prints for one payment (strings only)."""
    applied = _applied(payment)
    customer = payment.customer
    return {
        "number": payment.number,
        "received_on": _date(payment.received_on),
        "status": payment.status,
        "customer_number": customer.number if customer else "",
        "customer_name": customer.name if customer else "",
        "payer": payment.payer,
        "method": payment.get_method_display(),
        "check_number": payment.check_number,
        "bank_account": payment.bank_account,
        "reference": payment.reference,
        "amount": money.fmt(payment.amount),
        "amount_words": amount_in_words(payment.amount),
        "applied": [
            {"number": number, "description": description, "amount": money.fmt(amount)}
            for number, description, amount in applied
        ],
        "applied_total": money.fmt(sum((a[2] for a in applied), money.ZERO)),
        "on_account": money.fmt(payment.unapplied),
        "cashier": _person(payment.cashier),
        "deposit": payment.deposit.number,
        "department": payment.department.name,
    }


def _fresh_payment(payment: Payment) -> Payment:
    return Payment.objects.select_related(
        "customer", "item", "cashier", "deposit", "department"
    ).get(pk=payment.pk)


def render_receipt_pdf(payment: Payment) -> bytes:
    """The receipt of one payment, as it stands now (what it paid, what is left on account)."""
    payment = _fresh_payment(payment)
    return _compile(RECEIPT, {"agency": agency_data(), "receipts": [receipt_data(payment)]})


def print_receipt(payment: Payment, *, by: AbstractBaseUser) -> bytes:
    """The receipt PDF; the print is audited ("payment.receipt_printed")."""
    pdf = render_receipt_pdf(payment)  # first: a broken template refuses, nothing is audited
    with transaction.atomic():
        audit.record("payment.receipt_printed", payment, by=by, amount=payment.amount)
    return pdf


def receipt_file_name(payment: Payment) -> str:
    return f"receipt-{payment.number}.pdf"


# --- the deposit slip ---------------------------------------------------------------------------


def _bank_account(deposit: Deposit) -> dict[str, str] | None:
    """The fund's bank account the deposit goes to (the active one first), if one is set up."""
    found = (
        BankAccount.objects.filter(fund_id=deposit.fund_id)
        .order_by("-active", "name", "pk")
        .first()
    )
    if found is None:
        return None
    return {"name": found.name, "bank_name": found.bank_name, "number": found.masked}


def _payer(payment: Payment) -> str:
    if payment.payer:
        return payment.payer
    return payment.customer.name if payment.customer else ""


def deposit_slip_data(deposit: Deposit, payments: Sequence[Payment]) -> dict[str, Any]:
    """What the slip prints for one deposit and its payments (strings only)."""
    checks = [p for p in payments if p.method in CHECKS]
    groups = []
    for label, methods in GROUPS:
        chosen = [p.amount for p in payments if p.method in methods]
        groups.append(
            {
                "label": label,
                "count": str(len(chosen)),
                "total": money.fmt(sum(chosen, money.ZERO)),
            }
        )
    count = len(payments)
    total = money.cents(sum((p.amount for p in payments), money.ZERO))
    control_count, control_total = deposit.control_count, deposit.control_total
    return {
        "number": deposit.number,
        "deposit_date": _date(deposit.deposit_date),
        "department": f"{deposit.department.code} {deposit.department.name}",
        "fund": f"{deposit.fund.code} {deposit.fund.name}",
        "status": deposit.get_status_display(),
        "cashier": _person(deposit.cashier),
        "closed_by": _person(deposit.closed_by),
        "closed_at": _moment(deposit.closed_at),
        "bank_reference": deposit.bank_reference,
        "bank_account": _bank_account(deposit),
        "checks": [
            {
                "payer": _payer(p),
                "check_number": p.check_number,
                "kind": p.get_method_display(),
                "amount": money.fmt(p.amount),
            }
            for p in checks
        ],
        "groups": groups,
        "count": str(count),
        "total": money.fmt(total),
        "control_count": "" if control_count is None else str(control_count),
        "control_total": money.fmt(control_total),
        "count_difference": "" if control_count is None else str(count - control_count),
        "total_difference": "" if control_total is None else money.fmt(total - control_total),
    }


def render_deposit_slip_pdf(deposit: Deposit) -> bytes:
    """The slip of a closed (or balanced) deposit; an open deposit has none yet."""
    deposit = Deposit.objects.select_related("department", "fund", "cashier", "closed_by").get(
        pk=deposit.pk
    )
    if deposit.status == Deposit.Status.OPEN:
        raise DocumentError(
            f"Deposit {deposit.number} is still open: close it first, then print its slip.",
            code="deposit_open",
        )
    payments = list(
        Payment.objects.filter(deposit=deposit).select_related("customer").order_by("pk")
    )
    data = deposit_slip_data(deposit, payments)
    return _compile(DEPOSIT_SLIP, {"agency": agency_data(), "deposits": [data]})


def print_deposit_slip(deposit: Deposit, *, by: AbstractBaseUser) -> bytes:
    """The deposit slip PDF; the print is audited ("deposit.slip_printed")."""
    pdf = render_deposit_slip_pdf(deposit)
    with transaction.atomic():
        audit.record("deposit.slip_printed", deposit, by=by)
    return pdf


def slip_file_name(deposit: Deposit) -> str:
    return f"deposit-slip-{deposit.number}.pdf"

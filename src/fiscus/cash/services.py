"""Cash: every write. Payments post when recorded; applications go through receivables.

GL and receivable rows, per DESIGN §3:
- payment received (customer known): DR undeposited cash, CR AR control; -amount on its item
- payment received (customer unknown): DR undeposited cash, CR unidentified receipts; no item
- unidentified payment identified: DR unidentified receipts, CR AR control; -amount on its item
- applied: no GL (interfund entry across funds); +a on the payment, -a on each invoice
- day balanced to the bank: DR cash in bank, CR undeposited cash, per fund
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from fiscus import audit, db, money
from fiscus.audit.services import record_many
from fiscus.cash.models import (
    AllocationPolicy,
    ApplicationReason,
    BalancedDay,
    CashSettings,
    CustomerCashPreference,
    DepartmentReport,
    Deposit,
    Match,
    Method,
    PayerAlias,
    Payment,
)
from fiscus.cash.queries import DepositTotals, totals_of
from fiscus.customers.models import Customer
from fiscus.db import lock
from fiscus.errors import FiscusError
from fiscus.ledger.services import EntrySpec, Line, post_entries
from fiscus.organization.models import Account, Department
from fiscus.organization.roles import department_scope
from fiscus.organization.services import account, next_number, next_numbers, period_for
from fiscus.receivables.models import Application, Item
from fiscus.receivables.services import ApplySpec, ItemSpec, Offset, apply_many, post_items

Actor = AbstractBaseUser


class CashError(FiscusError):
    code = "refused"


# --- settings -----------------------------------------------------------------------------


def cash_settings() -> CashSettings:
    found = CashSettings.objects.order_by("pk").first()
    return found if found is not None else CashSettings.objects.create()


@transaction.atomic
def update_cash_settings(
    *, by: Actor, allocation_policy: str, auto_apply_threshold: Decimal
) -> CashSettings:
    current = lock(cash_settings())
    if allocation_policy not in AllocationPolicy.values:
        raise CashError(f"Unknown allocation policy {allocation_policy!r}.")
    threshold = Decimal(auto_apply_threshold).quantize(Decimal("0.01"))
    if not Decimal("0.50") <= threshold <= Decimal("1.00"):
        raise CashError("The auto-apply threshold must be between 0.50 and 1.00.")
    before = (current.allocation_policy, str(current.auto_apply_threshold))
    current.allocation_policy, current.auto_apply_threshold = allocation_policy, threshold
    current.save()
    audit.record(
        "cash.settings_changed",
        current,
        by=by,
        before=list(before),
        after=[allocation_policy, str(threshold)],
    )
    return current


@transaction.atomic
def set_customer_policy(customer: Customer, policy: str, *, by: Actor) -> None:
    """A customer's own allocation order; "" goes back to the agency's."""
    if policy and policy not in AllocationPolicy.values:
        raise CashError(f"Unknown allocation policy {policy!r}.")
    current = CustomerCashPreference.objects.filter(customer=customer).first()
    if not policy:
        if current is not None:
            current.delete()
    elif current is None:
        CustomerCashPreference.objects.create(customer=customer, allocation_policy=policy)
    else:
        current.allocation_policy = policy
        current.save()
    audit.record("cash.customer_policy", customer, by=by, policy=policy or "agency")


def policy_for(customer: Customer | None) -> str:
    if customer is not None:
        pref = CustomerCashPreference.objects.filter(customer=customer).first()
        if pref is not None:
            return pref.allocation_policy
    return cash_settings().allocation_policy


# --- deposits -----------------------------------------------------------------------------


def _check_scope(by: Actor, department: Department) -> None:
    scope = department_scope(by)
    if scope is not None and department.pk not in scope:
        raise CashError(f"You do not record cash for {department.name}.", code="forbidden")


@transaction.atomic
def open_deposit(
    *,
    department: Department,
    on: date,
    by: Actor,
    control_count: int | None = None,
    control_total: Decimal | None = None,
    source: str = "counter",
    bank_reference: str = "",
) -> Deposit:
    """Start a deposit batch for one day, department and cashier."""
    _check_scope(by, department)
    if on > timezone.localdate():
        raise CashError("A deposit cannot be dated in the future.")
    if control_total is not None:
        control_total = money.cents(control_total)
        if control_total < 0:
            raise CashError("The control total cannot be negative.")
    if control_count is not None and control_count < 0:
        raise CashError("The control count cannot be negative.")
    deposit = Deposit.objects.create(
        number=next_number("DEP", on),
        deposit_date=on,
        department=department,
        fund=department.fund,
        cashier=by,  # type: ignore[misc]
        control_count=control_count,
        control_total=control_total,
        source=source,
        bank_reference=bank_reference[:60],
    )
    audit.record(
        "deposit.opened",
        deposit,
        by=by,
        control_count=control_count,
        control_total=control_total,
    )
    return deposit


def deposit_totals(deposit: Deposit) -> DepositTotals:
    return totals_of([deposit])[deposit.pk]


@transaction.atomic
def close_deposit(deposit: Deposit, *, by: Actor) -> Deposit:
    """Close a deposit batch; its payments must match the control totals."""
    deposit = lock(deposit)
    if deposit.status != Deposit.Status.OPEN:
        raise CashError(f"Deposit {deposit.number} is already {deposit.status}.")
    totals = deposit_totals(deposit)
    if totals.count == 0:
        raise CashError(f"Deposit {deposit.number} has no payments.")
    if totals.count_off:
        raise CashError(
            f"Deposit {deposit.number} holds {totals.count} payments but its control count "
            f"is {deposit.control_count}."
        )
    if totals.total_off:
        raise CashError(
            f"Deposit {deposit.number} holds {money.fmt(totals.total)} but its control total "
            f"is {money.fmt(deposit.control_total or money.ZERO)}: off by "
            f"{money.fmt(totals.total_off)}."
        )
    deposit.status = Deposit.Status.CLOSED
    deposit.closed_by = by  # type: ignore[assignment]
    deposit.closed_at = timezone.now()
    deposit.save(update_fields=["status", "closed_by", "closed_at"])
    audit.record("deposit.closed", deposit, by=by, count=totals.count, total=totals.total)
    return deposit


# --- payments -----------------------------------------------------------------------------


@dataclass
class PaymentInput:
    """One payment as typed, uploaded or read from a bank or lockbox file."""

    amount: Decimal
    method: str
    received_on: date
    customer: Customer | None = None
    payer: str = ""
    check_number: str = ""
    bank_account: str = ""
    reference: str = ""
    remittance: str = ""


def mask_account(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    return f"••••{digits[-4:]}" if digits else ""


def _check_payment(p: PaymentInput, where: str, deposit: Deposit) -> Decimal:
    amount = money.cents(p.amount)
    if amount <= 0:
        raise CashError(f"{where}: the amount must be more than zero.")
    if p.method not in Method.values:
        raise CashError(f"{where}: unknown payment method {p.method!r}.")
    if p.received_on > timezone.localdate():
        raise CashError(f"{where}: the received date is in the future.")
    customer = p.customer
    if customer is not None and customer.is_cash_only(p.received_on) and p.method == Method.CHECK:
        raise CashError(
            f"{where}: {customer.name} is on cash only (a check of theirs was returned), so a "
            "check cannot be taken; take cash, a money order, a card or a wire.",
            code="cash_only",
        )
    if customer is None and not (p.payer.strip() or p.reference.strip() or p.remittance.strip()):
        raise CashError(
            f"{where}: name the customer, or at least the payer, so the money can be traced."
        )
    return amount


PAYMENT_COLUMNS = (
    "id",
    "number",
    "status",
    "method",
    "deposit_id",
    "customer_id",
    "item_id",
    "department_id",
    "fund_id",
    "amount",
    "received_on",
    "payer",
    "check_number",
    "bank_account",
    "reference",
    "remittance",
    "source",
    "cashier_id",
    "journal_entry_id",
    "identified_entry_id",
    "import_batch_id",
    "created_at",
)


@transaction.atomic
def record_payments(
    deposit: Deposit,
    inputs: Sequence[PaymentInput],
    *,
    by: Actor,
    source: str = "counter",
    import_batch: Any = None,
) -> list[Payment]:
    """Record and post payments into an open deposit, in bulk.

    A payment with a customer posts its item; one without waits as unidentified receipts.
    """
    deposit = lock(deposit)
    if deposit.status != Deposit.Status.OPEN:
        raise CashError(f"Deposit {deposit.number} is {deposit.status}: open a new one.")
    _check_scope(by, deposit.department)
    amounts = [
        _check_payment(p, f"Payment {n}" if len(inputs) > 1 else "The payment", deposit)
        for n, p in enumerate(inputs, 1)
    ]
    on = deposit.deposit_date
    for day in {p.received_on for p in inputs} | {on}:
        period_for(day)
    undeposited = account(Account.Role.UNDEPOSITED_CASH)
    known = [n for n, p in enumerate(inputs) if p.customer is not None]
    unknown = [n for n, p in enumerate(inputs) if p.customer is None]
    specs = [
        ItemSpec(
            customer=inputs[n].customer,  # type: ignore[arg-type]
            kind=Item.Kind.PAYMENT,
            amount=-amounts[n],
            fund=deposit.fund,
            department=deposit.department,
            document_date=inputs[n].received_on,
            due_date=inputs[n].received_on,
            offsets=[Offset(undeposited, amounts[n], department=deposit.department)],
            description=_describe(inputs[n]),
            reference=(inputs[n].check_number or inputs[n].reference)[:60],
        )
        for n in known
    ]
    # A batch posts one journal entry for the deposit (its lines netted by account), as a
    # bank deposit is one entry; a single payment posts its own.
    items = post_items(
        specs,
        on=on,
        by=by,
        source="payment",
        memo=f"Deposit {deposit.number}",
        summarize=len(specs) > 1,
    )
    item_of = dict(zip(known, items, strict=True))
    numbers_of: dict[int, str] = {n: item_of[n].number for n in known}
    entries: dict[int, Any] = {n: item_of[n].journal_entry for n in known}
    if unknown:
        unidentified = account(Account.Role.UNIDENTIFIED)
        numbers = next_numbers("PMT", on, len(unknown))
        held = money.cents(sum((amounts[n] for n in unknown), money.ZERO))
        label = numbers[0] if len(unknown) == 1 else f"{len(unknown)} unidentified receipts"
        je = post_entries(
            [
                EntrySpec(
                    on=on,
                    memo=f"{label}, deposit {deposit.number}",
                    lines=[
                        Line.dr(undeposited, deposit.fund, held, department=deposit.department),
                        Line.cr(unidentified, deposit.fund, held),
                    ],
                    source="payment.unidentified",
                )
            ],
            by=by,
        )[0]
        for n, number in zip(unknown, numbers, strict=True):
            numbers_of[n], entries[n] = number, je
    # value tuples written in one COPY (fiscus.db.insert_rows), as bulk_create would write them
    now = timezone.now()
    ids = db.allocate_ids(Payment, len(inputs))
    batch_id = import_batch.pk if import_batch is not None else None
    payments = []
    rows = []
    for n, (p, pk) in enumerate(zip(inputs, ids, strict=True)):
        item = item_of.get(n)
        je = entries[n]
        customer = p.customer
        row = (
            pk,
            numbers_of[n],
            Payment.Status.POSTED if item is not None else Payment.Status.UNIDENTIFIED,
            p.method,
            deposit.pk,
            customer.pk if customer is not None else None,
            item.pk if item is not None else None,
            deposit.department_id,
            deposit.fund_id,
            amounts[n],
            p.received_on,
            p.payer[:140],
            p.check_number[:30],
            mask_account(p.bank_account),
            p.reference[:140],
            p.remittance,
            source,
            by.pk,
            je.pk,
            None,
            batch_id,
            now,
        )
        rows.append(row)
        payments.append(
            db.as_saved(
                Payment,
                dict(zip(PAYMENT_COLUMNS, row, strict=True)),
                {
                    "deposit": deposit,
                    "customer": customer,
                    "item": item,
                    "department": deposit.department,
                    "fund": deposit.fund,
                    "cashier": by,
                    "journal_entry": je,
                    "import_batch": import_batch,
                },
            )
        )
    db.insert_rows(Payment, PAYMENT_COLUMNS, rows)
    record_many(
        "payment.received",
        [
            (pay, {"amount": pay.amount, "method": pay.method, "deposit": deposit.number})
            for pay in payments
        ],
        by=by,
    )
    return payments


def _describe(p: PaymentInput) -> str:
    label = Method(p.method).label.lower()
    if p.check_number:
        return f"Payment by {label} {p.check_number}"[:200]
    return f"Payment by {label}"


def record_payment(deposit: Deposit, payment: PaymentInput, *, by: Actor) -> Payment:
    return record_payments(deposit, [payment], by=by)[0]


@transaction.atomic
def identify_payment(payment: Payment, customer: Customer, *, by: Actor) -> Payment:
    """Name the customer of an unidentified payment: it moves from unidentified receipts to AR."""
    payment = lock(payment)
    if payment.status != Payment.Status.UNIDENTIFIED:
        raise CashError(f"Payment {payment.number} already belongs to {payment.customer}.")
    on = max(timezone.localdate(), payment.deposit.deposit_date)
    unidentified = account(Account.Role.UNIDENTIFIED)
    item = post_items(
        [
            ItemSpec(
                customer=customer,
                kind=Item.Kind.PAYMENT,
                amount=-payment.amount,
                fund=payment.fund,
                department=payment.department,
                document_date=payment.received_on,
                due_date=payment.received_on,
                offsets=[Offset(unidentified, payment.amount)],
                number=payment.number,
                description=f"Payment by {payment.get_method_display().lower()} (identified)",
                reference=(payment.check_number or payment.reference)[:60],
            )
        ],
        on=on,
        by=by,
        source="payment.identified",
    )[0]
    payment.customer, payment.item, payment.status = customer, item, Payment.Status.POSTED
    payment.identified_entry = item.journal_entry
    payment.save(update_fields=["customer", "item", "status", "identified_entry"])
    audit.record("payment.identified", payment, by=by, customer=customer.number)
    return payment


# --- application --------------------------------------------------------------------------


def normalize_name(name: str) -> str:
    """A payer name reduced for comparison: case, punctuation and spacing ignored."""
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", name.lower()).split())[:140]


def _teach_alias(payment: Payment, customer: Customer, *, by: Actor) -> PayerAlias | None:
    """A manual match teaches the payer name, unless it is the customer's own name."""
    normalized = normalize_name(payment.payer)
    if not normalized or normalized == normalize_name(customer.name):
        return None
    existing = PayerAlias.objects.filter(normalized=normalized).first()
    if existing is not None:
        return existing
    alias = PayerAlias.objects.create(
        customer=customer,
        name=payment.payer[:140],
        normalized=normalized,
        learned_from=payment,
        created_by=by,  # type: ignore[misc]
    )
    audit.record("payer_alias.learned", alias, by=by, customer=customer.number)
    return alias


@transaction.atomic
def apply_payment(
    payment: Payment,
    allocations: Sequence[tuple[Item, Decimal]],
    *,
    by: Actor,
    on: date | None = None,
    match: Match | None = None,
    rule: str = "manual",
    confidence: Decimal | None = None,
    teach: bool = True,
) -> list[Application]:
    """Apply a payment to invoices: a short pay leaves the rest open, what is left of the
    payment stays on account as unapplied cash."""
    if payment.item is None:
        raise CashError(f"Payment {payment.number} is unidentified: name its customer first.")
    allocations = [(item, money.cents(amount)) for item, amount in allocations if amount]
    if not allocations:
        raise CashError("Pick at least one invoice and an amount to apply.")
    for item, _ in allocations:
        scope = department_scope(by)
        if scope is not None and item.department_id not in scope:
            raise CashError(f"{item.number} is not in your departments.", code="forbidden")
    when = on or max(timezone.localdate(), payment.item.posted_on)
    applications = apply_many(
        [
            ApplySpec(payment.item, item, amount, note=f"{rule} {payment.number}"[:200])
            for item, amount in allocations
        ],
        on=when,
        by=by,
    )
    automatic = match is not None and rule != "manual" and match.status == Match.Status.APPLIED
    ApplicationReason.objects.bulk_create(
        [
            ApplicationReason(
                application=app,
                payment=payment,
                match=match,
                automatic=automatic,
                rule=rule,
                confidence=confidence,
            )
            for app in applications
        ]
    )
    if teach and not automatic and payment.customer is not None:
        _teach_alias(payment, payment.customer, by=by)
    return applications


def allocation_for(
    payment: Payment, items: Sequence[Item], *, amount: Decimal | None = None
) -> list[tuple[Item, Decimal]]:
    """How `amount` (default: what is left of the payment) spreads over `items` by the policy."""
    from fiscus.cash import matching

    left = amount if amount is not None else payment.unapplied
    policy = matching.Policy(policy_for(payment.customer))
    refs = [
        matching.OpenItem(
            id=it.pk,
            number=it.number,
            customer_id=it.customer_id,
            kind=it.kind,
            open_amount=it.open_amount,
            due_date=it.due_date,
            document_date=it.document_date,
        )
        for it in items
        if it.open_amount > 0
    ]
    instruction = tuple(re.findall(r"[A-Z]{2,4}-\d{4}-\d{6}", payment.remittance.upper()))
    allocs, _ = matching.allocate(
        money.cents(left), refs, policy, today=timezone.localdate(), instruction=instruction
    )
    by_id = {it.pk: it for it in items}
    return [(by_id[a.item_id], a.amount) for a in allocs]


# --- balancing ----------------------------------------------------------------------------


@transaction.atomic
def report_department_day(
    *,
    day: date,
    department: Department,
    amount: Decimal,
    count: int | None,
    by: Actor,
    reference: str = "",
) -> DepartmentReport:
    """What a department says it took in on `day` (one figure per department and day)."""
    _check_scope(by, department)
    amount = money.cents(amount)
    if amount < 0:
        raise CashError("A department's reported amount cannot be negative.")
    if BalancedDay.objects.filter(day=day).exists():
        raise CashError(f"{day:%m/%d/%Y} is already balanced.")
    report, created = DepartmentReport.objects.update_or_create(
        report_date=day,
        department=department,
        defaults={"amount": amount, "count": count, "reference": reference[:60], "entered_by": by},
    )
    audit.record("cash.department_reported", report, by=by, amount=amount, count=count, new=created)
    return report


@transaction.atomic
def balance_day(day: date, *, by: Actor, note: str = "") -> BalancedDay:
    """The supervisor marks a day balanced: its closed deposits move to the bank."""
    from fiscus.cash.queries import day_balancing

    if BalancedDay.objects.filter(day=day).exists():
        raise CashError(f"{day:%m/%d/%Y} is already balanced.")
    deposits = list(Deposit.objects.select_for_update().filter(deposit_date=day).order_by("pk"))
    if not deposits:
        raise CashError(f"No deposits on {day:%m/%d/%Y}.")
    still_open = [d.number for d in deposits if d.status == Deposit.Status.OPEN]
    if still_open:
        raise CashError(f"Close deposit {', '.join(still_open)} first.")
    balancing = day_balancing(day)
    if balancing.variances and not note.strip():
        raise CashError(
            "The day has variances: say in the note why it is balanced anyway.",
            code="note_required",
        )
    totals: dict[Any, Decimal] = defaultdict(lambda: money.ZERO)
    funds = {}
    held = {m.deposit.pk: m.total for m in balancing.bank}
    for d in deposits:
        amount = held[d.pk]
        totals[(d.fund_id, d.department_id)] += amount
        funds[d.fund_id] = d.fund
    departments = {d.department_id: d.department for d in deposits}
    cash, undeposited = account(Account.Role.CASH), account(Account.Role.UNDEPOSITED_CASH)
    per_fund: dict[int, Decimal] = defaultdict(lambda: money.ZERO)
    for (fund_id, _), amount in totals.items():
        per_fund[fund_id] += amount
    lines: list[Line] = [
        Line.dr(cash, funds[fund_id], amount)
        for fund_id, amount in sorted(per_fund.items())
        if amount
    ]
    for (fund_id, dept_id), amount in sorted(totals.items()):
        if amount:
            lines.append(
                Line.cr(undeposited, funds[fund_id], amount, department=departments[dept_id])
            )
    je = None
    if lines:
        je = post_entries(
            [
                EntrySpec(
                    on=day,
                    memo=f"Deposits of {day:%m/%d/%Y} to the bank",
                    lines=lines,
                    source="deposit.balanced",
                )
            ],
            by=by,
        )[0]
    for m in balancing.bank:
        if m.line is not None and m.line.deposit_id is None:
            m.line.deposit = m.deposit
            m.line.save(update_fields=["deposit"])
    now = timezone.now()
    Deposit.objects.filter(pk__in=[d.pk for d in deposits]).update(
        status=Deposit.Status.BALANCED, balanced_by=by, balanced_at=now, journal_entry=je
    )
    balanced = BalancedDay.objects.create(
        day=day,
        balanced_by=by,  # type: ignore[misc]
        note=note,
        journal_entry=je,
    )
    audit.record(
        "cash.day_balanced",
        balanced,
        by=by,
        deposits=len(deposits),
        total=sum(totals.values(), money.ZERO),
        variances=len(balancing.variances),
        note=note,
    )
    return balanced


@transaction.atomic
def save_csv_mapping(name: str, mapping: dict[str, Any], *, by: Actor, existing: Any = None) -> Any:
    """Save a bank CSV column mapping under a name (checked by the parser first)."""
    from fiscus.cash.formats.csvmap import CsvMapping as Mapping
    from fiscus.cash.formats.statements import FormatError
    from fiscus.cash.models import CsvMapping

    try:
        checked = Mapping.from_dict(mapping).to_dict()
    except FormatError as refused:
        raise CashError(refused.message, code="bad_mapping") from refused
    name = name.strip()
    if not name:
        raise CashError("Give the mapping a name.")
    clash = CsvMapping.objects.filter(name=name)
    if existing is not None:
        clash = clash.exclude(pk=existing.pk)
    if clash.exists():
        raise CashError(f"A mapping is already named {name!r}.", code="name_taken")
    if existing is None:
        saved = CsvMapping.objects.create(name=name, mapping=checked, created_by=by)  # type: ignore[misc]
    else:
        saved = lock(existing)
        saved.name, saved.mapping = name, checked
        saved.save()
    audit.record("cash.csv_mapping_saved", saved, by=by, name=name)
    return saved


DEPARTMENT_REPORT_COLUMNS = ("date", "department", "amount", "count", "reference")


@transaction.atomic
def import_department_reports(data: bytes, *, by: Actor) -> list[DepartmentReport]:
    """Departments' daily figures from a CSV (date, department, amount[, count][, reference]).

    Every row is checked first; one bad row refuses the file, naming the row and the field.
    """
    import csv
    import io
    from datetime import datetime

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CashError("The file is not UTF-8 text: save it as CSV (UTF-8).") from exc
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise CashError("The file is empty.")
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in DEPARTMENT_REPORT_COLUMNS[:3] if c not in header]
    if missing:
        raise CashError(
            f"Row 1: the header must name the columns {', '.join(DEPARTMENT_REPORT_COLUMNS)}; "
            f"“{missing[0]}” is missing."
        )
    at = {c: header.index(c) for c in DEPARTMENT_REPORT_COLUMNS if c in header}
    departments = {d.code.upper(): d for d in Department.objects.all()}
    parsed = []
    for n, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(name: str, row: list[str] = row) -> str:
            i = at.get(name)
            return row[i].strip() if i is not None and i < len(row) else ""

        raw_date = cell("date")
        day = None
        for fmt in ("%m/%d/%Y", "%Y-%m-%d"):
            try:
                day = datetime.strptime(raw_date, fmt).date()  # noqa: DTZ007 a calendar date
                break
            except ValueError:
                continue
        if day is None:
            raise CashError(f"Row {n}, date: “{raw_date}” is not a date like 03/10/2026.")
        dept = departments.get(cell("department").upper())
        if dept is None:
            raise CashError(
                f"Row {n}, department: no department has the code “{cell('department')}”."
            )
        try:
            amount = money.parse_amount(cell("amount"))
        except FiscusError as refused:
            raise CashError(f"Row {n}, amount: {refused.message}") from refused
        raw_count = cell("count")
        if raw_count and not raw_count.isdigit():
            raise CashError(f"Row {n}, count: “{raw_count}” is not a whole number.")
        parsed.append(
            (n, day, dept, amount, int(raw_count) if raw_count else None, cell("reference"))
        )
    reports = []
    for n, day, dept, amount, count, reference in parsed:
        try:
            reports.append(
                report_department_day(
                    day=day, department=dept, amount=amount, count=count, by=by, reference=reference
                )
            )
        except CashError as refused:
            raise CashError(f"Row {n}: {refused.message}", code=refused.code) from refused
    return reports

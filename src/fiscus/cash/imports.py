"""Importing bank statements and lockbox files: atomic and idempotent.

The same file twice changes nothing (its hash is kept in an ImportBatch), and a statement line
already imported from an overlapping file is skipped by its identity. Each import is one
transaction: a failure anywhere leaves nothing behind, and the re-run imports the file once.

A bank statement's credits that are not one of our own deposits (ACH and wire payments from
customers) can be received as payments and applied automatically (`receive=True`): they go into
a deposit of their own (source "bank"), already in the bank. A lockbox file is the bank's list of
the checks it took in for us, each with its remittance lines: it becomes a deposit of payments,
matched and applied automatically, and closed.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from fiscus import audit, money
from fiscus.cash import matching
from fiscus.cash.autoapply import AutoResult, receive_and_apply
from fiscus.cash.formats import statements as fmt
from fiscus.cash.formats.statements import FormatError
from fiscus.cash.models import BankAccount, BankLine, BankStatement, CsvMapping, Deposit
from fiscus.cash.queries import payment_sums
from fiscus.cash.services import (
    Actor,
    CashError,
    PaymentInput,
    cash_settings,
    close_deposit,
    open_deposit,
)
from fiscus.organization.models import Department
from fiscus.receivables.models import ImportBatch

Progress = Callable[[int], None]
ACH_CODES = {"142", "143", "165", "166", "169", "171", "172", "173", "174", "175", "195", "196"}


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def line_identity(account: str, identity: str) -> str:
    return hashlib.sha256(f"{account}|{identity}".encode()).hexdigest()


@dataclass
class BankImportResult:
    batch: ImportBatch
    statements: list[BankStatement] = field(default_factory=list)
    lines_new: int = 0
    lines_known: int = 0
    problems: list[str] = field(default_factory=list)
    already_imported: bool = False
    received: AutoResult | None = None


def _mapping(mapping: CsvMapping | dict[str, Any] | None) -> Any:
    if mapping is None:
        return None
    from fiscus.cash.formats.csvmap import CsvMapping as Mapping

    return Mapping.from_dict(mapping.mapping if isinstance(mapping, CsvMapping) else mapping)


def preview_bank_file(
    data: bytes, file_name: str, *, mapping: CsvMapping | dict[str, Any] | None = None
) -> list[fmt.BankStatement]:
    """Read a bank file without importing it (the page's dry run). Raises CashError."""
    try:
        return fmt.parse_statement(data, file_name, mapping=_mapping(mapping))
    except FormatError as refused:
        raise CashError(refused.message, code="bad_bank_file") from refused


def _is_our_deposit(amount: Decimal, booked: date, deposits: dict[Decimal, list[date]]) -> bool:
    return any(timedelta(0) <= booked - d <= timedelta(days=5) for d in deposits.get(amount, []))


@transaction.atomic
def import_bank_file(
    data: bytes,
    file_name: str,
    *,
    by: Actor,
    mapping: CsvMapping | dict[str, Any] | None = None,
    receive: bool = False,
    progress: Progress | None = None,
) -> BankImportResult:
    """Import a bank statement file (BAI2, camt.053/054, OFX, or CSV through `mapping`)."""
    digest = file_hash(data)
    known = ImportBatch.objects.filter(kind="bank_statement", file_hash=digest).first()
    if known is not None:
        return BankImportResult(batch=known, already_imported=True)
    parsed = preview_bank_file(data, file_name, mapping=mapping)
    total = money.cents(sum((s.total for s in parsed), money.ZERO))
    batch = ImportBatch.objects.create(
        kind="bank_statement",
        file_name=file_name[:255],
        file_hash=digest,
        rows=sum(len(s.transactions) for s in parsed),
        total=total,
        imported_by=by,  # type: ignore[misc]
    )
    result = BankImportResult(batch=batch)
    accounts = {a.number: a for a in BankAccount.objects.all()}
    wanted = {line_identity(s.account, t.identity): (s, t) for s in parsed for t in s.transactions}
    existing = set(
        BankLine.objects.filter(identity__in=list(wanted)).values_list("identity", flat=True)
    )
    new_lines: list[BankLine] = []
    for s in parsed:
        dates = [t.booked for t in s.transactions]
        start = s.start or (min(dates) if dates else timezone.localdate())
        end = s.end or (max(dates) if dates else start)
        statement = BankStatement.objects.create(
            import_batch=batch,
            bank_account=accounts.get(s.account),
            account_number=s.account[:40],
            format=s.format,
            currency=s.currency[:3],
            start_date=start,
            end_date=end,
            opening=s.opening,
            closing=s.closing,
            problems="\n".join(s.problems),
        )
        result.statements.append(statement)
        result.problems.extend(f"{s.account}: {p}" for p in s.problems)
        for t in s.transactions:
            identity = line_identity(s.account, t.identity)
            if identity in existing:
                result.lines_known += 1
                continue
            existing.add(identity)
            new_lines.append(
                BankLine(
                    statement=statement,
                    line=t.line,
                    booked=t.booked,
                    amount=t.amount,
                    type_code=t.type_code[:20],
                    bank_reference=t.bank_reference[:80],
                    customer_reference=t.customer_reference[:80],
                    text=t.text,
                    payer=t.payer[:140],
                    identity=identity,
                )
            )
    BankLine.objects.bulk_create(new_lines, batch_size=2000)
    result.lines_new = len(new_lines)
    if progress:
        progress(len(new_lines))
    if receive and new_lines:
        result.received = _receive_credits(new_lines, by=by, batch=batch)
    audit.record(
        "bank_statement.imported",
        batch,
        by=by,
        file=file_name,
        statements=len(result.statements),
        lines_new=result.lines_new,
        lines_known=result.lines_known,
        problems=result.problems,
    )
    return result


def _receive_credits(lines: Sequence[BankLine], *, by: Actor, batch: ImportBatch) -> AutoResult:
    """Customer payments on the statement (credits that are not our deposits) become payments
    in a "bank" deposit per day, matched and applied automatically."""
    settings = cash_settings()
    department = (
        settings.bank_department or Department.objects.filter(active=True).order_by("code").first()
    )
    if department is None:
        raise CashError("Set the department that receives bank payments in the cash settings.")
    ours: dict[Decimal, list[date]] = defaultdict(list)
    recent = list(
        Deposit.objects.exclude(source="bank").filter(
            deposit_date__gte=min(ln.booked for ln in lines) - timedelta(days=5)
        )
    )
    sums = payment_sums(recent)
    for d in recent:
        ours[sums.get(d.pk, (money.ZERO, 0))[0]].append(d.deposit_date)
    by_day: dict[date, list[BankLine]] = defaultdict(list)
    for ln in lines:
        if ln.amount > 0 and not _is_our_deposit(ln.amount, ln.booked, ours):
            by_day[ln.booked].append(ln)
    total = AutoResult()
    book = None
    for day, day_lines in sorted(by_day.items()):
        deposit = open_deposit(
            department=department,
            on=day,
            by=by,
            control_count=len(day_lines),
            control_total=money.cents(sum((ln.amount for ln in day_lines), money.ZERO)),
            source="bank",
            bank_reference=f"Bank file {batch.pk}",
        )
        if book is None:
            from fiscus.cash.autoapply import build_book

            book = build_book()
        inputs = [
            PaymentInput(
                amount=ln.amount,
                method="ach" if ln.type_code in ACH_CODES or "ACH" in ln.text.upper() else "wire",
                received_on=day,
                payer=ln.payer or ln.text[:60],
                reference=(ln.customer_reference or ln.bank_reference)[:140],
                remittance=ln.text,
            )
            for ln in day_lines
        ]
        result = receive_and_apply(
            deposit, inputs, by=by, source="bank", import_batch=batch, book=book
        )
        for ln, pay in zip(day_lines, result.payments, strict=True):
            ln.payment = pay
            ln.deposit = deposit
        BankLine.objects.bulk_update(day_lines, ["payment", "deposit"], batch_size=2000)
        close_deposit(deposit, by=by)
        total.payments.extend(result.payments)
        total.applied += result.applied
        total.suggested += result.suggested
        total.unmatched += result.unmatched
        total.applied_amount += result.applied_amount
        total.unapplied_amount += result.unapplied_amount
    return total


@dataclass
class LockboxResult:
    batch: ImportBatch
    deposit: Deposit | None = None
    received: AutoResult | None = None
    already_imported: bool = False


def preview_lockbox(data: bytes, file_name: str) -> Any:
    from fiscus.cash.formats.lockbox import parse_lockbox

    try:
        return parse_lockbox(data, file_name)
    except FormatError as refused:
        raise CashError(refused.message, code="bad_lockbox_file") from refused


@transaction.atomic
def import_lockbox(
    data: bytes, file_name: str, *, by: Actor, department: Department
) -> LockboxResult:
    """A lockbox file: the bank's checks with their remittance, as a deposit applied by itself."""
    digest = file_hash(data)
    known = ImportBatch.objects.filter(kind="lockbox", file_hash=digest).first()
    if known is not None:
        return LockboxResult(batch=known, already_imported=True)
    parsed = preview_lockbox(data, file_name)
    payments = list(parsed.payments)
    total = money.cents(sum((p.amount for p in payments), money.ZERO))
    batch = ImportBatch.objects.create(
        kind="lockbox",
        file_name=file_name[:255],
        file_hash=digest,
        rows=len(payments),
        total=total,
        imported_by=by,  # type: ignore[misc]
    )
    if not payments:
        audit.record("lockbox.imported", batch, by=by, file=file_name, payments=0)
        return LockboxResult(batch=batch)
    deposit = open_deposit(
        department=department,
        on=parsed.deposit_date,
        by=by,
        control_count=len(payments),
        control_total=total,
        source="lockbox",
        bank_reference=f"Lockbox {parsed.lockbox}"[:60],
    )
    inputs = []
    lines = []
    for p in payments:
        remittance = "\n".join(
            " ".join(
                x
                for x in (
                    r.customer_number,
                    r.invoice_number,
                    money.fmt(r.amount) if r.amount is not None else "",
                )
                if x
            )
            for r in p.remittance
        )
        inputs.append(
            PaymentInput(
                amount=p.amount,
                method="check",
                received_on=parsed.deposit_date,
                payer=p.remitter,
                check_number=p.check_number,
                bank_account=p.account,
                reference=f"Lockbox {parsed.lockbox}",
                remittance=remittance,
            )
        )
        lines.append(
            [
                matching.RemittanceLine(
                    invoice_number=r.invoice_number,
                    amount=r.amount,
                    customer_number=r.customer_number,
                )
                for r in p.remittance
            ]
        )
    received = receive_and_apply(
        deposit, inputs, by=by, source="lockbox", remittance_lines=lines, import_batch=batch
    )
    deposit = close_deposit(deposit, by=by)
    audit.record(
        "lockbox.imported",
        batch,
        by=by,
        file=file_name,
        payments=len(payments),
        total=total,
        applied=received.applied,
        suggested=received.suggested,
    )
    return LockboxResult(batch=batch, deposit=deposit, received=received)

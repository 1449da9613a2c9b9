"""Imports into the receivable ledger. First: opening balances, how an agency moves in.

An agency leaving PeopleSoft (or a spreadsheet) exports each customer's open items and imports
them once, as of its conversion date: one journal entry (DR AR control, CR the opening-balance
account, netted per fund and department) and one open item per row. A file is imported whole or
not at all, and only once (by its SHA-256).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from fiscus import audit, money
from fiscus.customers.models import Customer
from fiscus.errors import FiscusError
from fiscus.ledger.models import JournalEntry
from fiscus.organization.models import Account, Department, Fund
from fiscus.organization.roles import require
from fiscus.organization.services import account, period_for
from fiscus.receivables.formats import opening_balances as fmt
from fiscus.receivables.models import ImportBatch, Item
from fiscus.receivables.services import ItemSpec, Offset, post_items

KIND = "opening_balances"
SOURCE = "opening_balance"
Progress = Callable[[int, int], None]  # (rows done, rows in all)


class ImportRefused(FiscusError):
    """The file has row errors: nothing was posted. `.errors` holds every sentence."""

    code = "import_refused"

    def __init__(self, errors: list[str]) -> None:
        count = len(errors) - (1 if errors and errors[-1].startswith("…") else 0)
        super().__init__(
            f"The file was not imported: it has {errors_phrase(errors)}. Nothing was posted."
            if count
            else "The file was not imported."
        )
        self.errors = errors


def errors_phrase(errors: list[str]) -> str:
    """ "3 errors", counting the ones a "… and N more" line stands for."""
    n = len(errors)
    if errors and errors[-1].startswith("… and "):
        n = len(errors) - 1 + int(errors[-1].split()[2])
    return "1 error" if n == 1 else f"{n} errors"


@dataclass(frozen=True)
class PreviewRow:
    line: int
    customer: Customer
    document_number: str
    document_date: date
    due_date: date
    amount: Decimal
    description: str
    department: Department | None
    fund: Fund

    @property
    def amount_display(self) -> str:
        return money.fmt(self.amount)


@dataclass
class DepartmentTotal:
    department: Department | None
    fund: Fund
    count: int = 0
    total: Decimal = money.ZERO

    @property
    def label(self) -> str:
        return str(self.department) if self.department else "No department"

    @property
    def total_display(self) -> str:
        return money.fmt(self.total)


@dataclass
class ImportResult:
    file_name: str
    file_hash: str
    rows: list[PreviewRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    batch: ImportBatch | None = None
    already_imported: bool = False
    dry_run: bool = False

    @property
    def count(self) -> int:
        return self.batch.rows if self.already_imported and self.batch else len(self.rows)

    @property
    def total(self) -> Decimal:
        if self.already_imported and self.batch:
            return self.batch.total
        return sum((r.amount for r in self.rows), money.ZERO)

    @property
    def total_display(self) -> str:
        return money.fmt(self.total)

    @property
    def department_totals(self) -> list[DepartmentTotal]:
        totals: dict[tuple[int, int | None], DepartmentTotal] = {}
        for r in self.rows:
            key = (r.fund.pk, r.department.pk if r.department else None)
            if key not in totals:
                totals[key] = DepartmentTotal(r.department, r.fund)
            totals[key].count += 1
            totals[key].total += r.amount
        return sorted(
            totals.values(),
            key=lambda t: (t.fund.code, t.department is not None, t.label),
        )

    @property
    def journal_entry(self) -> JournalEntry | None:
        return self.batch.journal_entry if self.batch else None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def message(self) -> str:
        """One sentence for the clerk: what happened, or what would happen."""
        if self.already_imported and self.batch:
            return already_imported_message(self.batch)
        if self.errors:
            return ImportRefused(self.errors).message
        noun = "opening balance" if self.count == 1 else "opening balances"
        if self.dry_run:
            return (
                f"{self.count} {noun} totalling {money.fmt(self.total)} are ready to post."
                if self.count != 1
                else f"1 {noun} totalling {money.fmt(self.total)} is ready to post."
            )
        je = self.journal_entry
        return f"Posted {self.count} {noun} totalling {money.fmt(self.total)} in {je}."


def already_imported_message(batch: ImportBatch) -> str:
    when = timezone.localtime(batch.imported_at)
    who = batch.imported_by
    name = who.get_full_name() or who.get_username()
    items = "1 item" if batch.rows == 1 else f"{batch.rows} items"
    return f"This file was already imported on {when:%m/%d/%Y} by {name} ({items})."


def file_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def import_opening_balances(
    content: bytes,
    file_name: str,
    *,
    on: date,
    by: AbstractBaseUser,
    progress: Progress | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Check an opening-balances file and, unless `dry_run`, post it whole as of `on`.

    A dry run returns the rows it would post, or every row error. A real run raises
    ImportRefused listing the row errors and posts nothing. The same file a second time changes
    nothing: the result says when and by whom it was imported.
    """
    require(by, "opening_balances.import")
    digest = file_hash(content)
    result = ImportResult(file_name=file_name, file_hash=digest, dry_run=dry_run)
    with transaction.atomic():
        earlier = _earlier(digest)
        if earlier is not None:
            result.batch, result.already_imported = earlier, True
            return result
        parsed = fmt.parse(content, file_name, max_bytes=settings.MAX_IMPORT_BYTES)
        period_for(on)
        result.rows = _resolve(parsed)
        result.errors = parsed.errors.sentences()
        if dry_run:
            return result
        if result.errors:
            raise ImportRefused(result.errors)
        result.items, result.batch = _post(result, on=on, by=by, progress=progress)
    return result


def _earlier(digest: str) -> ImportBatch | None:
    return (
        ImportBatch.objects.select_related("imported_by", "journal_entry")
        .filter(kind=KIND, file_hash=digest)
        .first()
    )


def _resolve(parsed: fmt.Parsed) -> list[PreviewRow]:
    """Match each row's customer, department and fund; note what does not exist."""
    rows, errors = parsed.rows, parsed.errors
    numbers = {r.customer_number for r in rows}
    customers = {
        c.number.upper(): c
        for c in Customer.objects.filter(number__in=numbers | {n.upper() for n in numbers})
    }
    departments = {d.code.upper(): d for d in Department.objects.select_related("fund")}
    funds = {f.code.upper(): f for f in Fund.objects.all()}
    active_funds = [f for f in funds.values() if f.active]
    only_fund = active_funds[0] if len(active_funds) == 1 else None
    posted = {
        n.upper(): n
        for n in Item.objects.filter(
            number__in={r.document_number for r in rows} | {r.document_number.upper() for r in rows}
        ).values_list("number", flat=True)
    }
    out = []
    for row in rows:
        bad = len(errors)
        customer = customers.get(row.customer_number.upper())
        if customer is None:
            errors.add(
                row.line,
                "customer_number",
                f'there is no customer "{row.customer_number}"; add the customer first.',
            )
        if row.document_number.upper() in posted:
            errors.add(
                row.line,
                "document_number",
                f'"{row.document_number}" is already posted in Fiscus.',
            )
        department = None
        if row.department:
            department = departments.get(row.department.upper())
            if department is None or not department.active:
                known = ", ".join(sorted(d.code for d in departments.values() if d.active))
                what = "is not an active department" if department else "is not a department"
                errors.add(
                    row.line, "department", f'"{row.department}" {what}; the codes are {known}.'
                )
                department = None
        fund = None
        if row.fund:
            fund = funds.get(row.fund.upper())
            if fund is None or not fund.active:
                known = ", ".join(sorted(f.code for f in active_funds))
                errors.add(row.line, "fund", f'"{row.fund}" is not a fund; the codes are {known}.')
                fund = None
            elif department is not None and department.fund_id != fund.pk:
                errors.add(
                    row.line,
                    "fund",
                    f"department {department.code} bills into fund {department.fund.code}, "
                    f"not {fund.code}.",
                )
        if department is not None:
            fund = department.fund
        elif not row.fund and not row.department:
            fund = only_fund
            if fund is None:
                errors.add(
                    row.line,
                    "fund",
                    "the agency keeps more than one fund; name the fund or a department.",
                )
        if len(errors) == bad and customer is not None and fund is not None:
            out.append(
                PreviewRow(
                    line=row.line,
                    customer=customer,
                    document_number=row.document_number,
                    document_date=row.document_date,
                    due_date=row.due_date,
                    amount=row.amount,
                    description=row.description,
                    department=department,
                    fund=fund,
                )
            )
    return out


def _post(
    result: ImportResult, *, on: date, by: AbstractBaseUser, progress: Progress | None
) -> tuple[list[Item], ImportBatch]:
    opening = account(Account.Role.OPENING_BALANCE)
    specs = [
        ItemSpec(
            customer=r.customer,
            kind=Item.Kind.OPENING_BALANCE,
            amount=r.amount,
            fund=r.fund,
            department=r.department,
            document_date=r.document_date,
            due_date=r.due_date,
            offsets=[Offset(opening, abs(r.amount))],
            number=r.document_number,
            description=r.description,
        )
        for r in result.rows
    ]
    total_rows = len(specs)
    if progress:
        progress(0, total_rows)
    items = post_items(
        specs,
        on=on,
        by=by,
        source=SOURCE,
        memo=f"Opening balances from {result.file_name}"[:200],
        summarize=True,
        progress=(lambda n: progress(n, total_rows)) if progress else None,
    )
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                kind=KIND,
                file_name=result.file_name[:255],
                file_hash=result.file_hash,
                rows=len(items),
                total=result.total,
                journal_entry=items[0].journal_entry,
                imported_by=by,  # type: ignore[misc]
            )
    except IntegrityError:
        raise FiscusError(
            "Someone else imported this file a moment ago; nothing was posted twice.",
            code="duplicate",
        ) from None
    audit.record(
        "opening_balances.imported",
        batch,
        by=by,
        file_name=result.file_name,
        file_hash=result.file_hash,
        rows=len(items),
        total=result.total,
        journal_entry=str(batch.journal_entry),
        posted_on=on,
    )
    return items, batch

"""General-ledger pages: journal entries, one entry, the trial balance. Read-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django import forms
from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers
from django_tables2 import RequestConfig

from fiscus import money
from fiscus.ledger.filters import JournalEntryFilter
from fiscus.ledger.models import JournalEntry, JournalLine
from fiscus.ledger.tables import JournalEntryTable
from fiscus.organization.models import Account, Fund
from fiscus.organization.roles import requires
from fiscus.organization.services import uses_funds
from fiscus.reports.exports import export_response

PER_PAGE = 50


def _entries_with_totals() -> QuerySet[JournalEntry]:
    total = (
        JournalLine.objects.filter(entry=OuterRef("pk"))
        .order_by()
        .values("entry")
        .annotate(s=Sum("debit"))
        .values("s")
    )
    return JournalEntry.objects.select_related("posted_by").annotate(
        total=Subquery(total, output_field=DecimalField(max_digits=14, decimal_places=2))
    )


@requires("ledger.view")
@require_GET
@vary_on_headers("HX-Request")
def entries(request: HttpRequest) -> HttpResponse:
    filterset = JournalEntryFilter(request.GET or None, queryset=_entries_with_totals())
    rows = filterset.qs
    export = request.GET.get("export")
    if export in {"xlsx", "csv"}:
        return export_response(
            request,
            export,
            name="journal-entries",
            title="Journal entries",
            headers=["Number", "Date", "Memo", "Source", "Amount", "Posted by"],
            rows=(
                [
                    e.number,
                    e.date,
                    e.memo,
                    e.source,
                    money.cents(e.total or money.ZERO),
                    e.posted_by.username,
                ]
                for e in rows.order_by("seq")
            ),
        )
    table = JournalEntryTable(rows)
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    template = "ledger/entries.html#rows" if request.htmx else "ledger/entries.html"  # type: ignore[attr-defined]
    return render(request, template, {"table": table, "filter": filterset})


@requires("ledger.view")
@require_GET
def entry(request: HttpRequest, number: str) -> HttpResponse:
    found = get_object_or_404(
        JournalEntry.objects.select_related("posted_by", "period__fiscal_year", "reverses"),
        number=number,
    )
    lines = list(found.lines.select_related("fund", "department", "account"))
    reversed_by = JournalEntry.objects.filter(reverses=found).first()
    context = {
        "entry": found,
        "lines": lines,
        "total_debit": sum((ln.debit for ln in lines), money.ZERO),
        "total_credit": sum((ln.credit for ln in lines), money.ZERO),
        "reversed_by": reversed_by,
    }
    return render(request, "ledger/entry.html", context)


@dataclass(frozen=True)
class TrialBalanceRow:
    account: Account
    fund: Fund | None
    debit: Decimal
    credit: Decimal


def trial_balance_rows(as_of: date, *, by_fund: bool) -> list[TrialBalanceRow]:
    """Each account's balance as of a date (per fund when asked): on the debit side when debits
    exceed credits, else on the credit side. Accounts with a zero balance are left out."""
    keys = ["account_id", "fund_id"] if by_fund else ["account_id"]
    sums = (
        JournalLine.objects.filter(entry__date__lte=as_of)
        .values(*keys)
        .annotate(d=Sum("debit"), c=Sum("credit"))
        .order_by()
    )
    accounts = Account.objects.in_bulk()
    funds = Fund.objects.in_bulk() if by_fund else {}
    rows = []
    for s in sums:
        net = money.cents(s["d"] - s["c"])
        if net == 0:
            continue
        rows.append(
            TrialBalanceRow(
                account=accounts[s["account_id"]],
                fund=funds.get(s["fund_id"]) if by_fund else None,
                debit=net if net > 0 else money.ZERO,
                credit=-net if net < 0 else money.ZERO,
            )
        )
    rows.sort(key=lambda r: (r.fund.code if r.fund else "", r.account.code))
    return rows


class AsOfForm(forms.Form):
    as_of = forms.DateField(
        label="As of", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


@requires("ledger.view")
@require_GET
def trial_balance(request: HttpRequest) -> HttpResponse:
    form = AsOfForm(request.GET or None)
    as_of = (form.cleaned_data.get("as_of") if form.is_valid() else None) or timezone.localdate()
    by_fund = uses_funds()
    rows = trial_balance_rows(as_of, by_fund=by_fund)
    total_debit = sum((r.debit for r in rows), money.ZERO)
    total_credit = sum((r.credit for r in rows), money.ZERO)
    export = request.GET.get("export")
    if export in {"xlsx", "csv"}:
        headers = (["Fund"] if by_fund else []) + ["Account", "Name", "Debit", "Credit"]
        return export_response(
            request,
            export,
            name=f"trial-balance-{as_of:%Y-%m-%d}",
            title="Trial balance",
            headers=headers,
            rows=(
                ([r.fund.code] if r.fund else [])
                + [r.account.code, r.account.name, r.debit, r.credit]
                for r in rows
            ),
            footer=([""] if by_fund else []) + ["Total", "", total_debit, total_credit],
            notes=[f"Trial balance as of {as_of:%m/%d/%Y}"],
        )
    context = {
        "form": form,
        "as_of": as_of,
        "rows": rows,
        "by_fund": by_fund,
        "total_debit": total_debit,
        "total_credit": total_credit,
        "balanced": total_debit == total_credit,
    }
    return render(request, "ledger/trial_balance.html", context)

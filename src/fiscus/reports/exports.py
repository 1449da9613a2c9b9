"""Every list and report exports what it shows, to .xlsx and .csv. Amounts stay Decimal:
.xlsx cells get a number format with two places; .csv cells get the plain decimal text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from fiscus import audit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00;[Red]-#,##0.00"


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal | int | date | datetime) or value is None:
        return value.replace(tzinfo=None) if isinstance(value, datetime) else value
    return str(value)


def xlsx_bytes(
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    footer: Sequence[Any] | None = None,
    notes: Sequence[str] = (),
) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title[:31]
    line = 1
    for note in notes:
        ws.cell(row=line, column=1, value=note).font = Font(italic=True)
        line += 1
    for col, header in enumerate(headers, 1):
        ws.cell(row=line, column=col, value=header).font = Font(bold=True)
    ws.freeze_panes = f"A{line + 1}"
    for row in rows:
        line += 1
        for col, value in enumerate(row, 1):
            cell = ws.cell(row=line, column=col, value=_cell(value))
            if isinstance(value, Decimal):
                cell.number_format = MONEY_FORMAT
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
    if footer:
        line += 1
        for col, value in enumerate(footer, 1):
            cell = ws.cell(row=line, column=col, value=_cell(value))
            cell.font = Font(bold=True)
            if isinstance(value, Decimal):
                cell.number_format = MONEY_FORMAT
    for col, header in enumerate(headers, 1):
        ws.column_dimensions[get_column_letter(col)].width = max(12, min(40, len(header) + 4))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_text(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], footer: Sequence[Any] | None = None
) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else str(v) for v in row])
    if footer:
        writer.writerow(["" if v is None else str(v) for v in footer])
    return out.getvalue()


def export_response(
    request: HttpRequest,
    fmt: str,
    *,
    name: str,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    footer: Sequence[Any] | None = None,
    notes: Sequence[str] = (),
) -> HttpResponse:
    """An .xlsx or .csv download of exactly these rows; every export is an audit event."""
    rows = list(rows)
    audit.record(
        "report.exported",
        None,
        by=request.user,
        report=name,
        format=fmt,
        rows=len(rows),
        query=request.GET.urlencode(),
    )
    if fmt == "xlsx":
        response = HttpResponse(xlsx_bytes(title, headers, rows, footer, notes), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    response = HttpResponse(csv_text(headers, rows, footer), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response

"""Exporting the aging report: exactly what the filters select, with its totals row."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from fiscus.audit.models import AuditEvent
from tests.factories import customer, invoice, payment


def _city_with_balances(city):
    people = []
    for n in range(3):
        who = customer(city.clerk)
        invoice(city, who, f"{100 + n}.10", on=date(2026, 1, 5), department=city.works)
        invoice(city, who, "19.99", on=date(2026, 5, 1))
        payment(city, who, "7.00", on=date(2026, 5, 2))
        people.append(who)
    return people


def test_the_xlsx_opens_and_its_grand_total_equals_the_pages(city, technician, client_for, today):
    _city_with_balances(city)
    client = client_for(technician)
    page = client.get("/reports/aging/", {"as_of": "2026-05-10"})

    response = client.get("/reports/aging/", {"as_of": "2026-05-10", "export": "xlsx"})

    assert response["Content-Disposition"] == 'attachment; filename="aging-2026-05-10.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Aging as of 2026-05-10, by days past the due date"
    assert rows[1][0].startswith("Receivable ledger $342.27, AR control $342.27: ties")
    header = rows[2]
    assert header[:4] == ("Customer", "Name", "Type", "Not yet due")
    assert header[-2:] == ("Unapplied credits", "Total")
    body, footer = rows[3:-1], rows[-1]
    assert len(body) == 3
    assert footer[0] == "Total"
    assert Decimal(str(footer[-1])) == page.context["report"].total == Decimal("342.27")
    assert sum(Decimal(str(r[-1])) for r in body) == Decimal("342.27")


def test_the_csv_has_the_same_rows_as_the_xlsx(city, technician, client_for, today):
    _city_with_balances(city)
    client = client_for(technician)

    xlsx = client.get("/reports/aging/", {"export": "xlsx"})
    text = client.get("/reports/aging/", {"export": "csv"}).content.decode()

    sheet_rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    csv_rows = list(csv.reader(io.StringIO(text)))
    assert csv_rows[0] == list(sheet_rows[2])  # the xlsx has two note lines above its header
    assert [r[0] for r in csv_rows[1:]] == [r[0] for r in sheet_rows[3:]]
    assert csv_rows[-1][0] == "Total" and csv_rows[-1][-1] == "342.27"
    assert csv_rows[1][-2:] == ["-7.00", "113.09"]  # credits and total, exact decimal text


def test_an_export_holds_only_what_the_filters_select(city, technician, client_for, today):
    firm = customer(city.clerk, "Acme Paving", type="business")
    invoice(city, firm, "500.00")
    invoice(city, customer(city.clerk), "5.00")

    response = client_for(technician).get(
        "/reports/aging/", {"customer_type": "business", "export": "xlsx"}
    )

    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "Aging as of 2026-05-15, by days past the due date"
    assert rows[1][0] == "Customer type: Business"
    assert [r[1] for r in rows[3:-1]] == [firm.name]
    assert Decimal(str(rows[-1][-1])) == Decimal("500.00")


def test_the_detail_exports_every_item_with_a_totals_row(city, technician, client_for, today):
    people = _city_with_balances(city)

    text = client_for(technician).get("/reports/aging/", {"view": "detail", "export": "csv"})

    rows = list(csv.reader(io.StringIO(text.content.decode())))
    assert rows[0] == [
        "Item",
        "Customer",
        "Name",
        "Kind",
        "Document date",
        "Due date",
        "Days",
        "Bucket",
        "Open amount",
    ]
    assert len(rows) == 1 + 9 + 1
    assert {r[1] for r in rows[1:-1]} == {p.number for p in people}
    assert rows[-1][0] == "Total" and rows[-1][-1] == "342.27"


def test_every_export_is_an_audit_event(city, auditor, client_for, today):
    invoice(city, customer(city.clerk), "10.00")

    client_for(auditor).get("/reports/aging/", {"export": "csv"})

    event = AuditEvent.objects.filter(action="report.exported").latest("id")
    assert event.detail["report"] == "aging-2026-05-15"
    assert event.detail["format"] == "csv"

"""The billing register: posted invoices and memos in a date range, totals by department."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from fiscus.billing.memos import issue_credit_memo, issue_debit_memo
from fiscus.billing.models import Invoice, Memo, ReasonCode
from fiscus.billing.register import billing_register
from fiscus.customers.models import Customer
from tests.billing.factories_memos import Codes, charge_codes, posted_invoice
from tests.factories import City, customer

MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}


class March:
    """Parks: a pavilion invoice 268.13 (tax 18.13) on 3/2 and a 100.00 credit against it on
    3/20. Works: a sewer invoice 3,120.75 on 3/5 and a 40.25 debit memo on 3/25. Outside the
    month: a lights invoice on 4/2."""

    def __init__(self, city: City) -> None:
        self.codes: Codes = charge_codes(city)
        self.ada: Customer = customer(city.clerk, "Ada Park")
        self.ben: Customer = customer(city.clerk, "Ben Works", terms="net10")
        self.pavilion: Invoice = posted_invoice(
            city, self.ada, [(self.codes.pavilion, "1")], on=date(2026, 3, 2), reference="PO-77"
        )
        self.sewer: Invoice = posted_invoice(
            city, self.ben, [(self.codes.sewer, "1")], on=date(2026, 3, 5)
        )
        self.credit: Memo = issue_credit_memo(
            by=city.clerk,
            customer=self.ada,
            reason=ReasonCode.objects.get(code="BILLERR"),
            amount=Decimal("100.00"),
            memo_date=date(2026, 3, 20),
            invoice=self.pavilion,
        )
        self.debit: Memo = issue_debit_memo(
            by=city.clerk,
            customer=self.ben,
            reason=ReasonCode.objects.get(code="UNDERBILL"),
            amount=Decimal("40.25"),
            memo_date=date(2026, 3, 25),
            department=city.works,
        )
        self.april: Invoice = posted_invoice(
            city, self.ada, [(self.codes.lights, "2")], on=date(2026, 4, 2)
        )


@pytest.fixture
def march(city: City) -> March:
    return March(city)


def test_the_register_lists_each_document_with_totals_by_department_to_the_cent(
    march: March,
) -> None:
    report = billing_register(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))

    d, inv, cm, dm = date, "Invoice", "Credit memo", "Debit memo"
    pavilion, sewer = march.pavilion.number, march.sewer.number
    assert [(r.on, r.number, r.kind, r.department_code, r.reference) for r in report] == [
        (d(2026, 3, 2), pavilion, inv, "PRK", "PO-77"),
        (d(2026, 3, 5), sewer, inv, "PW", ""),
        (d(2026, 3, 20), march.credit.number, cm, "PRK", pavilion),
        (d(2026, 3, 25), march.debit.number, dm, "PW", ""),
    ]
    assert [(r.amount, r.tax) for r in report] == [
        (Decimal("268.13"), Decimal("18.13")),
        (Decimal("3120.75"), Decimal("0.00")),
        (Decimal("-100.00"), Decimal("0.00")),
        (Decimal("40.25"), Decimal("0.00")),
    ]
    assert [(d.code, d.documents, d.amount, d.tax) for d in report.departments] == [
        ("PRK", 2, Decimal("168.13"), Decimal("18.13")),
        ("PW", 2, Decimal("3161.00"), Decimal("0.00")),
    ]
    assert (report.total, report.tax_total) == (Decimal("3329.13"), Decimal("18.13"))


def test_the_filters_select_a_department_a_charge_code_or_a_customer(
    march: March, city: City
) -> None:
    span = {"date_from": date(2026, 3, 1), "date_to": date(2026, 4, 30)}

    parks = billing_register(**span, department_ids={city.parks.pk})
    sewer = billing_register(**span, charge_code_id=march.codes.sewer.pk)
    pavilion = billing_register(**span, charge_code_id=march.codes.pavilion.pk)
    ben = billing_register(**span, customer_id=march.ben.pk)

    assert [r.number for r in parks] == [
        march.pavilion.number,
        march.credit.number,
        march.april.number,
    ]
    assert parks.total == Decimal("258.13")  # 268.13 - 100.00 + 90.00
    assert [r.number for r in sewer] == [march.sewer.number]
    assert [r.number for r in pavilion] == [march.pavilion.number, march.credit.number]
    assert [r.number for r in ben] == [march.sewer.number, march.debit.number]


def test_the_register_reads_in_the_same_number_of_queries_however_many_documents(
    march: March, city: City
) -> None:
    with CaptureQueriesContext(connection) as few:
        billing_register(date_from=date(2026, 3, 1), date_to=date(2026, 3, 3))
    with CaptureQueriesContext(connection) as many:
        billing_register(date_from=date(2026, 3, 1), date_to=date(2026, 4, 30))

    assert len(few) == len(many) == 2


class Cells(HTMLParser):
    """The text of each cell of one table's body rows."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id, self.inside, self.section = table_id, False, ""
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and dict(attrs).get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag in ("thead", "tbody", "tfoot"):
            self.section = tag
        elif self.inside and tag == "tr" and self.section == "tbody":
            self.rows.append([])
        elif self.inside and tag == "td" and self.section == "tbody":
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False
        elif tag == "td" and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def page_rows(html: str, table_id: str = "register") -> list[list[str]]:
    parser = Cells(table_id)
    parser.feed(html)
    return parser.rows


def shown(value: Any) -> str:
    """A cell read back from the .xlsx as the page shows it (number cells come back as floats,
    written from Decimals, so two places recover them exactly)."""
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        return f"{Decimal(str(value)):,.2f}"
    if hasattr(value, "strftime"):
        return value.strftime("%m/%d/%Y")
    return "" if value is None else str(value)


def test_the_xlsx_holds_exactly_what_the_page_shows(
    client: Client, march: March, technician: User
) -> None:
    client.force_login(technician)

    html = client.get(reverse("billing:register"), MARCH).content.decode()
    export = client.get(reverse("billing:register"), {**MARCH, "export": "xlsx"})

    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = values.index(
        ["Date", "Number", "Kind", "Customer", "Name", "Department", "Reference", "Amount", "Tax"]
    )
    documents = values[header + 1 : header + 5]
    totals = values[header + 5 : header + 7]
    footer = values[header + 7]
    assert [
        [shown(d), n, k, f"{c} {name}", dept, shown(ref), shown(a), shown(t)]
        for d, n, k, c, name, dept, ref, a, t in documents
    ] == page_rows(html)
    assert [
        [f"{r[3]} {r[4]}", str(r[1]).split()[0], shown(r[7]), shown(r[8])] for r in totals
    ] == page_rows(html, "totals")
    assert [footer[1], footer[2], shown(footer[7]), shown(footer[8])] == [
        "4 documents",
        "Grand total",
        "3,329.13",
        "18.13",
    ]
    grand = (
        r'id="grand-total"><td>Grand total</td><td class="num">4</td>\s*'
        r'<td class="num">3,329\.13</td><td class="num">18\.13</td>'
    )
    assert re.search(grand, html)


def test_the_csv_export_has_the_same_documents_and_the_grand_total(
    client: Client, march: March, technician: User
) -> None:
    client.force_login(technician)

    text = client.get(reverse("billing:register"), {**MARCH, "export": "csv"}).content.decode()

    lines = text.strip().splitlines()
    assert lines[0] == "Date,Number,Kind,Customer,Name,Department,Reference,Amount,Tax"
    assert lines[1].endswith(",PRK,PO-77,268.13,18.13")
    assert lines[-1] == ",4 documents,Grand total,,,,,3329.13,18.13"


def test_a_biller_sees_their_departments_documents_only(
    client: Client, march: March, biller_parks: User, city: City
) -> None:
    client.force_login(biller_parks)

    html = client.get(reverse("billing:register"), MARCH).content.decode()
    asked_for_works = client.get(
        reverse("billing:register"), {**MARCH, "department": city.works.pk}
    )

    assert [row[1] for row in page_rows(html)] == [march.pavilion.number, march.credit.number]
    assert march.sewer.number not in asked_for_works.content.decode()
    assert asked_for_works.status_code == 200  # the form says the choice is not one of theirs


def test_someone_with_no_role_may_not_read_the_register(client: Client, outsider: User) -> None:
    client.force_login(outsider)

    assert client.get(reverse("billing:register")).status_code == 403

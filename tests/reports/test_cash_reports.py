"""The cash reports: cash receipts journal, deposit report, daily balancing, unapplied cash.

April in a small city, made through the cash services, each step on its own day:

- 4/6, Parks deposit D1 (cashier Cass, control 3 / 260.50): Ada's check #1042 100.00 (80.00 of it
  applied to her invoice that day), cash 60.50 from "R. Lopez" (unidentified until 5/2, when it
  is named Ada's) and Ben's money order 100.00 (30.00 applied on 5/1).
- 4/6, Works deposit D2 (Cass, control 2 / 312.34): Ben's card 300.00 (applied in full that day)
  and his ACH 12.34.
- Parks reports 260.50 (3), Works 290.00 (1). The bank credits 260.50 on 4/7 and, against D2
  itself, 312.43 on 4/8. Sam balances 4/6 on 4/9.
- 4/20, Parks deposit D3 (Tina, control 2 / 50.00, left open): Ada's wire 45.25 and an
  unidentified check #5521 for 15.00 from "Unknown Church". Nobody reports, the bank shows nothing.
- Ben's money order has three suggestions: invoice_typo 0.72 and payer_name 0.40 waiting, amount
  0.95 dismissed.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from fiscus.audit.models import AuditEvent
from fiscus.cash import services as cash
from fiscus.cash.models import BankLine, BankStatement, Deposit, Match, Payment
from fiscus.cash.queries import day_balancing
from fiscus.cash.services import PaymentInput
from fiscus.receivables.models import ImportBatch
from fiscus.reports.cash import balancing_report, cash_receipts, deposit_report, unapplied_cash
from tests.factories import City, customer, invoice

D = Decimal
APRIL = {"date_from": "2026-04-01", "date_to": "2026-04-30"}
APRIL_6, APRIL_20 = date(2026, 4, 6), date(2026, 4, 20)


@contextmanager
def on(day: date) -> Iterator[None]:
    """Noon in California on `day`."""
    with time_machine.travel(datetime(day.year, day.month, day.day, 19, 0, tzinfo=UTC), tick=False):
        yield


def paid(amount: str, method: str, who: Any = None, *, received: date = APRIL_6, **kw: Any):
    return PaymentInput(amount=D(amount), method=method, received_on=received, customer=who, **kw)


def bank_credit(deposit: Deposit | None, booked: date, amount: str, ref: str, *, by: User) -> None:
    """A line of an imported bank statement (the bank's file is input, not a posting)."""
    batch = ImportBatch.objects.create(
        kind="bank", file_name=f"{ref}.bai", file_hash=ref, rows=1, total=D(amount), imported_by=by
    )
    statement = BankStatement.objects.create(
        import_batch=batch,
        account_number="000123456789",
        format="bai2",
        start_date=booked,
        end_date=booked,
    )
    BankLine.objects.create(
        statement=statement,
        line=1,
        booked=booked,
        amount=D(amount),
        bank_reference=ref,
        identity=ref,
        deposit=deposit,
    )


class April:
    def __init__(self, city: City, cass: User, tina: User, sam: User) -> None:
        clerk = city.clerk
        with on(APRIL_6):
            self.ada = customer(clerk, "Ada Park")
            self.ben = customer(clerk, "Ben Works")
            ada_bill = invoice(city, self.ada, "80.00")
            ben_bill = invoice(city, self.ben, "300.00", department=city.works)
            self.d1 = cash.open_deposit(
                department=city.parks,
                on=APRIL_6,
                by=cass,
                control_count=3,
                control_total=D("260.50"),
            )
            self.p1, self.p3, self.p2 = self._sorted_by_input(
                cash.record_payments(
                    self.d1,
                    [
                        paid("100.00", "check", self.ada, check_number="1042", payer="Ada Park"),
                        paid("60.50", "cash", payer="R. Lopez"),
                        paid("100.00", "money_order", self.ben, payer="Ben Works"),
                    ],
                    by=cass,
                ),
                ["check", "money_order", "cash"],
            )
            cash.apply_payment(self.p1, [(ada_bill, D("80.00"))], by=clerk, on=APRIL_6)
            self.d2 = cash.open_deposit(
                department=city.works,
                on=APRIL_6,
                by=cass,
                control_count=2,
                control_total=D("312.34"),
            )
            self.p4, self.p6 = self._sorted_by_input(
                cash.record_payments(
                    self.d2,
                    [paid("300.00", "card", self.ben), paid("12.34", "ach", self.ben)],
                    by=cass,
                ),
                ["card", "ach"],
            )
            cash.apply_payment(self.p4, [(ben_bill, D("300.00"))], by=clerk, on=APRIL_6)
            cash.close_deposit(self.d1, by=cass)
            cash.close_deposit(self.d2, by=cass)
            for dept, amount, count in ((city.parks, "260.50", 3), (city.works, "290.00", 1)):
                cash.report_department_day(
                    day=APRIL_6, department=dept, amount=D(amount), count=count, by=cass
                )
        with on(date(2026, 4, 9)):
            bank_credit(None, date(2026, 4, 7), "260.50", "LBX-0407", by=sam)
            bank_credit(self.d2, date(2026, 4, 8), "312.43", "DEP-0408", by=sam)
            cash.balance_day(APRIL_6, by=sam, note="Works miscounted; the bank keyed 312.43.")
        with on(date(2026, 4, 10)):
            ben_second = invoice(
                city, self.ben, "50.00", on=date(2026, 4, 10), department=city.works
            )
        with on(APRIL_20):
            self.d3 = cash.open_deposit(
                department=city.parks,
                on=APRIL_20,
                by=tina,
                control_count=2,
                control_total=D("50.00"),
            )
            self.p5, self.p7 = self._sorted_by_input(
                cash.record_payments(
                    self.d3,
                    [
                        paid("45.25", "wire", self.ada, received=APRIL_20, reference="WIRE-88"),
                        paid(
                            "15.00",
                            "check",
                            received=APRIL_20,
                            payer="Unknown Church",
                            check_number="5521",
                        ),
                    ],
                    by=tina,
                ),
                ["wire", "check"],
            )
        with on(date(2026, 5, 1)):
            cash.apply_payment(self.p3, [(ben_second, D("30.00"))], by=clerk, on=date(2026, 5, 1))
        with on(date(2026, 5, 2)):
            cash.identify_payment(self.p2, self.ada, by=clerk)
            for rule, confidence, status in (
                ("invoice_typo", "0.72", Match.Status.SUGGESTED),
                ("payer_name", "0.40", Match.Status.SUGGESTED),
                ("amount", "0.95", Match.Status.DISMISSED),
            ):
                Match.objects.create(
                    payment=self.p3,
                    customer=self.ben,
                    rule=rule,
                    confidence=D(confidence),
                    reason=f"{rule} reason",
                    status=status,
                )

    @staticmethod
    def _sorted_by_input(payments: list[Payment], methods: list[str]) -> list[Payment]:
        by_method = {p.method: p for p in payments}
        return [by_method[m] for m in methods]

    def numbers(self, *payments: Payment) -> list[str]:
        return [p.number for p in payments]


@pytest.fixture
def april(city, cashier, technician, supervisor, today) -> April:
    return April(city, cashier, technician, supervisor)


def in_order(*payments: Payment) -> list[str]:
    """Numbers as the reports list them: by date received, then number."""
    return [p.number for p in sorted(payments, key=lambda p: (p.received_on, p.number))]


# -- the cash receipts journal -------------------------------------------------------------------


def test_the_journal_lists_each_payment_with_applied_and_unapplied_and_totals_by_method(april):
    journal = cash_receipts(date_from=date(2026, 4, 1), date_to=date(2026, 4, 30))

    a = april
    assert [r.number for r in journal] == in_order(a.p1, a.p2, a.p3, a.p4, a.p6, a.p5, a.p7)
    rows = {r.number: r for r in journal}
    p1, p7 = rows[a.p1.number], rows[a.p7.number]
    assert (p1.on, p1.deposit_number, p1.customer_number, p1.check_number, p1.method_label) == (
        APRIL_6,
        a.d1.number,
        a.ada.number,
        "1042",
        "Check",
    )
    assert (p1.department_code, p1.cashier, p1.amount, p1.applied, p1.unapplied) == (
        "PRK",
        "Cass",
        D("100.00"),
        D("80.00"),
        D("20.00"),
    )
    assert (p7.customer_number, p7.customer_name, p7.payer, p7.cashier) == (
        "Unidentified",
        "",
        "Unknown Church",
        "Tina",
    )
    assert rows[a.p3.number].applied == D("30.00") and rows[a.p3.number].unapplied == D("70.00")
    assert [(m.label, m.count, m.amount, m.applied, m.unapplied) for m in journal.methods] == [
        ("Check", 2, D("115.00"), D("80.00"), D("35.00")),
        ("Cash", 1, D("60.50"), D("0.00"), D("60.50")),
        ("Money order", 1, D("100.00"), D("30.00"), D("70.00")),
        ("Card", 1, D("300.00"), D("300.00"), D("0.00")),
        ("ACH", 1, D("12.34"), D("0.00"), D("12.34")),
        ("Wire", 1, D("45.25"), D("0.00"), D("45.25")),
    ]
    t = journal.total
    assert (t.count, t.amount, t.applied, t.unapplied) == (
        7,
        D("633.09"),
        D("410.00"),
        D("223.09"),
    )


def test_the_journal_filters_by_department_method_cashier_and_customer(april, city, technician):
    span = {"date_from": date(2026, 4, 1), "date_to": date(2026, 4, 30)}
    a = april

    works = cash_receipts(**span, department_ids={city.works.pk})
    checks = cash_receipts(**span, method="check")
    tinas = cash_receipts(**span, cashier_id=technician.pk)
    bens = cash_receipts(**span, customer_id=a.ben.pk)
    first_week = cash_receipts(date_from=date(2026, 4, 1), date_to=date(2026, 4, 7))

    assert ([r.number for r in works], works.total.amount) == (in_order(a.p4, a.p6), D("312.34"))
    assert ([r.number for r in checks], checks.total.amount) == (in_order(a.p1, a.p7), D("115.00"))
    assert ([r.number for r in tinas], tinas.total.amount) == (in_order(a.p5, a.p7), D("60.25"))
    assert ([r.number for r in bens], bens.total.unapplied) == (
        in_order(a.p3, a.p4, a.p6),
        D("82.34"),
    )
    assert first_week.total.amount == D("572.84")


def test_the_journal_reads_in_one_query_however_many_payments(april):
    with CaptureQueriesContext(connection) as few:
        cash_receipts(date_from=date(2026, 4, 1), date_to=date(2026, 4, 1))
    with CaptureQueriesContext(connection) as many:
        cash_receipts(date_from=date(2026, 4, 1), date_to=date(2026, 4, 30))

    assert len(few) == len(many) == 1


class Cells(HTMLParser):
    """The text of each cell of one table's body rows (or its footer's)."""

    def __init__(self, table_id: str, section: str = "tbody") -> None:
        super().__init__()
        self.table_id, self.wanted = table_id, section
        self.inside, self.section = False, ""
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and dict(attrs).get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag in ("thead", "tbody", "tfoot"):
            self.section = tag
        elif self.inside and tag == "tr" and self.section == self.wanted:
            self.rows.append([])
        elif self.inside and tag == "td" and self.section == self.wanted:
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


def cells(html: str, table_id: str, section: str = "tbody") -> list[list[str]]:
    parser = Cells(table_id, section)
    parser.feed(html)
    return parser.rows


def sheet_rows(content: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def amount(value: Any) -> Decimal:
    """A number cell read back from the .xlsx (written from a Decimal; two places recover it)."""
    return D(str(value)).quantize(D("0.01"))


def test_the_journal_page_and_its_xlsx_show_the_same_payments_and_totals(
    april, technician, client_for
):
    client = client_for(technician)

    html = client.get(reverse("reports:cash_receipts"), APRIL).content.decode()
    export = client.get(reverse("reports:cash_receipts"), {**APRIL, "export": "xlsx"})

    assert export["Content-Disposition"] == (
        'attachment; filename="cash-receipts-2026-04-01-2026-04-30.xlsx"'
    )
    rows = sheet_rows(export.content)
    assert rows[0][0] == (
        "Cash receipts journal 2026-04-01 to 2026-04-30, by received date; "
        "applied and unapplied as they stand now"
    )
    header = rows.index(
        [
            "Date",
            "Payment",
            "Deposit",
            "Customer",
            "Name",
            "Payer",
            "Method",
            "Check number",
            "Department",
            "Cashier",
            "Amount",
            "Applied",
            "Unapplied",
        ]
    )
    payments, methods, footer = rows[header + 1 : header + 8], rows[header + 8 : -1], rows[-1]
    page = cells(html, "receipts")
    assert [r[1] for r in payments] == [r[1] for r in page]
    assert [[amount(v) for v in r[10:]] for r in payments] == [
        [D(v.replace(",", "")) for v in r[9:]] for r in page
    ]
    unknown = next(r for r in payments if r[1] == april.p7.number)
    assert unknown[3:7] == ["Unidentified", None, "Unknown Church", "Check"]
    assert [(r[6], amount(r[10])) for r in methods] == [
        (r[0], D(r[2].replace(",", ""))) for r in cells(html, "methods")
    ]
    assert [footer[1], footer[2], *map(amount, footer[10:])] == [
        "7 payments",
        "Grand total",
        D("633.09"),
        D("410.00"),
        D("223.09"),
    ]
    assert cells(html, "methods", "tfoot") == [["Grand total", "7", "633.09", "410.00", "223.09"]]


def test_the_journal_csv_has_exact_decimal_text(april, technician, client_for):
    text = (
        client_for(technician)
        .get(reverse("reports:cash_receipts"), {**APRIL, "export": "csv", "method": "check"})
        .content.decode()
    )

    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][-3:] == ["Amount", "Applied", "Unapplied"]
    assert [r[1] for r in lines[1:3]] == in_order(april.p1, april.p7)
    assert lines[1][-3:] == ["100.00", "80.00", "20.00"]
    assert lines[-1] == ["", "2 payments", "Grand total", *[""] * 7, "115.00", "80.00", "35.00"]


# -- the deposit report --------------------------------------------------------------------------


def test_the_deposit_report_sets_control_figures_against_contents_and_the_bank(april):
    report = deposit_report(date_from=date(2026, 4, 1), date_to=date(2026, 4, 30))

    a = april
    assert [
        (r.number, r.status, r.department_code, r.cashier, r.control_count, r.control_total)
        for r in report
    ] == [
        (a.d1.number, "balanced", "PRK", "Cass", 3, D("260.50")),
        (a.d2.number, "balanced", "PW", "Cass", 2, D("312.34")),
        (a.d3.number, "open", "PRK", "Tina", 2, D("50.00")),
    ]
    assert [(r.count, r.total, r.count_difference, r.difference) for r in report] == [
        (3, D("260.50"), 0, D("0.00")),
        (2, D("312.34"), 0, D("0.00")),
        (2, D("60.25"), 0, D("10.25")),
    ]
    assert [r.bank and (r.bank.booked, r.bank.amount, r.bank.reference) for r in report] == [
        (date(2026, 4, 7), D("260.50"), "LBX-0407"),
        (date(2026, 4, 8), D("312.43"), "DEP-0408"),
        None,
    ]
    assert (report.control_total, report.count, report.total, report.difference) == (
        D("622.84"),
        7,
        D("633.09"),
        D("10.25"),
    )
    assert (report.bank_total, report.unmatched) == (D("572.93"), 1)


def test_each_deposit_shows_the_bank_credit_the_balancing_page_matched_whatever_the_filter(
    april, city
):
    balancing = day_balancing(APRIL_6)
    works_only = deposit_report(date_from=APRIL_6, date_to=APRIL_6, department_ids={city.works.pk})
    parks_only = deposit_report(date_from=APRIL_6, date_to=APRIL_6, department_ids={city.parks.pk})
    open_ones = deposit_report(date_from=date(2026, 4, 1), date_to=date(2026, 4, 30), status="open")

    seen_by_balancing = {m.deposit.number: m.line and m.line.amount for m in balancing.bank}
    assert seen_by_balancing == {april.d1.number: D("260.50"), april.d2.number: D("312.43")}
    assert [(r.number, r.bank and r.bank.amount) for r in [*parks_only, *works_only]] == [
        (april.d1.number, D("260.50")),
        (april.d2.number, D("312.43")),
    ]
    assert [r.number for r in open_ones] == [april.d3.number]


def test_the_deposit_page_links_each_deposit_and_exports_what_it_shows(
    april, technician, client_for
):
    client = client_for(technician)

    html = client.get(reverse("reports:deposits"), APRIL).content.decode()
    text = client.get(reverse("reports:deposits"), {**APRIL, "export": "csv"}).content.decode()
    book = sheet_rows(client.get(reverse("reports:deposits"), {**APRIL, "export": "xlsx"}).content)

    assert f'href="{reverse("cash:deposit", args=[april.d3.pk])}"' in html
    page = cells(html, "deposits")
    assert [r[1] for r in page] == [april.d1.number, april.d2.number, april.d3.number]
    assert page[2][5:11] == ["2", "50.00", "2", "60.25", "0", "10.25"]
    assert page[2][11] == "Not on a bank statement"
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[1] == [
        "2026-04-06",
        april.d1.number,
        "Balanced",
        "PRK",
        "Cass",
        "3",
        "260.50",
        "3",
        "260.50",
        "0",
        "0.00",
        "2026-04-07",
        "260.50",
        "LBX-0407",
    ]
    assert lines[-1] == [
        "",
        "3 deposits",
        "Total",
        "",
        "",
        "",
        "622.84",
        "7",
        "633.09",
        "",
        "10.25",
        "",
        "572.93",
        "1 not on a bank statement",
    ]
    assert book[0][0] == "Deposit report 2026-04-01 to 2026-04-30, by deposit date"
    assert [amount(v) for v in book[-1][6:9:2]] == [D("622.84"), D("633.09")]


# -- the daily balancing report ------------------------------------------------------------------


def test_each_day_shows_three_ways_its_variances_and_who_balanced_it(april):
    report = balancing_report(date_from=date(2026, 4, 1), date_to=date(2026, 4, 30))

    sixth, twentieth = report.rows
    assert (sixth.day, sixth.reported, sixth.receipted, sixth.bank) == (
        APRIL_6,
        D("550.50"),
        D("572.84"),
        D("572.93"),
    )
    assert (sixth.receipted_less_reported, sixth.bank_less_receipted) == (D("22.34"), D("0.09"))
    assert (sixth.reported_count, sixth.receipted_count) == (4, 5)
    assert (sixth.variances, sixth.variance_amount) == (2, D("22.43"))
    assert (sixth.balanced, sixth.balanced_by) == (True, "Sam")
    assert sixth.balanced_at == datetime(2026, 4, 9, 19, 0, tzinfo=UTC)
    assert (twentieth.reported, twentieth.receipted, twentieth.bank) == (
        D("0.00"),
        D("60.25"),
        D("0.00"),
    )
    assert (twentieth.variances, twentieth.variance_amount) == (2, D("120.50"))
    assert (twentieth.balanced, twentieth.open_deposits, twentieth.unreported) == (False, 1, 1)
    assert (report.reported, report.receipted, report.bank) == (
        D("550.50"),
        D("633.09"),
        D("572.93"),
    )
    assert (report.variances, report.variance_amount, report.balanced_days) == (
        4,
        D("142.93"),
        1,
    )


def test_the_days_variances_are_the_balancing_pages_own(april):
    report = balancing_report(date_from=APRIL_6, date_to=APRIL_6)

    assert report.rows[0].causes == [v.cause for v in day_balancing(APRIL_6).variances]
    assert any("Public Works reported $290.00" in c for c in report.rows[0].causes)


def test_a_department_sees_its_own_figures_and_variances_only(april, city):
    report = balancing_report(
        date_from=date(2026, 4, 1), date_to=date(2026, 4, 30), department_ids={city.parks.pk}
    )

    sixth, twentieth = report.rows
    assert (sixth.reported, sixth.receipted, sixth.bank, sixth.variances) == (
        D("260.50"),
        D("260.50"),
        D("260.50"),
        0,
    )
    assert (twentieth.receipted, twentieth.variances, twentieth.variance_amount) == (
        D("60.25"),
        2,
        D("120.50"),
    )
    assert all("Public Works" not in c for c in sixth.causes + twentieth.causes)
    assert (report.receipted, report.variance_amount) == (D("320.75"), D("120.50"))


def test_the_balancing_page_and_its_xlsx_agree(april, supervisor, client_for):
    client = client_for(supervisor)

    html = client.get(reverse("reports:daily_balancing"), APRIL).content.decode()
    rows = sheet_rows(
        client.get(reverse("reports:daily_balancing"), {**APRIL, "export": "xlsx"}).content
    )

    days = [r for r in cells(html, "days") if len(r) == 9]
    assert [r[:8] for r in days] == [
        ["04/06/2026", "550.50", "572.84", "572.93", "22.34", "0.09", "2", "22.43"],
        ["04/20/2026", "0.00", "60.25", "0.00", "60.25", "-60.25", "2", "120.50"],
    ]
    assert days[0][8] == "Balanced by Sam on 04/09/2026 12:00"
    assert days[1][8] == "Not balanced · 1 open deposit"
    assert rows[1][:2] == ["Date", "Reported"]
    body = rows[2:4]
    assert [(r[0].date(), amount(r[2]), r[6], amount(r[7]), r[8], r[9]) for r in body] == [
        (APRIL_6, D("572.84"), 2, D("22.43"), "Yes", "Sam"),
        (APRIL_20, D("60.25"), 2, D("120.50"), "No", None),
    ]
    assert f"{body[0][10]:%Y-%m-%d %H:%M}" == "2026-04-09 12:00"  # local, as the page shows
    assert "Deposit " in body[1][11] and "not on a bank statement" in body[1][11]
    assert [rows[-1][0], amount(rows[-1][1]), amount(rows[-1][7]), rows[-1][8]] == [
        "2 days",
        D("550.50"),
        D("142.93"),
        "1 balanced",
    ]


# -- unapplied cash ------------------------------------------------------------------------------


def _unapplied(report) -> list[tuple[str, str, int, Decimal]]:
    return [(r.number, r.customer_number, r.age, r.unapplied) for r in report]


def test_unapplied_cash_today_lists_every_payment_with_money_left_and_its_age(april):
    a = april
    report = unapplied_cash(as_of=date(2026, 5, 15))

    expected = {
        a.p1.number: (a.ada.number, 39, D("20.00")),
        a.p2.number: (a.ada.number, 39, D("60.50")),
        a.p3.number: (a.ben.number, 39, D("70.00")),
        a.p6.number: (a.ben.number, 39, D("12.34")),
        a.p5.number: (a.ada.number, 25, D("45.25")),
        a.p7.number: ("Unidentified", 25, D("15.00")),
    }
    assert _unapplied(report) == [
        (n, *expected[n]) for n in in_order(a.p1, a.p2, a.p3, a.p6, a.p5, a.p7)
    ]
    assert (report.total, report.unidentified_count, report.unidentified_total) == (
        D("223.09"),
        1,
        D("15.00"),
    )
    assert (report.on_account_count, report.on_account_total) == (5, D("208.09"))
    best = next(r for r in report if r.number == a.p3.number)
    assert (best.suggestion_rule, best.suggestion_confidence) == ("invoice_typo", D("0.72"))
    assert report.suggested == 1


def test_as_of_a_past_date_the_ledger_answers_and_later_identification_does_not_count(april):
    a = april
    end_of_april = unapplied_cash(as_of=date(2026, 4, 30))
    tenth = unapplied_cash(as_of=date(2026, 4, 10))
    fifth = unapplied_cash(as_of=date(2026, 4, 5))

    expected = {
        a.p1.number: (a.ada.number, 24, D("20.00")),
        a.p2.number: ("Unidentified", 24, D("60.50")),  # named Ada's only on 5/2
        a.p3.number: (a.ben.number, 24, D("100.00")),  # 30.00 applied only on 5/1
        a.p6.number: (a.ben.number, 24, D("12.34")),
        a.p5.number: (a.ada.number, 10, D("45.25")),
        a.p7.number: ("Unidentified", 10, D("15.00")),
    }
    assert _unapplied(end_of_april) == [
        (n, *expected[n]) for n in in_order(a.p1, a.p2, a.p3, a.p6, a.p5, a.p7)
    ]
    assert (end_of_april.total, end_of_april.unidentified_total) == (D("253.09"), D("75.50"))
    assert (end_of_april.unidentified_count, end_of_april.on_account_total) == (2, D("177.59"))
    assert [r.number for r in tenth] == in_order(a.p1, a.p2, a.p3, a.p6)
    assert tenth.total == D("192.84")
    assert len(fifth) == 0 and fifth.total == D("0.00")


def test_the_ledger_read_agrees_with_the_cached_open_amounts(april):
    yesterday = unapplied_cash(as_of=date(2026, 5, 14))  # nothing happened on 5/15
    today = unapplied_cash(as_of=date(2026, 5, 15))

    def key(r) -> tuple[Any, ...]:
        return (r.number, r.customer_number, r.unapplied)

    assert [key(r) for r in yesterday] == [key(r) for r in today]
    assert yesterday.total == today.total == D("223.09")


def test_the_unapplied_page_and_its_exports_hold_the_same_payments(april, technician, client_for):
    client = client_for(technician)
    query = {"as_of": "2026-04-30"}

    html = client.get(reverse("reports:unapplied_cash"), query).content.decode()
    rows = sheet_rows(
        client.get(reverse("reports:unapplied_cash"), {**query, "export": "xlsx"}).content
    )
    text = client.get(reverse("reports:unapplied_cash"), {**query, "export": "csv"}).content

    page = cells(html, "unapplied")
    assert rows[0][0] == "Unapplied cash as of 2026-04-30; suggestions as they stand now"
    assert rows[1][:3] == ["Payment", "Received", "Age (days)"]
    body, summary = rows[2:8], rows[8:10]
    assert [r[0] for r in body] == [r[0] for r in page]
    assert [amount(r[10]) for r in body] == [D(r[9]) for r in page]
    assert [(r[6], amount(r[10])) for r in summary] == [
        ("Unidentified", D("75.50")),
        ("On account", D("177.59")),
    ]
    assert [rows[-1][0], amount(rows[-1][10]), rows[-1][11]] == [
        "6 payments",
        D("253.09"),
        "1 suggested",
    ]
    ben_row = next(r for r in page if r[0] == april.p3.number)
    assert ben_row[10] == "invoice_typo (0.72)"
    lines = list(csv.reader(io.StringIO(text.decode())))
    assert lines[-1][10] == "253.09"
    assert re.search(r'id="grand-total"><td>Total</td><td class="num">6</td>', html)


# -- who may see what ----------------------------------------------------------------------------


def test_a_biller_sees_their_departments_only_on_every_cash_report(
    april, biller_parks, city, client_for
):
    client = client_for(biller_parks)
    works = {"department": city.works.pk}

    journal = client.get(reverse("reports:cash_receipts"), APRIL)
    asked_for_works = client.get(reverse("reports:cash_receipts"), {**APRIL, **works})
    deposits = client.get(reverse("reports:deposits"), {**APRIL, "export": "csv"})
    days = client.get(reverse("reports:daily_balancing"), {**APRIL, "export": "csv"})
    unapplied = client.get(reverse("reports:unapplied_cash"), {"as_of": "2026-04-30"})

    a = april
    assert [r[1] for r in cells(journal.content.decode(), "receipts")] == in_order(
        a.p1, a.p2, a.p3, a.p5, a.p7
    )
    assert journal.context["report"].total.amount == D("320.75")
    assert asked_for_works.status_code == 200 and "report" not in asked_for_works.context
    assert a.p4.number not in asked_for_works.content.decode()
    deposit_numbers = [r[1] for r in csv.reader(io.StringIO(deposits.content.decode()))][1:-1]
    assert deposit_numbers == [a.d1.number, a.d3.number]
    day_lines = list(csv.reader(io.StringIO(days.content.decode())))
    assert [r[2] for r in day_lines[1:]] == ["260.50", "60.25", "320.75"]
    assert unapplied.context["report"].total == D("240.75")
    assert a.p6.number not in unapplied.content.decode()


def test_someone_with_no_role_may_not_read_any_cash_report(april, outsider, client_for):
    client = client_for(outsider)

    for name in ("cash_receipts", "deposits", "daily_balancing", "unapplied_cash"):
        assert client.get(reverse(f"reports:{name}")).status_code == 403
        assert client.get(reverse(f"reports:{name}"), {"export": "csv"}).status_code == 403
    assert not AuditEvent.objects.filter(action="report.exported").exists()


def test_every_cash_export_is_an_audit_event(april, auditor, client_for):
    client = client_for(auditor)

    client.get(reverse("reports:deposits"), {**APRIL, "export": "xlsx"})
    client.get(reverse("reports:unapplied_cash"), {"export": "csv"})

    events = AuditEvent.objects.filter(action="report.exported").order_by("id")
    assert [(e.detail["report"], e.detail["format"], e.detail["rows"]) for e in events] == [
        ("deposits-2026-04-01-2026-04-30", "xlsx", 3),
        ("unapplied-cash-2026-05-15", "csv", 8),
    ]
    assert {e.actor_id for e in events} == {auditor.pk}


def test_the_reports_index_lists_the_four_cash_reports(technician, client_for, today):
    html = client_for(technician).get(reverse("reports:index")).content.decode()

    for name in ("cash_receipts", "deposits", "daily_balancing", "unapplied_cash"):
        assert f'href="{reverse(f"reports:{name}")}"' in html


def test_htmx_gets_only_the_report_and_a_backwards_range_is_refused(april, technician, client_for):
    client = client_for(technician)

    partial = client.get(reverse("reports:deposits"), APRIL, headers={"HX-Request": "true"})
    backwards = client.get(
        reverse("reports:cash_receipts"), {"date_from": "2026-04-30", "date_to": "2026-04-01"}
    )

    assert b"<html" not in partial.content and b'id="deposits"' in partial.content
    assert "The end date is before the start date." in backwards.content.decode()
    assert "report" not in backwards.context

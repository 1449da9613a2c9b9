"""The adjustment reports: the adjustments register, write-offs by reason and period, credit
balances and the refunds register.

April and May in a small city, made through the adjustment services, each step on its own day
(Tina prepares, Sam decides; FY2026 runs July to June, so April is P10 and May P11):

- 4/6 write-off WO1 (BADDEBT) of Ada's Parks invoice, 140.00; Sam approves it on 4/8. On 5/6
  Ada pays 100.00, which reinstates 100.00 of it.
- 4/10 small-balance batch WO2 (SMALLBAL): Ada 4.99 (Parks), Ben 7.50 (Works), Cy 3.00 (Parks).
- 4/15 correction ADJ1 (BILLERR) of 30.00 on Ben's Works invoice, within the threshold: posted at
  once, nobody approves it.
- 4/20 transfer TRF1 of Cy's 600.00 Parks invoice to Dee, above the threshold: still pending.
- 4/22 write-off WO3 (SKIP) of Ben's 50.00 Works invoice, rejected by Sam.
- 5/4 write-off WO4 (BADDEBT) of Ben's 80.00 Works invoice, approved on 5/5.
- Refunds: Fox 80.00 (Parks, OVERPAY; approved 4/9, sent to AP 4/10, paid by check 4/14),
  Gus 45.00 (Works, DUPPAY, to "Gus's Garage LLC"; approved 4/17, sent 4/20),
  Hal 25.00 of his 40.00 (Parks, CLOSED; approved 4/22), Ivy 60.00 (Parks, pending since 4/27),
  Jo 16.00 (Works, withdrawn 4/28).
- Credit balances besides: Kim paid 200.00 at Parks and owes 50.00 at Works; Leo paid 10.00 at
  Parks and 5.00 at Works and owes 12.00 at Parks.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fiscus.adjustments import services as adj
from fiscus.adjustments.models import Reason, Request
from fiscus.adjustments.services import Wanted
from fiscus.audit.models import AuditEvent
from fiscus.customers.models import Customer
from fiscus.organization.models import Account, Department
from fiscus.organization.services import account
from fiscus.receivables.models import Item
from fiscus.receivables.services import ItemSpec, Offset, apply_credit, post_item
from fiscus.reports.adjustments import (
    adjustments_register,
    credit_balances,
    refunds_register,
    write_offs,
)
from tests.factories import City, customer, invoice
from tests.reports.test_cash_reports import amount, cells, sheet_rows

D = Decimal
APRIL = {"date_from": "2026-04-01", "date_to": "2026-04-30"}
SPRING = {"date_from": "2026-04-01", "date_to": "2026-05-31"}
APRIL_DATES = {"date_from": date(2026, 4, 1), "date_to": date(2026, 4, 30)}
SPRING_DATES = {"date_from": date(2026, 4, 1), "date_to": date(2026, 5, 31)}
P10, P11 = "FY2026 P10 (Apr 2026)", "FY2026 P11 (May 2026)"


@contextmanager
def on(day: date) -> Iterator[None]:
    """Noon in California on `day`."""
    with time_machine.travel(datetime(day.year, day.month, day.day, 19, 0, tzinfo=UTC), tick=False):
        yield


def reason(code: str) -> Reason:
    return Reason.objects.get(code=code)


def paid_in(
    city: City, who: Customer, amount: str, department: Department, *, received: date
) -> Item:
    """Money a department took in for `who`, not applied to anything (a credit item)."""
    value = D(amount)
    return post_item(
        ItemSpec(
            customer=who,
            kind=Item.Kind.PAYMENT,
            amount=-value,
            fund=city.general,
            department=department,
            document_date=received,
            due_date=received,
            offsets=[Offset(account(Account.Role.UNDEPOSITED_CASH), value, department=department)],
        ),
        on=received,
        by=city.clerk,
        source="test",
    )


class Spring:
    def __init__(self, city: City, tina: User, sam: User) -> None:
        clerk, parks, works = city.clerk, city.parks, city.works
        with on(date(2026, 3, 20)):
            self.ada, self.ben, self.cy, self.dee = (
                customer(clerk, name) for name in ("Ada Park", "Ben Works", "Cy Field", "Dee Hall")
            )
            ada_owes = invoice(city, self.ada, "140.00")
            ada_small = invoice(city, self.ada, "4.99", on=date(2026, 3, 20))
            ben_small = invoice(city, self.ben, "7.50", department=works)
            ben_fix = invoice(city, self.ben, "100.00", department=works)
            ben_skip = invoice(city, self.ben, "50.00", department=works)
            ben_bad = invoice(city, self.ben, "80.00", department=works)
            cy_small = invoice(city, self.cy, "3.00")
            cy_wrong = invoice(city, self.cy, "600.00")
            self.fox, self.gus, self.hal, self.ivy, self.jo, self.kim, self.leo = (
                customer(clerk, name)
                for name in ("Fox Mulder", "Gus Garage", "Hal Kent", "Ivy Lane", "Jo March")
                + ("Kim Stone", "Leo Marsh")
            )
            fox_bill = invoice(city, self.fox, "50.00")
            fox_paid = paid_in(city, self.fox, "130.00", parks, received=date(2026, 3, 10))
            apply_credit(fox_paid, fox_bill, D("50.00"), on=date(2026, 3, 20), by=clerk)
            paid_in(city, self.gus, "45.00", works, received=date(2026, 3, 11))
            paid_in(city, self.hal, "40.00", parks, received=date(2026, 3, 11))
            paid_in(city, self.ivy, "60.00", parks, received=date(2026, 3, 15))
            paid_in(city, self.jo, "16.00", works, received=date(2026, 3, 16))
            paid_in(city, self.kim, "200.00", parks, received=date(2026, 3, 12))
            invoice(city, self.kim, "50.00", department=works)
            paid_in(city, self.leo, "10.00", parks, received=date(2026, 3, 10))
            paid_in(city, self.leo, "5.00", works, received=date(2026, 3, 20))
            invoice(city, self.leo, "12.00")

        def prepare(kind: str, code: str, lines: list[Wanted], day: date, **kw: Any) -> Request:
            with on(day):
                return adj.prepare(
                    by=tina, kind=kind, reason=reason(code), lines=lines, on=day, **kw
                )

        def decide(request: Request, day: date) -> Request:
            with on(day):
                return adj.approve(request, by=sam)

        def refund(who: Customer, code: str, amount: str, day: date, **kw: Any) -> Request:
            with on(day):
                return adj.request_refund(
                    by=tina, customer=who, reason=reason(code), amount=D(amount), on=day, **kw
                )

        self.wo1 = prepare(
            "write_off", "BADDEBT", [Wanted(ada_owes, D("140.00"))], date(2026, 4, 6)
        )
        self.r1 = refund(self.fox, "OVERPAY", "80.00", date(2026, 4, 7))
        decide(self.wo1, date(2026, 4, 8))
        decide(self.r1, date(2026, 4, 9))
        with on(date(2026, 4, 10)):
            self.vch1 = adj.export_vouchers(by=tina)
        self.wo2 = prepare(
            "small_balance",
            "SMALLBAL",
            [
                Wanted(ada_small, D("4.99")),
                Wanted(ben_small, D("7.50")),
                Wanted(cy_small, D("3.00")),
            ],
            date(2026, 4, 10),
        )
        decide(self.wo2, date(2026, 4, 10))
        with on(date(2026, 4, 14)):
            adj.mark_paid(
                self.r1, by=tina, paid_on=date(2026, 4, 14), paid_by="check", reference="CHK 20417"
            )
        self.adj1 = prepare(
            "correction", "BILLERR", [Wanted(ben_fix, D("30.00"))], date(2026, 4, 15)
        )
        self.r2 = refund(
            self.gus, "DUPPAY", "45.00", date(2026, 4, 16), payee_name="Gus's Garage LLC"
        )
        decide(self.r2, date(2026, 4, 17))
        with on(date(2026, 4, 20)):
            self.vch2 = adj.export_vouchers(by=sam)
        self.trf1 = prepare(
            "transfer",
            "WRONGCUST",
            [Wanted(cy_wrong, D("600.00"))],
            date(2026, 4, 20),
            to_customer=self.dee,
        )
        self.r3 = refund(self.hal, "CLOSED", "25.00", date(2026, 4, 21))
        self.wo3 = prepare("write_off", "SKIP", [Wanted(ben_skip, D("50.00"))], date(2026, 4, 22))
        with on(date(2026, 4, 22)):
            adj.approve(self.r3, by=sam)
            adj.reject(self.wo3, by=sam, comment="Try the new address first.")
        self.r4 = refund(self.ivy, "OVERPAY", "60.00", date(2026, 4, 27))
        self.r5 = refund(self.jo, "OVERPAY", "16.00", date(2026, 4, 28))
        with on(date(2026, 4, 28)):
            adj.withdraw(self.r5, by=tina, comment="Jo has a new invoice coming.")
        self.wo4 = prepare("write_off", "BADDEBT", [Wanted(ben_bad, D("80.00"))], date(2026, 5, 4))
        decide(self.wo4, date(2026, 5, 5))
        with on(date(2026, 5, 6)):
            late = paid_in(city, self.ada, "100.00", parks, received=date(2026, 5, 6))
            adj.pay_discharged(late, on=date(2026, 5, 6), by=tina)
        for name in ("wo1", "wo2", "adj1", "trf1", "wo3", "wo4", "r1", "r2", "r3", "r4", "r5"):
            getattr(self, name).refresh_from_db()


@pytest.fixture
def spring(city, technician, supervisor, today) -> Spring:
    return Spring(city, technician, supervisor)


def numbers(*requests: Request) -> list[str]:
    return [r.number for r in requests]


def csv_lines(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


# -- the adjustments register --------------------------------------------------------------------


def test_the_register_lists_each_posted_request_with_who_prepared_and_approved_it(spring):
    s = spring
    register = adjustments_register(**APRIL_DATES)

    assert [r.number for r in register.rows] == numbers(s.wo1, s.r1, s.wo2, s.adj1, s.r2, s.r3)
    rows = {r.number: r for r in register.rows}
    wo1, wo2, adj1 = rows[s.wo1.number], rows[s.wo2.number], rows[s.adj1.number]
    assert (wo1.on, wo1.kind_label, wo1.reason_code, wo1.status_label) == (
        date(2026, 4, 6),
        "Write-off of bad debt",
        "BADDEBT",
        "Posted",
    )
    assert (wo1.customer_label, wo1.customer_name, wo1.items, wo1.amount) == (
        s.ada.number,
        s.ada.name,
        1,
        D("140.00"),
    )
    assert (wo1.prepared_by, wo1.approved_by, wo1.posted_on) == ("Tina", "Sam", date(2026, 4, 8))
    assert wo1.journal_entry == s.wo1.journal_entry.number
    assert (wo2.customer_label, wo2.customer_name, wo2.items, wo2.amount) == (
        "Batch of 3 customers",
        "",
        3,
        D("15.49"),
    )
    assert (adj1.prepared_by, adj1.approved_by, adj1.posted_on) == (
        "Tina",
        "Not needed",
        date(2026, 4, 15),
    )
    assert [(k.label, k.count, k.items, k.amount) for k in register.kinds] == [
        ("Write-off of bad debt", 1, 1, D("140.00")),
        ("Small-balance write-off", 1, 3, D("15.49")),
        ("Correcting entry", 1, 1, D("30.00")),
        ("Refund of a credit balance", 3, 3, D("150.00")),
    ]
    t = register.total
    assert (t.count, t.items, t.amount) == (6, 8, D("335.49"))


def test_the_register_filters_by_status_kind_reason_and_date(spring):
    s = spring

    every = adjustments_register(**APRIL_DATES, status=None)
    pending = adjustments_register(**APRIL_DATES, status="pending")
    rejected = adjustments_register(**APRIL_DATES, status="rejected")
    withdrawn = adjustments_register(**APRIL_DATES, status="withdrawn")
    write_offs_only = adjustments_register(**SPRING_DATES, kind="write_off")
    bad_debt = adjustments_register(**SPRING_DATES, reason_id=reason("BADDEBT").pk)
    first_week = adjustments_register(date_from=date(2026, 4, 1), date_to=date(2026, 4, 7))
    may = adjustments_register(date_from=date(2026, 5, 1), date_to=date(2026, 5, 31))

    assert [r.number for r in every.rows] == numbers(
        s.wo1, s.r1, s.wo2, s.adj1, s.r2, s.trf1, s.r3, s.wo3, s.r4, s.r5
    )
    assert (every.total.count, every.total.amount) == (10, D("1061.49"))
    assert [(r.number, r.status_label, r.approved_by) for r in pending.rows] == [
        (s.trf1.number, "Waiting for approval", ""),
        (s.r4.number, "Waiting for approval", ""),
    ]
    assert [(r.number, r.approved_by, r.posted_on, r.journal_entry) for r in rejected.rows] == [
        (s.wo3.number, "", None, "")
    ]
    assert [r.number for r in withdrawn.rows] == numbers(s.r5)
    assert [r.number for r in write_offs_only.rows] == numbers(s.wo1, s.wo4)
    assert [r.number for r in bad_debt.rows] == numbers(s.wo1, s.wo4)
    assert bad_debt.total.amount == D("220.00")
    assert [r.number for r in first_week.rows] == numbers(s.wo1, s.r1)
    assert [r.number for r in may.rows] == numbers(s.wo4)


def test_the_register_reads_in_one_query_however_many_requests(spring, city):
    with CaptureQueriesContext(connection) as few:
        adjustments_register(date_from=date(2026, 4, 1), date_to=date(2026, 4, 1))
    with CaptureQueriesContext(connection) as many:
        adjustments_register(
            **SPRING_DATES, status=None, department_ids={city.parks.pk, city.works.pk}
        )

    assert len(few) == len(many) == 1


def test_the_register_page_and_its_exports_show_the_same_requests_and_totals(
    spring, technician, client_for
):
    s = spring
    client = client_for(technician)
    url = reverse("reports:adjustments_register")

    html = client.get(url, APRIL).content.decode()
    book = client.get(url, {**APRIL, "export": "xlsx"})
    text = csv_lines(client.get(url, {**APRIL, "export": "csv"}))

    page = cells(html, "requests")
    assert [r[1] for r in page] == numbers(s.wo1, s.r1, s.wo2, s.adj1, s.r2, s.r3)
    assert page[2][5:8] == ["Batch of 3 customers", "3", "15.49"]
    assert page[0] == [
        "04/06/2026",
        s.wo1.number,
        "Write-off of bad debt",
        "BADDEBT",
        "Posted",
        f"{s.ada.number} {s.ada.name}",
        "1",
        "140.00",
        "Tina",
        "Sam",
        "04/08/2026",
        s.wo1.journal_entry.number,
    ]
    assert f'href="{reverse("customers:detail", args=[s.ada.number])}"' in html
    assert cells(html, "kinds") == [
        ["Write-off of bad debt", "1", "1", "140.00"],
        ["Small-balance write-off", "1", "3", "15.49"],
        ["Correcting entry", "1", "1", "30.00"],
        ["Refund of a credit balance", "3", "3", "150.00"],
    ]
    assert cells(html, "kinds", "tfoot") == [["Grand total", "6", "8", "335.49"]]

    assert book["Content-Disposition"] == (
        'attachment; filename="adjustments-2026-04-01-2026-04-30.xlsx"'
    )
    rows = sheet_rows(book.content)
    assert rows[0][0] == "Adjustments register 2026-04-01 to 2026-04-30, by accounting date; posted"
    assert rows[1] == [
        "Date",
        "Request",
        "Kind",
        "Reason",
        "Status",
        "Customer",
        "Name",
        "Items",
        "Amount",
        "Prepared by",
        "Approved by",
        "Posted",
        "Journal entry",
    ]
    first = rows[2]
    assert (first[0].date(), first[1], first[5], first[7], amount(first[8])) == (
        date(2026, 4, 6),
        s.wo1.number,
        s.ada.number,
        1,
        D("140.00"),
    )
    assert (first[9], first[10], first[11].date(), first[12]) == (
        "Tina",
        "Sam",
        date(2026, 4, 8),
        s.wo1.journal_entry.number,
    )
    assert [r[1] for r in rows[2:8]] == [r[1] for r in page]
    kinds, footer = rows[8:12], rows[12]
    assert [(r[1], r[2], r[3], r[7], amount(r[8])) for r in kinds] == [
        ("1 request", "Write-off of bad debt", "Kind total", 1, D("140.00")),
        ("1 request", "Small-balance write-off", "Kind total", 3, D("15.49")),
        ("1 request", "Correcting entry", "Kind total", 1, D("30.00")),
        ("3 requests", "Refund of a credit balance", "Kind total", 3, D("150.00")),
    ]
    assert [footer[1], footer[2], footer[7], amount(footer[8])] == [
        "6 requests",
        "Grand total",
        8,
        D("335.49"),
    ]
    assert len(rows) == 13

    assert text[0][7:9] == ["Items", "Amount"]
    assert text[3] == [
        "2026-04-10",
        s.wo2.number,
        "Small-balance write-off",
        "SMALLBAL",
        "Posted",
        "Batch of 3 customers",
        "",
        "3",
        "15.49",
        "Tina",
        "Sam",
        "2026-04-10",
        s.wo2.journal_entry.number,
    ]
    assert text[4][9:12] == ["Tina", "Not needed", "2026-04-15"]
    assert text[-1] == ["", "6 requests", "Grand total", "", "", "", "", "8", "335.49"] + [
        "",
        "",
        "",
        "",
    ]


def test_the_register_page_starts_with_posted_requests_and_shows_others_when_asked(
    spring, supervisor, client_for
):
    s = spring
    client = client_for(supervisor)
    url = reverse("reports:adjustments_register")

    posted = client.get(url, {**APRIL, "status": ""})
    every = client.get(url, {**APRIL, "status": "any"})
    rejected = csv_lines(client.get(url, {**APRIL, "status": "rejected", "export": "csv"}))

    assert s.wo3.number not in posted.content.decode()
    assert len(cells(every.content.decode(), "requests")) == 10
    assert [r[1] for r in rejected[1:-1]] == [s.wo3.number, "1 request"]
    assert rejected[1][4] == "Returned to the preparer"


# -- write-offs by reason and period -------------------------------------------------------------


def _figures(row: Any) -> tuple[Any, ...]:
    return (row.items, row.written_off, row.reinstated, row.still_discharged)


def test_write_offs_group_by_reason_and_period_with_what_was_reinstated_since(spring):
    report = write_offs(**SPRING_DATES)

    assert [(r.reason_code, r.period, *_figures(r)) for r in report.rows] == [
        ("BADDEBT", P10, 1, D("140.00"), D("100.00"), D("40.00")),
        ("BADDEBT", P11, 1, D("80.00"), D("0.00"), D("80.00")),
        ("SMALLBAL", P10, 3, D("15.49"), D("0.00"), D("15.49")),
    ]
    assert report.rows[0].reason_name == "Uncollectible after collection efforts"
    assert [(r.reason_code, *_figures(r)) for r in report.reasons] == [
        ("BADDEBT", 2, D("220.00"), D("100.00"), D("120.00")),
        ("SMALLBAL", 3, D("15.49"), D("0.00"), D("15.49")),
    ]
    assert [(r.period, *_figures(r)) for r in report.periods] == [
        (P10, 4, D("155.49"), D("100.00"), D("55.49")),
        (P11, 1, D("80.00"), D("0.00"), D("80.00")),
    ]
    assert _figures(report.total) == (5, D("235.49"), D("100.00"), D("135.49"))


def test_write_offs_leave_out_other_kinds_undecided_requests_and_other_dates(spring):
    april = write_offs(**APRIL_DATES)
    small = write_offs(**SPRING_DATES, reason_id=reason("SMALLBAL").pk)
    skipped = write_offs(**SPRING_DATES, reason_id=reason("SKIP").pk)  # WO3 was rejected

    assert [(r.reason_code, r.period) for r in april.rows] == [("BADDEBT", P10), ("SMALLBAL", P10)]
    assert _figures(april.total) == (4, D("155.49"), D("100.00"), D("55.49"))
    assert [(r.reason_code, r.items, r.written_off) for r in small.rows] == [
        ("SMALLBAL", 3, D("15.49"))
    ]
    assert skipped.rows == [] and skipped.total.written_off == D("0.00")


def test_write_offs_read_in_three_queries_however_many_lines(spring, city):
    with CaptureQueriesContext(connection) as few:
        write_offs(date_from=date(2026, 4, 6), date_to=date(2026, 4, 6))
    with CaptureQueriesContext(connection) as many:
        write_offs(**SPRING_DATES, department_ids={city.parks.pk, city.works.pk})

    assert len(few) == len(many) == 3


def test_the_write_offs_page_and_its_exports_agree(spring, auditor, client_for):
    client = client_for(auditor)
    url = reverse("reports:write_offs")

    html = client.get(url, SPRING).content.decode()
    book = client.get(url, {**SPRING, "export": "xlsx"})
    text = csv_lines(client.get(url, {**SPRING, "export": "csv"}))

    assert cells(html, "write-offs") == [
        ["BADDEBT Uncollectible after collection efforts", P10, "1", "140.00", "100.00", "40.00"],
        ["BADDEBT Uncollectible after collection efforts", P11, "1", "80.00", "0.00", "80.00"],
        [
            "SMALLBAL Small balance, not cost-effective to collect",
            P10,
            "3",
            "15.49",
            "0.00",
            "15.49",
        ],
    ]
    assert [r[1:] for r in cells(html, "reasons")] == [
        ["2", "220.00", "100.00", "120.00"],
        ["3", "15.49", "0.00", "15.49"],
    ]
    assert cells(html, "periods") == [
        [P10, "4", "155.49", "100.00", "55.49"],
        [P11, "1", "80.00", "0.00", "80.00"],
    ]
    assert cells(html, "periods", "tfoot") == [["Grand total", "5", "235.49", "100.00", "135.49"]]

    assert book["Content-Disposition"] == (
        'attachment; filename="write-offs-2026-04-01-2026-05-31.xlsx"'
    )
    rows = sheet_rows(book.content)
    assert rows[0][0] == (
        "Write-offs by reason and fiscal period 2026-04-01 to 2026-05-31, by accounting date; "
        "reinstated as it stands now"
    )
    assert rows[1] == [
        "Reason",
        "Reason name",
        "Fiscal period",
        "Items",
        "Written off",
        "Reinstated since",
        "Still discharged",
    ]
    assert [[r[0], r[2], r[3], *map(amount, r[4:])] for r in rows[2:]] == [
        ["BADDEBT", P10, 1, D("140.00"), D("100.00"), D("40.00")],
        ["BADDEBT", P11, 1, D("80.00"), D("0.00"), D("80.00")],
        ["SMALLBAL", P10, 3, D("15.49"), D("0.00"), D("15.49")],
        ["BADDEBT", "All periods", 2, D("220.00"), D("100.00"), D("120.00")],
        ["SMALLBAL", "All periods", 3, D("15.49"), D("0.00"), D("15.49")],
        ["All reasons", P10, 4, D("155.49"), D("100.00"), D("55.49")],
        ["All reasons", P11, 1, D("80.00"), D("0.00"), D("80.00")],
        ["Grand total", None, 5, D("235.49"), D("100.00"), D("135.49")],
    ]
    assert text[1] == [
        "BADDEBT",
        "Uncollectible after collection efforts",
        P10,
        "1",
        "140.00",
        "100.00",
        "40.00",
    ]
    assert text[-1] == ["Grand total", "", "", "5", "235.49", "100.00", "135.49"]


def test_the_write_offs_page_starts_at_the_beginning_of_the_fiscal_year(
    spring, auditor, client_for
):
    response = client_for(auditor).get(reverse("reports:write_offs"))

    report = response.context["report"]
    assert (report.date_from, report.date_to) == (date(2025, 7, 1), date(2026, 5, 15))
    assert report.total.written_off == D("235.49")


# -- credit balances -----------------------------------------------------------------------------


def _credits(report: Any) -> list[tuple[Any, ...]]:
    return [(r.customer_number, r.credit, r.oldest, r.credit_items, r.refunds) for r in report.rows]


def test_credit_balances_list_customers_owed_money_largest_first_with_refunds_requested(spring):
    s = spring
    report = credit_balances()

    assert _credits(report) == [
        (s.kim.number, D("150.00"), date(2026, 3, 12), 1, ()),
        (s.ivy.number, D("60.00"), date(2026, 3, 15), 1, (s.r4.number,)),
        (s.jo.number, D("16.00"), date(2026, 3, 16), 1, ()),  # her refund was withdrawn
        (s.hal.number, D("15.00"), date(2026, 3, 11), 1, ()),  # 25.00 of 40.00 refunded
        (s.leo.number, D("3.00"), date(2026, 3, 10), 2, ()),
    ]
    assert report.rows[0].customer_name == s.kim.name
    assert (report.total, report.credit_items, report.requested) == (D("244.00"), 6, 1)
    assert adj.credit_balance(s.leo) == D("3.00")  # the service's answer, for the whole customer


def test_credit_balances_can_leave_out_small_credits(spring):
    s = spring

    report = credit_balances(at_least=D("16.00"))

    assert [r.customer_number for r in report.rows] == [s.kim.number, s.ivy.number, s.jo.number]
    assert report.total == D("226.00")


def test_credit_balances_read_in_two_queries_however_many_customers(spring, city):
    with CaptureQueriesContext(connection) as everyone:
        credit_balances()
    with CaptureQueriesContext(connection) as some:
        credit_balances(department_ids={city.parks.pk}, at_least=D("100.00"))

    assert len(everyone) == len(some) == 2


def test_the_credit_balances_page_links_each_customer_and_exports_what_it_shows(
    spring, technician, client_for
):
    s = spring
    client = client_for(technician)
    url = reverse("reports:credit_balances")

    html = client.get(url).content.decode()
    book = client.get(url, {"export": "xlsx"})
    text = csv_lines(client.get(url, {"export": "csv"}))

    page = cells(html, "credits")
    assert page[:2] == [
        [s.kim.number, s.kim.name, "150.00", "03/12/2026", "1", "No"],
        [s.ivy.number, s.ivy.name, "60.00", "03/15/2026", "1", s.r4.number],
    ]
    assert [r[0] for r in page] == [
        s.kim.number,
        s.ivy.number,
        s.jo.number,
        s.hal.number,
        s.leo.number,
    ]
    for who in (s.kim, s.leo):
        assert f'href="{reverse("customers:detail", args=[who.number])}"' in html
    assert cells(html, "credits", "tfoot") == [
        ["5 customers", "Total", "244.00", "", "6", "1 with a refund requested"]
    ]
    assert book["Content-Disposition"] == 'attachment; filename="credit-balances-2026-05-15.xlsx"'
    rows = sheet_rows(book.content)
    assert rows[0][0] == (
        "Credit balances as of 2026-05-15: customers whose open items add up to less than zero, "
        "largest credit first"
    )
    assert rows[1] == [
        "Customer",
        "Name",
        "Credit balance",
        "Oldest credit",
        "Credit items",
        "Refund requested",
    ]
    ivy = rows[3]
    assert [ivy[0], amount(ivy[2]), ivy[3].date(), ivy[4], ivy[5]] == [
        s.ivy.number,
        D("60.00"),
        date(2026, 3, 15),
        1,
        s.r4.number,
    ]
    assert [rows[-1][0], rows[-1][1], amount(rows[-1][2]), rows[-1][4], rows[-1][5]] == [
        "5 customers",
        "Total",
        D("244.00"),
        6,
        "1 with a refund requested",
    ]
    assert text[1] == [s.kim.number, s.kim.name, "150.00", "2026-03-12", "1", ""]
    assert text[-1] == ["5 customers", "Total", "244.00", "", "6", "1 with a refund requested"]


# -- the refunds register ------------------------------------------------------------------------


def test_the_refunds_register_follows_each_refund_to_its_payment(spring):
    s = spring
    register = refunds_register(**APRIL_DATES)

    assert [(r.number, r.stage) for r in register.rows] == [
        (s.r1.number, "Paid"),
        (s.r2.number, "Sent to accounts payable"),
        (s.r3.number, "Approved, to send to accounts payable"),
        (s.r4.number, "Waiting for approval"),
        (s.r5.number, "Withdrawn"),
    ]
    assert [r.stage for r in register.rows] == [
        r.stage for r in (s.r1, s.r2, s.r3, s.r4, s.r5)
    ]  # the request's own words
    r1, r2, r4 = register.rows[0], register.rows[1], register.rows[3]
    assert (r1.on, r1.customer_number, r1.payee, r1.amount, r1.reason_code) == (
        date(2026, 4, 7),
        s.fox.number,
        s.fox.name,
        D("80.00"),
        "OVERPAY",
    )
    assert (r1.approved_by, r1.approved_on, r1.voucher) == ("Sam", date(2026, 4, 9), s.vch1.number)
    assert (r1.paid_on, r1.paid_by, r1.paid_reference) == (date(2026, 4, 14), "Check", "CHK 20417")
    assert (r2.payee, r2.amount, r2.voucher, r2.paid_on, r2.paid_by) == (
        "Gus's Garage LLC",
        D("45.00"),
        s.vch2.number,
        None,
        "",
    )
    assert (r4.approved_by, r4.approved_on, r4.voucher) == ("", None, "")
    assert [(t.label, t.count, t.amount) for t in register.stages] == [
        ("Waiting for approval", 1, D("60.00")),
        ("Approved, to send to accounts payable", 1, D("25.00")),
        ("Sent to accounts payable", 1, D("45.00")),
        ("Paid", 1, D("80.00")),
        ("Withdrawn", 1, D("16.00")),
    ]
    assert (register.total.count, register.total.amount) == (5, D("226.00"))


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        ("pending", ["r4"]),
        ("approved", ["r3"]),
        ("sent", ["r2"]),
        ("paid", ["r1"]),
        ("rejected", []),
        ("withdrawn", ["r5"]),
    ],
)
def test_the_refunds_register_filters_by_stage(spring, stage, expected):
    register = refunds_register(**APRIL_DATES, stage=stage)

    assert [r.number for r in register.rows] == [getattr(spring, n).number for n in expected]


def test_the_refunds_register_filters_by_date_and_reads_in_one_query(spring):
    with CaptureQueriesContext(connection) as queries:
        mid_april = refunds_register(date_from=date(2026, 4, 10), date_to=date(2026, 4, 21))

    assert [r.number for r in mid_april.rows] == numbers(spring.r2, spring.r3)
    assert len(queries) == 1


def test_the_refunds_page_and_its_exports_agree(spring, supervisor, client_for):
    s = spring
    client = client_for(supervisor)
    url = reverse("reports:refunds")

    html = client.get(url, APRIL).content.decode()
    book = client.get(url, {**APRIL, "export": "xlsx"})
    text = csv_lines(client.get(url, {**APRIL, "export": "csv", "stage": "paid"}))

    page = cells(html, "refunds")
    assert page[0] == [
        "04/07/2026",
        s.r1.number,
        f"{s.fox.number} {s.fox.name}",
        s.fox.name,
        "80.00",
        "OVERPAY",
        "Paid",
        "Sam on 04/09/2026",
        s.vch1.number,
        "04/14/2026",
        "Check",
        "CHK 20417",
    ]
    assert [r[6] for r in page] == [
        "Paid",
        "Sent to accounts payable",
        "Approved, to send to accounts payable",
        "Waiting for approval",
        "Withdrawn",
    ]
    assert cells(html, "stages", "tfoot") == [["Grand total", "5", "226.00"]]

    assert (
        book["Content-Disposition"] == 'attachment; filename="refunds-2026-04-01-2026-04-30.xlsx"'
    )
    rows = sheet_rows(book.content)
    assert rows[0][0] == (
        "Refunds register 2026-04-01 to 2026-04-30, by accounting date; stages as they stand now"
    )
    assert rows[1] == [
        "Date",
        "Refund",
        "Customer",
        "Name",
        "Payee",
        "Amount",
        "Reason",
        "Stage",
        "Approved by",
        "Approved on",
        "Voucher",
        "Paid on",
        "Paid by",
        "Check or EFT number",
    ]
    gus = rows[3]
    assert [gus[1], gus[4], amount(gus[5]), gus[7], gus[8], gus[9].date(), gus[10]] == [
        s.r2.number,
        "Gus's Garage LLC",
        D("45.00"),
        "Sent to accounts payable",
        "Sam",
        date(2026, 4, 17),
        s.vch2.number,
    ]
    stages = rows[7:12]
    assert [(r[1], amount(r[5]), r[7]) for r in stages] == [
        ("1 refund", D("60.00"), "Waiting for approval"),
        ("1 refund", D("25.00"), "Approved, to send to accounts payable"),
        ("1 refund", D("45.00"), "Sent to accounts payable"),
        ("1 refund", D("80.00"), "Paid"),
        ("1 refund", D("16.00"), "Withdrawn"),
    ]
    assert [rows[-1][1], amount(rows[-1][5]), rows[-1][7]] == [
        "5 refunds",
        D("226.00"),
        "Grand total",
    ]

    assert text[1] == [
        "2026-04-07",
        s.r1.number,
        s.fox.number,
        s.fox.name,
        s.fox.name,
        "80.00",
        "OVERPAY",
        "Paid",
        "Sam",
        "2026-04-09",
        s.vch1.number,
        "2026-04-14",
        "Check",
        "CHK 20417",
    ]
    assert text[-1] == ["", "1 refund", "", "", "", "80.00", "", "Grand total"] + [""] * 6


# -- who may see what ----------------------------------------------------------------------------


def test_a_biller_sees_only_lines_of_their_departments_on_every_adjustment_report(
    spring, biller_parks, city, client_for
):
    s = spring
    client = client_for(biller_parks)

    register = client.get(reverse("reports:adjustments_register"), APRIL)
    asked_for_works = client.get(
        reverse("reports:adjustments_register"), {**APRIL, "department": city.works.pk}
    )
    offs = client.get(reverse("reports:write_offs"), SPRING)
    credits = client.get(reverse("reports:credit_balances"))
    refunds = csv_lines(client.get(reverse("reports:refunds"), {**APRIL, "export": "csv"}))

    page = cells(register.content.decode(), "requests")
    assert [r[1] for r in page] == numbers(s.wo1, s.r1, s.wo2, s.r3)
    batch = page[2]
    assert batch[5:8] == ["Batch of 2 customers", "2", "7.99"]  # Ben's Works line left out
    assert register.context["report"].total.amount == D("252.99")
    assert asked_for_works.status_code == 200 and "report" not in asked_for_works.context
    assert s.adj1.number not in asked_for_works.content.decode()
    report = offs.context["report"]
    assert [(r.reason_code, r.period, *_figures(r)) for r in report.rows] == [
        ("BADDEBT", P10, 1, D("140.00"), D("100.00"), D("40.00")),
        ("SMALLBAL", P10, 2, D("7.99"), D("0.00"), D("7.99")),
    ]
    assert _figures(report.total) == (3, D("147.99"), D("100.00"), D("47.99"))
    # Kim's Works invoice and Jo's and Leo's Works payments are not theirs to see
    assert _credits(credits.context["report"]) == [
        (s.kim.number, D("200.00"), date(2026, 3, 12), 1, ()),
        (s.ivy.number, D("60.00"), date(2026, 3, 15), 1, (s.r4.number,)),
        (s.hal.number, D("15.00"), date(2026, 3, 11), 1, ()),
    ]
    assert [r[1] for r in refunds[1:]] == [
        s.r1.number,
        s.r3.number,
        s.r4.number,
        "1 refund",
        "1 refund",
        "1 refund",
        "3 refunds",
    ]
    assert refunds[-1][5] == "165.00"


def test_a_biller_choosing_their_department_sees_the_same_as_seeing_all_of_theirs(
    spring, biller_parks, city, client_for
):
    client = client_for(biller_parks)
    url = reverse("reports:adjustments_register")

    theirs = client.get(url, APRIL).context["report"]
    parks = client.get(url, {**APRIL, "department": city.parks.pk}).context["report"]

    assert [r.number for r in theirs.rows] == [r.number for r in parks.rows]
    assert theirs.total.amount == parks.total.amount == D("252.99")


def test_someone_with_no_role_may_not_read_any_adjustment_report(spring, outsider, client_for):
    client = client_for(outsider)

    for name in ("adjustments_register", "write_offs", "credit_balances", "refunds"):
        assert client.get(reverse(f"reports:{name}")).status_code == 403
        assert client.get(reverse(f"reports:{name}"), {"export": "csv"}).status_code == 403
    assert not AuditEvent.objects.filter(action="report.exported").exists()


def test_every_adjustment_export_is_an_audit_event(spring, auditor, client_for):
    client = client_for(auditor)

    client.get(reverse("reports:adjustments_register"), {**APRIL, "export": "csv"})
    client.get(reverse("reports:write_offs"), {**SPRING, "export": "xlsx"})
    client.get(reverse("reports:credit_balances"), {"export": "csv"})
    client.get(reverse("reports:refunds"), {**APRIL, "export": "xlsx", "stage": "paid"})

    events = AuditEvent.objects.filter(action="report.exported").order_by("id")
    assert [(e.detail["report"], e.detail["format"], e.detail["rows"]) for e in events] == [
        ("adjustments-2026-04-01-2026-04-30", "csv", 10),
        ("write-offs-2026-04-01-2026-05-31", "xlsx", 7),
        ("credit-balances-2026-05-15", "csv", 5),
        ("refunds-2026-04-01-2026-04-30", "xlsx", 2),
    ]
    assert {e.actor_id for e in events} == {auditor.pk}
    assert "stage=paid" in events[3].detail["query"]


def test_the_reports_index_lists_the_four_adjustment_reports(technician, client_for, today):
    html = client_for(technician).get(reverse("reports:index")).content.decode()

    for name in ("adjustments_register", "write_offs", "credit_balances", "refunds"):
        assert f'href="{reverse(f"reports:{name}")}"' in html


def test_htmx_gets_only_the_report_and_bad_filters_are_refused(spring, technician, client_for):
    client = client_for(technician)

    partial = client.get(reverse("reports:refunds"), APRIL, headers={"HX-Request": "true"})
    backwards = client.get(
        reverse("reports:write_offs"), {"date_from": "2026-04-30", "date_to": "2026-04-01"}
    )
    negative = client.get(reverse("reports:credit_balances"), {"at_least": "-5"})
    large = client.get(reverse("reports:credit_balances"), {"at_least": "1,000.00"})

    assert b"<html" not in partial.content and b'id="refunds"' in partial.content
    assert "The end date is before the start date." in backwards.content.decode()
    assert "report" not in backwards.context
    assert "report" not in negative.context
    assert "Give the credit as a positive amount, such as 25.00." in negative.content.decode()
    assert large.context["report"].rows == []
    assert "No customer has a credit balance that large." in large.content.decode()

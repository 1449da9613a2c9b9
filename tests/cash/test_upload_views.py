"""Uploading payments from a spreadsheet: the preview, the post, and every way a file is refused.

A clerk uploads a file, sees every row and what it would post, then posts it: one closed deposit
per received date and department, each payment applied to its invoices. A bad file posts nothing.
"""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from fiscus.cash import services as cash
from fiscus.cash.formats.payments import HEADER
from fiscus.cash.models import ApplicationReason, Deposit, PayerAlias, Payment
from fiscus.cash.uploads import KIND, UploadRefused, upload_payments
from fiscus.ledger.models import JournalLine
from fiscus.organization import roles
from fiscus.receivables.models import Application, ImportBatch, Item
from tests.factories import City, customer, invoice

URL = "/cash/upload/"
DAY = "2026-03-10"


@pytest.fixture(autouse=True)
def imports_dir(settings, tmp_path: Path) -> Path:
    settings.IMPORTS_DIR = tmp_path / "imports"
    return settings.IMPORTS_DIR


class Book:
    """Ada owes two Parks invoices (80.00 and 90.00) and a paid one; Ben owes 200.00 to Public
    Works; Cal is on cash only and owes 50.00."""

    def __init__(self, city: City) -> None:
        clerk = city.clerk
        self.ada = customer(clerk, "Ada Park")
        self.ben = customer(clerk, "Ben Works")
        self.cal = customer(clerk, "Cal Cash", cash_only=True)
        self.first = invoice(city, self.ada, "80.00", on=date(2026, 3, 2))
        self.second = invoice(city, self.ada, "90.00", on=date(2026, 3, 3))
        self.paid = invoice(city, self.ada, "15.00", on=date(2026, 3, 1))
        self.works = invoice(city, self.ben, "200.00", department=city.works)
        self.cal_bill = invoice(city, self.cal, "50.00")
        deposit = cash.open_deposit(department=city.parks, on=date(2026, 3, 5), by=clerk)
        pay = cash.record_payment(
            deposit,
            cash.PaymentInput(Decimal("15.00"), "cash", date(2026, 3, 5), customer=self.ada),
            by=clerk,
        )
        cash.apply_payment(pay, [(self.paid, Decimal("15.00"))], by=clerk)
        cash.close_deposit(deposit, by=clerk)


@pytest.fixture
def book(city: City) -> Book:
    return Book(city)


def good_rows(b: Book) -> list[list[str]]:
    """Three payments: Ada's check (150.00, applied 80.00 to the first invoice and the rest,
    70.00, to the second), Ben's wire in Public Works (200.00, blank amount applied: all of his
    invoice), and an unidentified money order (25.00) in Parks."""
    return [
        ["P1", DAY, "PRK", "check", "150.00", b.ada.number, "Ada Park", "1042", ""]
        + [b.first.number, "80.00"],
        ["P1", "", "", "", "", "", "", "", "", b.second.number, ""],
        ["P2", DAY, "PW", "wire", "200.00", b.ben.number, "", "", "FED 0042", b.works.number, ""],
        ["P3", DAY, "PRK", "money order", "25.00", "", "J. Alvarez", "", "MO 55120", "", ""],
    ]


def as_csv(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    lines = [",".join(header)] + [",".join(f'"{v}"' if "," in v else v for v in r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def as_xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client: Client, content: bytes, name: str = "march.csv", **headers: str):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("cash:upload"), {"file": SimpleUploadedFile(name, content)}, **headers
    )


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, name
    return found.group(1)


def post_preview(client: Client, html: str):  # type: ignore[no-untyped-def]
    form = {"file_hash": hidden(html, "file_hash"), "file_name": hidden(html, "file_name")}
    return client.post(reverse("cash:upload"), form, follow=True)


def nothing_posted() -> bool:
    return not (
        Payment.objects.filter(source="upload").exists()
        or Deposit.objects.filter(source="upload").exists()
        or ImportBatch.objects.filter(kind=KIND).exists()
    )


def open_amounts(*items: Item) -> list[Decimal]:
    return [Item.objects.get(pk=it.pk).open_amount for it in items]


# --- the page ---------------------------------------------------------------------------------


def test_the_page_offers_the_templates_and_lists_no_uploads_yet(client: Client, cashier: User):
    client.force_login(cashier)
    page = client.get(URL)

    assert page.status_code == 200
    html = page.content.decode()
    assert 'href="/cash/upload/template.xlsx"' in html
    assert 'href="/cash/upload/template.csv"' in html
    assert "No payment files have been uploaded yet." in html


def test_the_templates_download_as_csv_and_xlsx(client: Client, cashier: User):
    client.force_login(cashier)

    as_text = client.get(reverse("cash:upload_template", args=["csv"]))
    as_book = client.get("/cash/upload/template.xlsx")

    assert as_text.status_code == 200 and as_book.status_code == 200
    assert as_text["Content-Disposition"] == 'attachment; filename="payments-upload.csv"'
    assert as_text.content.decode().splitlines()[0] == ",".join(HEADER)
    sheet = load_workbook(io.BytesIO(as_book.content)).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == HEADER
    assert client.get("/cash/upload/template.pdf").status_code == 404


def test_roles_without_cash_receive_are_refused(
    client: Client, auditor: User, biller_parks: User, book: Book
):
    for user in (auditor, biller_parks):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert client.get("/cash/upload/template.csv").status_code == 403
        assert upload(client, as_csv(good_rows(book))).status_code == 403
    assert nothing_posted()


# --- the preview and the post -----------------------------------------------------------------


def test_a_clerk_previews_every_row_then_posts_deposits_payments_and_applications(
    client: Client, city: City, book: Book, cashier: User, imports_dir: Path
):
    client.force_login(cashier)
    content = as_csv(good_rows(book))

    preview = upload(client, content)

    html = preview.content.decode()
    assert preview.status_code == 200
    assert "Preview: nothing is posted yet" in html
    assert (
        "3 payments totalling $375.00 are ready to post in 2 deposits: $350.00 applied to "
        "3 invoices, $25.00 left unapplied." in html
    )
    assert '<strong id="upload-total">375.00</strong>' in html
    for line in (2, 3, 4, 5):
        assert f'id="row-{line}"' in html
    row_3 = html[html.index('id="row-3"') : html.index('id="row-4"')]
    assert '<td class="num">70.00</td>' in row_3  # the blank amount applied, worked out
    assert "Post 3 payments" in html
    assert nothing_posted()
    digest = hidden(html, "file_hash")
    assert (imports_dir / digest).read_bytes() == content

    posted = post_preview(client, html)

    assert posted.redirect_chain[-1][0] == reverse("cash:upload")
    page = posted.content.decode()
    deposits = list(Deposit.objects.filter(source="upload").order_by("department__code"))
    numbers = ", ".join(sorted(d.number for d in deposits))
    assert (
        f"Posted 3 payments totalling $375.00 in deposits {numbers}: $350.00 applied to "
        "3 invoices, $25.00 left unapplied." in page
    )
    assert "march.csv" in page  # the past uploads list, with its deposits
    for d in deposits:
        assert d.number in page
    assert [
        (d.department.code, d.deposit_date, d.status, d.control_count, d.control_total)
        for d in deposits
    ] == [
        ("PRK", date(2026, 3, 10), "closed", 2, Decimal("175.00")),
        ("PW", date(2026, 3, 10), "closed", 1, Decimal("200.00")),
    ]
    payments = {p.amount: p for p in Payment.objects.filter(source="upload")}
    ada, ben, unknown = (
        payments[Decimal("150.00")],
        payments[Decimal("200.00")],
        payments[Decimal("25.00")],
    )
    assert (ada.customer, ada.method, ada.check_number, ada.payer) == (
        book.ada,
        "check",
        "1042",
        "Ada Park",
    )
    assert (ben.customer, ben.method, ben.reference, ben.deposit.department) == (
        book.ben,
        "wire",
        "FED 0042",
        city.works,
    )
    assert (unknown.status, unknown.customer, unknown.payer, unknown.method) == (
        "unidentified",
        None,
        "J. Alvarez",
        "money_order",
    )
    assert {p.import_batch.kind for p in payments.values()} == {KIND}  # type: ignore[union-attr]
    applied = sorted(
        (a.credit_item.number, a.debit_item.number, a.amount)
        for a in Application.objects.filter(credit_item__payment__source="upload")
    )
    assert applied == sorted(
        [
            (ada.number, book.first.number, Decimal("80.00")),
            (ada.number, book.second.number, Decimal("70.00")),
            (ben.number, book.works.number, Decimal("200.00")),
        ]
    )
    assert open_amounts(book.first, book.second, book.works) == [
        Decimal("0.00"),
        Decimal("20.00"),
        Decimal("0.00"),
    ]
    assert [Item.objects.get(pk=p.item_id).open_amount for p in (ada, ben)] == [
        Decimal("0.00"),
        Decimal("0.00"),
    ]
    reasons = ApplicationReason.objects.filter(payment__in=[ada, ben])
    assert sorted((r.rule, r.automatic) for r in reasons) == [("upload", False)] * 3
    gl = JournalLine.objects.filter(entry_id=unknown.journal_entry_id).select_related("account")
    assert sorted((ln.account.role, ln.debit, ln.credit) for ln in gl) == [
        ("undeposited_cash", Decimal("25.00"), Decimal("0.00")),
        ("unidentified", Decimal("0.00"), Decimal("25.00")),
    ]
    # the clerk named the customer of a check signed "Ada Park": the matcher learns the name
    assert list(PayerAlias.objects.values_list("customer", "normalized")) == [
        (book.ada.pk, "ada park")
    ]
    batch = ImportBatch.objects.get(kind=KIND)
    assert (batch.rows, batch.total, batch.imported_by) == (3, Decimal("375.00"), cashier)
    assert not (imports_dir / digest).exists()


def test_the_same_file_twice_posts_once(client: Client, book: Book, cashier: User):
    client.force_login(cashier)
    content = as_csv(good_rows(book))
    post_preview(client, upload(client, content).content.decode())

    again = upload(client, content).content.decode()

    assert "Already uploaded" in again
    assert "This file was already uploaded on " in again
    assert "by Cass (3 payments, $375.00)." in again
    assert "Post 3 payments" not in again
    result = upload_payments(content, "march.csv", by=cashier)
    assert result.already_uploaded
    assert Payment.objects.filter(source="upload").count() == 3
    assert Deposit.objects.filter(source="upload").count() == 2
    assert Application.objects.filter(credit_item__payment__source="upload").count() == 3
    assert open_amounts(book.first, book.second) == [Decimal("0.00"), Decimal("20.00")]


def test_an_xlsx_file_posts_like_a_csv(book: Book, cashier: User):
    rows: list[list[object]] = [
        ["K1", date(2026, 3, 10), "PRK", "Check", 100, book.ada.number, "", 77, None]
        + [book.first.number, None],
        ["K1", None, None, None, None, None, None, None, None, book.second.number, None],
    ]

    result = upload_payments(as_xlsx(rows), "march.xlsx", by=cashier)

    (pay,) = result.created
    assert (pay.amount, pay.check_number, pay.method) == (Decimal("100.00"), "77", "check")
    assert open_amounts(book.first, book.second) == [Decimal("0.00"), Decimal("70.00")]
    assert pay.unapplied == Decimal("0.00")


def test_a_payment_larger_than_its_invoices_leaves_unapplied_cash_and_teaches_the_payer(
    book: Book, cashier: User
):
    rows = [["P1", DAY, "PRK", "check", "500.00", book.ada.number, "APark LLC", "9", ""]]
    rows[0] += [book.first.number, ""]

    result = upload_payments(as_csv(rows), "over.csv", by=cashier)

    (pay,) = result.created
    pay.item.refresh_from_db()  # type: ignore[union-attr]
    assert pay.unapplied == Decimal("420.00")
    assert open_amounts(book.first) == [Decimal("0.00")]
    alias = PayerAlias.objects.get()
    assert (alias.customer, alias.normalized) == (book.ada, "apark llc")


def test_what_earlier_rows_apply_counts_against_later_rows_of_the_file(book: Book, cashier: User):
    rows = [
        ["P1", DAY, "PRK", "cash", "100.00", book.ada.number, "", "", "", book.first.number, ""],
        ["P2", DAY, "PRK", "cash", "30.00", book.ada.number, "", "", "", book.first.number, ""],
        ["P3", DAY, "PRK", "cash", "10.00", book.ada.number, "", "", "", book.second.number]
        + ["10.00"],
        ["P3", "", "", "", "", "", "", "", "", book.first.number, ""],
    ]

    with pytest.raises(UploadRefused) as refused:
        upload_payments(as_csv(rows), "twice.csv", by=cashier)

    assert refused.value.errors == [
        f"Row 3, invoice number: invoice {book.first.number} has nothing left owing after row 2 "
        "of this file.",
        f"Row 5, invoice number: invoice {book.first.number} has nothing left owing after row 2 "
        "of this file.",
    ]
    rows[1][9] = book.second.number
    result = upload_payments(as_csv(rows[:3]), "twice.csv", by=cashier)
    assert [(a.line, a.amount) for p in result.payments for a in p.applications] == [
        (2, Decimal("80.00")),
        (3, Decimal("30.00")),
        (4, Decimal("10.00")),
    ]
    assert open_amounts(book.first, book.second) == [Decimal("0.00"), Decimal("50.00")]
    assert [p.unapplied for p in result.created] == [
        Decimal("20.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    ]


def test_an_htmx_upload_gets_only_the_changing_part(client: Client, book: Book, cashier: User):
    client.force_login(cashier)
    part = upload(client, as_csv(good_rows(book)), HTTP_HX_REQUEST="true").content.decode()

    assert part.lstrip().startswith('<div id="work">')
    assert "Past uploads" not in part
    assert "Preview: nothing is posted yet" in part


def test_posting_a_file_that_is_gone_posts_nothing(client: Client, cashier: User):
    client.force_login(cashier)
    gone = client.post(URL, {"file_hash": "a" * 64, "file_name": "x.csv"}, follow=True)

    assert "The uploaded file is gone or has changed; upload it again." in gone.content.decode()
    assert nothing_posted()


def test_an_invoice_paid_between_the_preview_and_the_post_refuses_the_whole_file(
    client: Client, city: City, book: Book, cashier: User
):
    client.force_login(cashier)
    html = upload(client, as_csv(good_rows(book))).content.decode()
    deposit = cash.open_deposit(department=city.parks, on=date(2026, 3, 11), by=city.clerk)
    pay = cash.record_payment(
        deposit,
        cash.PaymentInput(Decimal("80.00"), "cash", date(2026, 3, 11), book.ada),
        by=cashier,
    )
    cash.apply_payment(pay, [(book.first, Decimal("80.00"))], by=city.clerk)

    refused = post_preview(client, html).content.decode()

    assert "The file was not accepted: it has 1 error. Nothing was posted." in refused
    assert (
        f"Row 2, invoice number: invoice {book.first.number} is closed: nothing is owed on it."
        in refused
    )
    assert nothing_posted()
    assert open_amounts(book.second, book.works) == [Decimal("90.00"), Decimal("200.00")]


# --- a bad file posts nothing -----------------------------------------------------------------


def _bad(b: Book, row: int, column: int, value: str) -> bytes:
    rows = good_rows(b)
    rows[row][column] = value
    return as_csv(rows)


BAD_FILES = {
    "a comma as the decimal mark": (
        lambda b: _bad(b, 3, 4, "25,50"),
        "Row 5, amount: “25,50” uses a comma as the decimal mark; write 25.50.",
    ),
    "a negative amount": (
        lambda b: _bad(b, 2, 4, "-200.00"),
        "Row 4, amount: “-200.00” is negative; a payment is more than zero.",
    ),
    "an unknown customer": (
        lambda b: _bad(b, 2, 5, "C999999"),
        "Row 4, customer number: there is no customer “C999999”; check the number, or leave it "
        "blank to record the payment as unidentified.",
    ),
    "an unknown invoice": (
        lambda b: _bad(b, 1, 9, "INV-1999-000001"),
        "Row 3, invoice number: there is no invoice “INV-1999-000001”.",
    ),
    "a closed invoice": (
        lambda b: _bad(b, 1, 9, b.paid.number),
        "Row 3, invoice number: invoice {paid} is closed: nothing is owed on it.",
    ),
    "an invoice of another customer": (
        lambda b: _bad(b, 1, 9, b.works.number),
        "Row 3, invoice number: invoice {works} belongs to customer {ben} {ben_name}, "
        "not to {ada}.",
    ),
    "more applied than the invoice owes": (
        lambda b: _bad(b, 0, 10, "80.01"),
        "Row 2, amount applied: invoice {first} owes only $80.00; apply at most that, or leave "
        "it blank.",
    ),
    "a row the payment has nothing left for": (
        lambda b: _bad(b, 0, 4, "80.00"),
        "Row 3, invoice number: nothing of payment key “P1” is left for invoice {second}: the "
        "rows before it apply all of its $80.00; leave this row out.",
    ),
    "an unknown department": (
        lambda b: _bad(b, 3, 2, "ZOO"),
        "Row 5, department: “ZOO” is not a department; the codes are PRK, PW.",
    ),
    "a date in the future": (
        lambda b: _bad(b, 3, 1, "2099-01-01"),
        "Row 5, received date: 01/01/2099 is in the future; a payment is recorded on or after "
        "the day it is received.",
    ),
    "wrong columns": (
        lambda b: as_csv(good_rows(b), header=[*HEADER[:4], "Amt", *HEADER[5:]]),
        "Row 1: the column “Amt” is not one Fiscus reads; rename it to one of payment key, "
        "received date, department, method, amount, customer number, payer, check number, "
        "reference, invoice number, amount applied, or delete it.",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES), ids=lambda c: c.replace(" ", "_"))
def test_a_bad_file_lists_its_row_errors_and_posts_nothing(
    client: Client, book: Book, cashier: User, case: str
):
    make, expected = BAD_FILES[case]
    content = make(book)
    sentence = expected.format(
        paid=book.paid.number,
        works=book.works.number,
        first=book.first.number,
        second=book.second.number,
        ben=book.ben.number,
        ben_name=book.ben.name,
        ada=book.ada.number,
    )
    client.force_login(cashier)

    html = upload(client, content).content.decode()

    assert "The file cannot be posted" in html
    listed = re.search(r'<ul class="errorlist" id="upload-errors">(.*?)</ul>', html, re.S)
    assert listed is not None
    assert sentence in [
        m.replace("&quot;", '"').replace("&#x27;", "'")
        for m in re.findall(r"<li>(.*?)</li>", listed.group(1))
    ]
    assert 'name="file_hash"' not in html  # no "Post" button
    with pytest.raises(UploadRefused) as refused:
        upload_payments(content, "bad.csv", by=cashier)
    assert sentence in refused.value.errors
    assert nothing_posted()
    assert open_amounts(book.first, book.second, book.works) == [
        Decimal("80.00"),
        Decimal("90.00"),
        Decimal("200.00"),
    ]


def test_a_cash_only_customer_cannot_pay_by_check(client: Client, book: Book, cashier: User):
    rows = [["P1", DAY, "PRK", "check", "50.00", book.cal.number, "", "501", ""]]
    rows[0] += [book.cal_bill.number, ""]
    client.force_login(cashier)

    html = upload(client, as_csv(rows)).content.decode()

    assert (
        f"Row 2, method: {book.cal.number} Cal Cash" in html
        and "is on cash only (a check of theirs was returned), so a check cannot be taken; "
        "take cash, a money order, a card or a wire."
        in html
    )
    with pytest.raises(UploadRefused):
        upload_payments(as_csv(rows), "cal.csv", by=cashier)
    rows[0][3] = "money order"
    result = upload_payments(as_csv(rows), "cal.csv", by=cashier)
    assert [p.method for p in result.created] == ["money_order"]
    assert open_amounts(book.cal_bill) == [Decimal("0.00")]


def test_an_xlsx_that_is_really_a_text_file_is_refused_on_the_form(
    client: Client, book: Book, cashier: User
):
    client.force_login(cashier)
    html = upload(client, as_csv(good_rows(book)), name="march.xlsx").content.decode()

    assert (
        "march.xlsx is not a real .xlsx workbook (it looks like text); save it from Excel as "
        ".xlsx, or name it .csv if it is a CSV file." in html
    )
    assert nothing_posted()


def test_a_file_over_the_size_limit_is_refused(client: Client, settings, book: Book, cashier: User):
    settings.MAX_ATTACHMENT_BYTES = 100
    content = as_csv(good_rows(book))
    client.force_login(cashier)

    html = upload(client, content).content.decode()

    assert f"march.csv is {len(content)} bytes; Fiscus takes files up to 100 bytes." in html
    with pytest.raises(Exception, match="Fiscus takes files up to 100 bytes") as refused:
        upload_payments(content, "march.csv", by=cashier)
    assert getattr(refused.value, "code", "") == "too_large"
    assert nothing_posted()


def test_a_row_for_another_department_is_refused_to_a_department_clerk(
    monkeypatch: pytest.MonkeyPatch, book: Book, biller_parks: User
):
    # No role limited to departments takes cash today; should one, its rows stay in its
    # departments.
    allowed = roles.CAPABILITIES["cash.receive"] | {roles.Role.BILLER}
    monkeypatch.setitem(roles.CAPABILITIES, "cash.receive", allowed)

    with pytest.raises(UploadRefused) as refused:
        upload_payments(as_csv(good_rows(book)), "march.csv", by=biller_parks)

    assert refused.value.errors == [
        "Row 4, department: you may not record cash for department PW; you record cash for PRK.",
        f"Row 4, invoice number: invoice {book.works.number} is not in your departments.",
    ]
    assert nothing_posted()

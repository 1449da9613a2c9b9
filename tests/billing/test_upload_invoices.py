"""Department submission by file: the upload service creates submitted invoices, whole or not at
all, and only once. Nothing is posted: the technician reviews them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import override_settings

from fiscus.audit.models import AuditEvent
from fiscus.billing.formats.invoices import FileRefused
from fiscus.billing.imports import UploadRefused, upload_invoices
from fiscus.billing.models import BillingUpload, Invoice
from fiscus.errors import PermissionDenied
from fiscus.receivables.models import Item
from tests.billing.factories_uploads import Billing, as_csv, as_xlsx, billing_setup, good_rows
from tests.factories import City


@pytest.fixture
def b(city: City) -> Billing:
    return billing_setup(city)


def lines_of(invoice: Invoice) -> list[tuple[str, str, str, str, str]]:
    return [
        (
            ln.charge_code.code,
            str(ln.quantity),
            str(ln.unit_price),
            str(ln.amount),
            str(ln.tax_amount),
        )
        for ln in invoice.lines.select_related("charge_code").order_by("line_no")
    ]


def check_the_two_invoices(b: Billing, biller: User) -> None:
    ada, ben = Invoice.objects.order_by("id")
    assert (ada.customer, ada.status, ada.source) == (b.ada, "submitted", "upload")
    assert ada.reference == "PO-77"
    assert lines_of(ada) == [
        ("PRK-PAVILION", "1.000", "250.00", "250.00", "18.13"),
        ("PRK-STAFF", "3.500", "42.00", "147.00", "0.00"),
    ]
    assert (ada.total, ada.tax_total) == (Decimal("415.13"), Decimal("18.13"))
    assert (ben.customer, ben.invoice_date.isoformat(), ben.total) == (
        b.ben,
        "2026-05-06",
        Decimal("90.00"),
    )
    assert lines_of(ben) == [("PRK-FIELD", "2.000", "45.00", "90.00", "0.00")]
    assert ada.submitted_by == biller
    assert not Item.objects.exists()  # nothing is posted


def test_a_csv_creates_submitted_invoices_with_their_lines_and_totals(
    b: Billing, biller_parks: User
) -> None:
    result = upload_invoices(as_csv(good_rows(b)), "may.csv", by=biller_parks, dry_run=False)

    assert result.message == "Submitted 2 invoices totalling $505.13 for review."
    check_the_two_invoices(b, biller_parks)
    upload = BillingUpload.objects.get()
    assert (upload.file_name, upload.invoices, upload.total) == ("may.csv", 2, Decimal("505.13"))
    assert upload.department is not None and upload.department.code == "PRK"
    event = AuditEvent.objects.get(action="billing.uploaded")
    assert event.detail["invoices"] == 2 and event.detail["total"] == "505.13"


def test_an_xlsx_creates_the_same_invoices(b: Billing, biller_parks: User) -> None:
    upload_invoices(as_xlsx(good_rows(b)), "may.xlsx", by=biller_parks, dry_run=False)

    check_the_two_invoices(b, biller_parks)


def test_a_dry_run_shows_the_invoices_and_creates_nothing(b: Billing, biller_parks: User) -> None:
    result = upload_invoices(as_csv(good_rows(b)), "may.csv", by=biller_parks, dry_run=True)

    assert result.message == "2 invoices totalling $505.13 are ready to submit for review."
    assert [(i.key, i.customer, i.rows, i.total) for i in result.invoices] == [
        ("P-1", b.ada, "2–3", Decimal("415.13")),
        ("P-2", b.ben, "4", Decimal("90.00")),
    ]
    assert [ln.amount for ln in result.invoices[0].lines] == [Decimal("250.00"), Decimal("147.00")]
    assert not Invoice.objects.exists()
    assert not BillingUpload.objects.exists()


def test_the_same_file_twice_creates_nothing_the_second_time(
    b: Billing, biller_parks: User
) -> None:
    content = as_csv(good_rows(b))
    upload_invoices(content, "may.csv", by=biller_parks, dry_run=False)

    again = upload_invoices(content, "may-copy.csv", by=biller_parks, dry_run=False)

    assert again.already_uploaded
    assert again.message.startswith("This file was already uploaded on ")
    assert again.message.endswith(" by Bill (2 invoices).")
    assert Invoice.objects.count() == 2
    assert BillingUpload.objects.count() == 1


def refused(content: bytes, user: User, name: str = "may.csv") -> list[str]:
    with pytest.raises(UploadRefused) as caught:
        upload_invoices(content, name, by=user, dry_run=False)
    assert not Invoice.objects.exists()
    assert not BillingUpload.objects.exists()
    return caught.value.errors


def test_unknown_customers_and_charge_codes_are_named(b: Billing, biller_parks: User) -> None:
    rows = good_rows(b)
    rows[0][1] = rows[1][1] = "C999999"
    rows[2][4] = "PRK-NOPE"

    assert refused(as_csv(rows), biller_parks) == [
        'Row 2, customer number: there is no customer "C999999"; add the customer first.',
        'Row 4, charge code: there is no charge code "PRK-NOPE".',
    ]


def test_a_charge_code_of_another_department_is_refused(b: Billing, technician: User) -> None:
    rows = good_rows(b)
    rows[1][4] = "PW-SEWER"

    assert refused(as_csv(rows), technician) == [
        "Row 3, charge code: charge code PW-SEWER belongs to department PW, not PRK."
    ]


def test_a_biller_may_not_bill_for_another_department(b: Billing, biller_parks: User) -> None:
    rows = [["W-1", b.ben.number, "2026-05-04", "PW", "PW-SEWER", "1", "", "Sewer", ""]]

    assert refused(as_csv(rows), biller_parks) == [
        "Row 2, department: you may not bill for department PW; you bill for PRK."
    ]


def test_bad_numbers_and_dates_are_named_by_row_and_field(b: Billing, biller_parks: User) -> None:
    rows = good_rows(b)
    rows[0][5] = "-1"
    rows[1][6] = "12,34"
    rows[2][6] = "10.005"
    rows.append(["P-3", b.ben.number, "2026-02-30", "PRK", "PRK-FIELD", "0", "", "", ""])

    assert refused(as_csv(rows), biller_parks) == [
        "Row 2, quantity: -1 is not more than zero; use a credit memo for a credit.",
        'Row 3, unit price: "12,34" uses a comma as the decimal mark; write it with a point.',
        'Row 4, unit price: "10.005" has more than two decimal places.',
        'Row 5, invoice date: "2026-02-30" is not a real date.',
        "Row 5, quantity: 0 is not more than zero; use a credit memo for a credit.",
    ]


def test_one_invoice_key_cannot_mix_customers_or_dates(b: Billing, biller_parks: User) -> None:
    rows = good_rows(b)
    rows[1][1] = b.ben.number
    rows[2][0] = "P-1"

    assert refused(as_csv(rows), biller_parks) == [
        f'Row 3, customer number: invoice key "P-1" has customer number "{b.ada.number}" on '
        f"row 2; one invoice has one customer number.",
        f'Row 4, customer number: invoice key "P-1" has customer number "{b.ada.number}" on '
        f"row 2; one invoice has one customer number.",
        'Row 4, invoice date: invoice key "P-1" has invoice date 05/04/2026 on row 2; '
        "one invoice has one invoice date.",
    ]


def test_missing_columns_are_named(b: Billing, biller_parks: User) -> None:
    header = ["Invoice Key", "Customer Number", "Invoice Date", "Charge Code", "Unit Price"]
    rows = [["P-1", b.ada.number, "2026-05-04", "PRK-FIELD", "45.00"]]

    assert refused(as_csv(rows, header), biller_parks) == [
        'Row 1, department: the header has no "department" column; add it.',
        'Row 1, quantity: the header has no "quantity" column; add it.',
    ]


def test_a_charge_code_without_a_price_needs_one_in_the_file(
    b: Billing, biller_parks: User
) -> None:
    rows = good_rows(b)
    rows[1][6] = ""

    assert refused(as_csv(rows), biller_parks) == [
        "Row 3, unit price: charge code PRK-STAFF has no price of its own; give the unit price."
    ]


def test_every_error_is_listed_up_to_fifty(b: Billing, biller_parks: User) -> None:
    rows = [
        [f"K-{n}", "C999999", "2026-05-04", "PRK", "PRK-FIELD", "1", "", "", ""] for n in range(60)
    ]

    errors = refused(as_csv(rows), biller_parks)

    assert len(errors) == 51
    assert errors[-1] == "… and 10 more errors."


def test_an_xlsx_that_is_really_text_is_refused(b: Billing, biller_parks: User) -> None:
    with pytest.raises(FileRefused) as caught:
        upload_invoices(as_csv(good_rows(b)), "may.xlsx", by=biller_parks, dry_run=False)

    assert caught.value.message == (
        "may.xlsx is not a real .xlsx workbook (it looks like text); save it from Excel "
        "as .xlsx, or name it .csv if it is a CSV file."
    )
    assert not Invoice.objects.exists()


@override_settings(MAX_IMPORT_BYTES=20 * 1024 * 1024)
def test_a_file_over_the_limit_is_refused_before_parsing(biller_parks: User) -> None:
    content = b"Invoice Key\r\n" + b"x" * (21 * 1024 * 1024)

    with pytest.raises(FileRefused) as caught:
        upload_invoices(content, "big.csv", by=biller_parks, dry_run=True)

    assert caught.value.message == "big.csv is 21 MB; Fiscus imports files up to 20 MB."
    assert not BillingUpload.objects.exists()


def test_an_auditor_may_not_upload(b: Billing, auditor: User) -> None:
    with pytest.raises(PermissionDenied):
        upload_invoices(as_csv(good_rows(b)), "may.csv", by=auditor, dry_run=True)

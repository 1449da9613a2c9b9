"""The billing upload page: a biller uploads, sees the preview, submits the invoices for review."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from fiscus.billing.formats.invoices import parse
from fiscus.billing.models import BillingUpload, Invoice
from tests.billing.factories_uploads import Billing, as_csv, billing_setup, good_rows
from tests.factories import City

URL = "/billing/uploads/"


@pytest.fixture(autouse=True)
def imports_dir(settings, tmp_path: Path) -> Path:
    settings.IMPORTS_DIR = tmp_path / "imports"
    return settings.IMPORTS_DIR


@pytest.fixture
def b(city: City) -> Billing:
    return billing_setup(city)


def upload(client: Client, content: bytes, name: str = "may.csv", **headers: str):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("billing:upload"), {"file": SimpleUploadedFile(name, content)}, **headers
    )


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, name
    return found.group(1)


def test_the_page_offers_the_templates_and_lists_no_uploads_yet(
    client: Client, biller_parks: User
) -> None:
    client.force_login(biller_parks)
    page = client.get(URL)

    assert page.status_code == 200
    html = page.content.decode()
    assert "/billing/uploads/template/?format=xlsx" in html
    assert "No billing files have been uploaded yet." in html


def test_a_biller_previews_then_submits_the_invoices_for_review(
    client: Client, b: Billing, biller_parks: User, imports_dir: Path
) -> None:
    client.force_login(biller_parks)
    content = as_csv(good_rows(b))

    preview = upload(client, content)
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "Preview: nothing is created yet" in html
    assert "Submit 2 invoices for review" in html
    assert '<strong id="upload-total">$505.13</strong>' in html
    assert "415.13" in html and "90.00" in html
    assert not Invoice.objects.exists()
    digest = hidden(html, "file_hash")
    assert (imports_dir / digest).read_bytes() == content

    submitted = client.post(
        reverse("billing:upload_submit"),
        {"file_hash": digest, "file_name": hidden(html, "file_name")},
        follow=True,
    )

    assert submitted.redirect_chain[-1][0] == reverse("billing:upload")
    html = submitted.content.decode()
    assert "Submitted 2 invoices totalling $505.13 for review." in html
    assert "may.csv" in html  # the past uploads list
    assert sorted(Invoice.objects.values_list("status", "total")) == [
        ("submitted", Decimal("90.00")),
        ("submitted", Decimal("415.13")),
    ]
    assert BillingUpload.objects.get().uploaded_by == biller_parks


def test_submitting_the_same_file_twice_creates_nothing_more(
    client: Client, b: Billing, biller_parks: User
) -> None:
    client.force_login(biller_parks)
    content = as_csv(good_rows(b))
    html = upload(client, content).content.decode()
    form = {"file_hash": hidden(html, "file_hash"), "file_name": "may.csv"}
    client.post(reverse("billing:upload_submit"), form)

    again = upload(client, content).content.decode()

    assert "Already uploaded" in again
    assert "This file was already uploaded on " in again
    assert "by Bill (2 invoices)." in again
    assert Invoice.objects.count() == 2


def test_a_bad_file_lists_its_row_errors_and_offers_no_submit(
    client: Client, b: Billing, biller_parks: User
) -> None:
    rows = good_rows(b)
    rows[1][5] = "12,34"
    client.force_login(biller_parks)

    html = upload(client, as_csv(rows)).content.decode()

    assert "The file cannot be submitted" in html
    assert (
        "Row 3, quantity: &quot;12,34&quot; uses a comma as the decimal mark; "
        "write it with a point." in html
    )
    assert "for review</button>" not in html
    assert not Invoice.objects.exists()


def test_an_xlsx_that_is_really_text_is_refused_beside_the_file_field(
    client: Client, b: Billing, biller_parks: User
) -> None:
    client.force_login(biller_parks)

    html = upload(client, as_csv(good_rows(b)), name="may.xlsx").content.decode()

    assert 'id="id_file_errors"' in html
    assert "may.xlsx is not a real .xlsx workbook (it looks like text)" in html


def test_htmx_gets_only_the_work_area(client: Client, b: Billing, biller_parks: User) -> None:
    client.force_login(biller_parks)

    html = upload(client, as_csv(good_rows(b)), HTTP_HX_REQUEST="true").content.decode()

    assert html.lstrip().startswith('<div id="work">')
    assert "Past uploads" not in html


def test_the_templates_download_as_csv_and_xlsx(client: Client, biller_parks: User) -> None:
    client.force_login(biller_parks)

    for kind in ("csv", "xlsx"):
        response = client.get(reverse("billing:upload_template"), {"format": kind})
        assert response.status_code == 200
        assert response["Content-Disposition"] == f'attachment; filename="billing-upload.{kind}"'
        assert not parse(response.content, f"t.{kind}").errors
    assert client.get(reverse("billing:upload_template"), {"format": "pdf"}).status_code == 404


@pytest.mark.parametrize("persona", ["auditor", "cashier", "collections_officer"])
def test_roles_that_do_not_bill_are_refused(
    client: Client, persona: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(persona))

    assert client.get(URL).status_code == 403
    assert client.get(reverse("billing:upload_template")).status_code == 403
    assert client.post(reverse("billing:upload_submit"), {}).status_code == 403


def test_a_biller_sees_only_their_own_and_their_departments_uploads(
    client: Client, b: Billing, city: City, technician: User, biller_parks: User
) -> None:
    works = [["W-1", b.ben.number, "2026-05-04", "PW", "PW-SEWER", "1", "", "Sewer", ""]]
    from fiscus.billing.imports import upload_invoices

    upload_invoices(as_csv(works), "works.csv", by=technician, dry_run=False)
    upload_invoices(as_csv(good_rows(b)), "parks.csv", by=technician, dry_run=False)
    client.force_login(biller_parks)

    html = client.get(URL).content.decode()

    assert "parks.csv" in html
    assert "works.csv" not in html

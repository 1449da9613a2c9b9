"""The opening-balances page: upload, preview, post, templates, past imports."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fiscus.ledger.models import JournalEntry
from fiscus.receivables.formats.opening_balances import parse
from fiscus.receivables.models import ImportBatch, Item
from fiscus.reports.queries import ar_tie_out
from tests.factories import customer

HEADER = "Customer Number,Document Number,Document Date,Due Date,Amount,Description,Department"
URL = "/receivables/import/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.IMPORTS_DIR = tmp_path / "imports"
    return settings.IMPORTS_DIR


@pytest.fixture
def content(city):
    ada, ben = customer(city.clerk, "Ada Park"), customer(city.clerk, "Ben Works")
    lines = [
        HEADER,
        f"{ada.number},PS-1001,2026-05-14,2026-06-13,1250.00,Facility rental,PRK",
        f"{ada.number},PS-1002,06/02/2026,07/02/2026,87.50,Field lights,PRK",
        f"{ben.number},PS-1003,2026-03-31,2026-04-30,3120.75,Sewer connection,PW",
        f"{ben.number},PS-1004,2026-06-20,2026-06-20,-40.00,Overpayment,PW",
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


def upload(client, content, name="balances.csv", on="2026-06-30", **headers):
    return client.post(
        reverse("receivables:import"),
        {"file": SimpleUploadedFile(name, content), "on": on},
        **headers,
    )


def hidden(html, name):
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def test_the_page_is_at_receivables_import_with_the_template_links(client, technician, city):
    client.force_login(technician)
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="file"' in html and 'value="' in html
    assert "/receivables/import/template/?format=xlsx" in html
    assert "No opening balances have been imported yet." in html


def test_uploading_a_good_file_previews_the_rows_and_posts_nothing(
    client, technician, content, media
):
    client.force_login(technician)
    page = upload(client, content)
    html = page.content.decode()

    assert page.status_code == 200
    assert "Preview: nothing is posted yet" in html
    assert "Post 4 items" in html
    assert "$4,418.25" in html
    assert "PRK Parks and Recreation" in html and "$1,337.50" in html
    assert "PW Public Works" in html and "$3,080.75" in html
    assert "PS-1004" in html and "-$40.00" in html
    digest = hashlib.sha256(content).hexdigest()
    assert hidden(html, "file_hash") == digest
    assert (media / digest).read_bytes() == content
    assert (JournalEntry.objects.count(), Item.objects.count()) == (0, 0)


def test_posting_the_preview_posts_once_and_says_what_it_posted(client, technician, content):
    client.force_login(technician)
    html = upload(client, content).content.decode()
    button = {k: hidden(html, k) for k in ("file_hash", "file_name", "on")}

    posted = client.post(reverse("receivables:import_post"), button, follow=True)

    assert posted.redirect_chain[-1][0] == URL
    page = posted.content.decode()
    assert "Posted 4 opening balances totalling $4,418.25 in JE-2026-000001." in page
    assert Item.objects.count() == 4 and JournalEntry.objects.count() == 1
    assert ImportBatch.objects.get().imported_by == technician
    assert ar_tie_out(as_of=date(2026, 6, 30)).ties
    assert 'id="past-imports"' in page and "balances.csv" in page

    again = client.post(reverse("receivables:import_post"), button, follow=True)
    assert "This file was already imported on" in again.content.decode()
    assert "(4 items)." in again.content.decode()
    assert Item.objects.count() == 4 and JournalEntry.objects.count() == 1


def test_uploading_the_same_file_after_it_was_posted_shows_it_was_already_imported(
    client, technician, content
):
    client.force_login(technician)
    html = upload(client, content).content.decode()
    client.post(
        reverse("receivables:import_post"),
        {k: hidden(html, k) for k in ("file_hash", "file_name", "on")},
    )

    html = upload(client, content, name="renamed.csv").content.decode()

    assert "Already imported" in html
    assert "This file was already imported on" in html
    assert "Post 4 items" not in html
    assert reverse("receivables:import_post") not in html


def test_a_file_with_bad_rows_lists_every_error_and_offers_no_post_button(
    client, technician, content
):
    client.force_login(technician)
    bad = content.replace(b"87.50", b'"12,34"').replace(b"2026-03-31", b"2026-02-30")

    html = upload(client, bad).content.decode()

    assert "The file cannot be posted" in html
    assert (
        "Row 3, amount: &quot;12,34&quot; uses a comma as the decimal mark; write it with a point."
        in html
    )
    assert "Row 4, document date: &quot;2026-02-30&quot; is not a real date." in html
    assert "The file was not imported: it has 2 errors. Nothing was posted." in html
    assert reverse("receivables:import_post") not in html
    assert Item.objects.count() == 0


def test_a_post_with_a_changed_or_missing_file_is_refused(client, technician, content, media):
    client.force_login(technician)
    html = upload(client, content).content.decode()
    button = {k: hidden(html, k) for k in ("file_hash", "file_name", "on")}
    (media / button["file_hash"]).write_bytes(content.replace(b"1250.00", b"9250.00"))

    page = client.post(reverse("receivables:import_post"), button, follow=True)

    assert "The uploaded file is gone or has changed; upload it again." in page.content.decode()
    assert Item.objects.count() == 0
    forged = client.post(
        reverse("receivables:import_post"), {**button, "file_hash": "../../etc/passwd"}, follow=True
    )
    assert "The file reference is not valid; upload the file again." in forged.content.decode()


def test_a_text_file_named_xlsx_is_refused_beside_the_file_field(client, technician, content):
    client.force_login(technician)
    html = upload(client, content, name="balances.xlsx").content.decode()
    assert "balances.xlsx is not a real .xlsx workbook (it looks like text)" in html
    assert 'id="id_file_errors"' in html


def test_an_oversize_file_is_refused(client, technician, content, settings):
    settings.MAX_IMPORT_BYTES = 100
    client.force_login(technician)
    html = upload(client, content).content.decode()
    assert f"balances.csv is {len(content)} bytes; Fiscus imports files up to 100 bytes." in html
    assert Item.objects.count() == 0


def test_a_posting_date_without_a_fiscal_period_is_refused_beside_the_date(
    client, technician, content
):
    client.force_login(technician)
    html = upload(client, content, on="2031-06-30").content.decode()
    assert "No fiscal period covers 06/30/2031" in html
    assert 'id="id_on_errors"' in html


def test_htmx_gets_only_the_upload_and_preview_part(client, technician, content):
    client.force_login(technician)
    page = upload(client, content, HTTP_HX_REQUEST="true")
    html = page.content.decode()
    assert html.lstrip().startswith('<div id="work">')
    assert "Past imports" not in html and "Post 4 items" in html


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_template_downloads_as_a_file_the_import_reads(client, technician, kind):
    client.force_login(technician)
    response = client.get(reverse("receivables:import_template"), {"format": kind})
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="opening-balances.{kind}"'
    parsed = parse(response.content, f"opening-balances.{kind}")
    assert parsed.errors.sentences() == []
    assert sum(r.amount for r in parsed.rows) == Decimal("4418.25")


def test_an_unknown_template_format_is_not_found(client, technician):
    client.force_login(technician)
    assert client.get(reverse("receivables:import_template"), {"format": "pdf"}).status_code == 404


@pytest.mark.parametrize("persona", ["cashier", "biller_parks", "auditor", "collections_officer"])
def test_roles_without_the_import_capability_get_403(client, request, persona, content):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert upload(client, content).status_code == 403
    assert client.get(reverse("receivables:import_template")).status_code == 403
    digest = hashlib.sha256(content).hexdigest()
    posted = client.post(
        reverse("receivables:import_post"),
        {"file_hash": digest, "file_name": "x.csv", "on": "2026-06-30"},
    )
    assert posted.status_code == 403
    assert Item.objects.count() == 0


@pytest.mark.parametrize("persona", ["supervisor", "administrator"])
def test_supervisors_and_administrators_may_import(client, request, persona, city):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 200

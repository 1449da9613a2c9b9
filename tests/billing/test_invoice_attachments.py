"""Attachments: backup documents checked by what they contain, not only by their name."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fiscus.billing.models import Attachment
from fiscus.billing.services import InvoiceError, add_attachment
from tests.billing.factories_invoices import codes, draft
from tests.factories import customer

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


def xlsx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
    return out.getvalue()


def test_a_pdf_is_kept_with_its_name_type_and_size(city):
    c = codes(city)
    invoice = draft(city, customer(city.clerk), [(c.lights, "1")])

    attachment = add_attachment(
        invoice, by=city.clerk, uploaded_file=SimpleUploadedFile("lease.pdf", PDF)
    )

    assert (attachment.name, attachment.content_type, attachment.size) == (
        "lease.pdf",
        "application/pdf",
        len(PDF),
    )
    assert attachment.file.read() == PDF


def test_a_spreadsheet_and_a_csv_are_kept(city):
    c = codes(city)
    invoice = draft(city, customer(city.clerk), [(c.lights, "1")])

    add_attachment(invoice, by=city.clerk, uploaded_file=SimpleUploadedFile("a.xlsx", xlsx_bytes()))
    add_attachment(invoice, by=city.clerk, uploaded_file=SimpleUploadedFile("b.csv", b"a,b\n1,2\n"))

    assert sorted(Attachment.objects.values_list("name", flat=True)) == ["a.xlsx", "b.csv"]


def test_a_text_file_renamed_pdf_is_refused(city):
    c = codes(city)
    invoice = draft(city, customer(city.clerk), [(c.lights, "1")])

    with pytest.raises(InvoiceError) as refused:
        add_attachment(
            invoice, by=city.clerk, uploaded_file=SimpleUploadedFile("notes.pdf", b"just text\n")
        )

    assert refused.value.message == (
        "notes.pdf is not really a PDF file; its content does not match its name."
    )
    assert Attachment.objects.count() == 0


def test_a_zip_renamed_xlsx_is_refused(city):
    c = codes(city)
    invoice = draft(city, customer(city.clerk), [(c.lights, "1")])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("readme.txt", "hello")

    with pytest.raises(InvoiceError) as refused:
        add_attachment(
            invoice, by=city.clerk, uploaded_file=SimpleUploadedFile("x.xlsx", out.getvalue())
        )

    assert refused.value.code == "attachment_content"


def test_a_file_over_the_limit_is_refused(city, settings):
    settings.MAX_ATTACHMENT_BYTES = 1024 * 1024
    c = codes(city)
    invoice = draft(city, customer(city.clerk), [(c.lights, "1")])
    big = SimpleUploadedFile("scan.pdf", PDF + b"0" * (2 * 1024 * 1024))

    with pytest.raises(InvoiceError) as refused:
        add_attachment(invoice, by=city.clerk, uploaded_file=big)

    assert refused.value.message == "scan.pdf is 2.0 MB; an attachment may be at most 1 MB."


def test_a_type_fiscus_does_not_keep_is_refused(city):
    c = codes(city)
    invoice = draft(city, customer(city.clerk), [(c.lights, "1")])

    with pytest.raises(InvoiceError) as refused:
        add_attachment(invoice, by=city.clerk, uploaded_file=SimpleUploadedFile("run.exe", b"MZ"))

    assert refused.value.message == (
        "run.exe is not a file type Fiscus keeps; attach a PDF, PNG, JPEG, XLSX, CSV or DOCX file."
    )

"""POST /api/v1/billing/uploads/: a department's file over the API (?dry_run=1 to check it)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from fiscus.billing.models import BillingUpload, Invoice
from tests.billing.factories_uploads import Billing, as_csv, billing_setup, good_rows
from tests.factories import City

Api = Callable[[User | None], APIClient]
URL = "/api/v1/billing/uploads/"


@pytest.fixture
def b(city: City) -> Billing:
    return billing_setup(city)


def send(client: APIClient, content: bytes, query: str = "", name: str = "may.csv"):  # type: ignore[no-untyped-def]
    return client.post(URL + query, {"file": SimpleUploadedFile(name, content)}, format="multipart")


def test_a_dry_run_previews_and_a_real_run_submits_once(
    api: Api, b: Billing, biller_parks: User
) -> None:
    client = api(biller_parks)
    content = as_csv(good_rows(b))

    preview = send(client, content, "?dry_run=1")
    assert preview.status_code == 200
    assert preview.json()["dry_run"] is True
    assert [(i["key"], i["customer"], i["total"]) for i in preview.json()["preview"]] == [
        ("P-1", b.ada.number, "415.13"),
        ("P-2", b.ben.number, "90.00"),
    ]
    assert not Invoice.objects.exists()

    created = send(client, content)
    assert created.status_code == 201
    assert created.json()["message"] == "Submitted 2 invoices totalling $505.13 for review."
    assert sorted(created.json()["invoices"]) == sorted(
        Invoice.objects.values_list("id", flat=True)
    )

    again = send(client, content)
    assert again.status_code == 200
    assert again.json()["already_uploaded"] is True
    assert Invoice.objects.count() == 2
    assert BillingUpload.objects.count() == 1


def test_row_errors_come_back_with_a_400_and_nothing_is_created(
    api: Api, b: Billing, biller_parks: User
) -> None:
    rows = good_rows(b)
    rows[2][5] = "-3"

    response = send(api(biller_parks), as_csv(rows))

    assert response.status_code == 400
    assert response.json() == {
        "message": "The file was not accepted: it has 1 error. Nothing was created.",
        "code": "upload_refused",
        "errors": ["Row 4, quantity: -3 is not more than zero; use a credit memo for a credit."],
    }
    assert not Invoice.objects.exists()


def test_an_xlsx_that_is_really_text_gets_a_400(api: Api, b: Billing, biller_parks: User) -> None:
    response = send(api(biller_parks), as_csv(good_rows(b)), name="may.xlsx")

    assert response.status_code == 400
    assert response.json()["code"] == "bad_type"


def test_an_auditor_may_not_upload(api: Api, b: Billing, auditor: User) -> None:
    assert send(api(auditor), as_csv(good_rows(b))).status_code == 403

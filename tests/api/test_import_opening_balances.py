from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from fiscus.customers.models import Customer
from fiscus.receivables.models import ImportBatch, Item
from tests.factories import City, customer

Api = Callable[[User | None], APIClient]
URL = "/api/v1/imports/opening-balances/"
HEADER = "Customer Number,Document Number,Document Date,Due Date,Amount,Description,Department"


@pytest.fixture
def people(city: City) -> list[Customer]:
    return [customer(city.clerk, "Ada Park"), customer(city.clerk, "Ben Works")]


def csv_file(people: list[Customer], *, amount: str = "1,250.00") -> SimpleUploadedFile:
    ada, ben = people
    lines = [
        HEADER,
        f'{ada.number},PS-1001,2026-05-14,2026-06-13,"{amount}",Facility rental,PRK',
        f"{ben.number},PS-1003,2026-03-31,2026-04-30,3120.75,Sewer connection,PW",
        f"{ben.number},PS-1004,2026-06-20,2026-06-20,-40.00,Overpayment,PW",
    ]
    return SimpleUploadedFile("balances.csv", ("\r\n".join(lines) + "\r\n").encode())


def post(client: APIClient, upload: SimpleUploadedFile, query: str = "", **headers: str):  # type: ignore[no-untyped-def]
    upload.seek(0)
    return client.post(
        URL + query, {"file": upload, "date": "2026-06-30"}, format="multipart", **headers
    )


def test_a_file_posts_its_items_and_a_replay_says_already_imported(
    api: Api, people: list[Customer], technician: User
) -> None:
    client = api(technician)
    upload = csv_file(people)

    first = post(client, upload)
    assert first.status_code == 201
    body = first.json()
    assert body["rows"] == 3
    assert body["total"] == "4330.75"
    assert body["journal_entry"] == "JE-2026-000001"
    assert body["already_imported"] is False
    assert body["message"] == "Posted 3 opening balances totalling $4,330.75 in JE-2026-000001."
    assert Item.objects.count() == 3

    again = post(client, upload)
    assert again.status_code == 200
    assert again.json()["already_imported"] is True
    assert again.json()["message"].startswith("This file was already imported on ")
    assert again.json()["journal_entry"] == "JE-2026-000001"
    assert Item.objects.count() == 3
    assert ImportBatch.objects.count() == 1


def test_a_dry_run_shows_the_rows_and_posts_nothing(
    api: Api, people: list[Customer], technician: User
) -> None:
    response = post(api(technician), csv_file(people), "?dry_run=1")

    assert response.status_code == 200
    body = response.json()
    assert body["dry_run"] is True
    assert body["journal_entry"] is None
    assert [(r["document_number"], r["amount"], r["department"]) for r in body["preview"]] == [
        ("PS-1001", "1250.00", "PRK"),
        ("PS-1003", "3120.75", "PW"),
        ("PS-1004", "-40.00", "PW"),
    ]
    assert not Item.objects.exists()


def test_row_errors_refuse_the_whole_file_and_name_each_row(
    api: Api, people: list[Customer], technician: User
) -> None:
    response = post(api(technician), csv_file(people, amount="12.345"))

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "import_refused"
    assert body["message"] == "The file was not imported: it has 1 error. Nothing was posted."
    assert len(body["errors"]) == 1
    assert body["errors"][0].startswith("Row 2")
    assert not Item.objects.exists()


def test_the_idempotency_key_replays_the_first_answer(
    api: Api, people: list[Customer], technician: User
) -> None:
    client = api(technician)
    upload = csv_file(people)
    first = post(client, upload, HTTP_IDEMPOTENCY_KEY="move-in")
    second = post(client, upload, HTTP_IDEMPOTENCY_KEY="move-in")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()


def test_a_missing_file_is_refused(api: Api, technician: User) -> None:
    response = api(technician).post(URL, {"date": "2026-06-30"}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()


def test_a_cashier_and_an_auditor_may_not_import(
    api: Api, people: list[Customer], cashier: User, auditor: User
) -> None:
    assert post(api(cashier), csv_file(people)).status_code == 403
    assert post(api(auditor), csv_file(people)).status_code == 403
    assert not Item.objects.exists()

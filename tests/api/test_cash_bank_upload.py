"""POST /api/v1/bank-files/: a bank statement file over the API, imported once and whole."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from fiscus.cash.models import BankLine, BankStatement, CsvMapping
from fiscus.receivables.models import ImportBatch

Api = Callable[[User | None], APIClient]
URL = "/api/v1/bank-files/"
# The real sample files beside the checkout (see their SOURCES.md).
from tests.cash.formats.conftest import EXTERNAL  # noqa: E402 - beside the checkout, or /work/shared

SVB = EXTERNAL / "bai2" / "moj-svb-us-example.bai2"  # two days of one account, a credit each
BROKEN = EXTERNAL / "bai2" / "moov-sample5-nonconforming.bai2"  # trailers that do not tie
CSV = EXTERNAL / "csv" / "oca-balance.csv"


def send(client: APIClient, content: bytes, name: str, **more: Any) -> Any:
    return client.post(URL, {"file": SimpleUploadedFile(name, content), **more}, format="multipart")


def read(path: Path) -> bytes:
    return path.read_bytes()


def test_a_bai2_file_imports_its_statements_and_lines(api: Api, technician: User) -> None:
    response = send(api(technician), read(SVB), "svb.bai2")

    assert response.status_code == 201, response.json()
    answer = response.json()
    assert answer["message"] == "Imported 2 bank lines from 2 statements."
    assert (answer["file_name"], answer["already_imported"]) == ("svb.bai2", False)
    assert (answer["lines_new"], answer["lines_known"], answer["problems"]) == (2, 0, [])
    assert [
        (
            s["account"],
            s["format"],
            s["currency"],
            s["start_date"],
            s["opening"],
            s["closing"],
            s["lines"],
        )
        for s in answer["statements"]
    ] == [
        ("••••7890", "bai2", "USD", "2022-02-01", "347269.79", "352171.75", 1),
        ("••••7890", "bai2", "USD", "2022-02-02", "352171.75", "361229.75", 1),
    ]
    assert sorted(str(a) for a in BankLine.objects.values_list("amount", flat=True)) == [
        "4901.96",
        "9058.00",
    ]
    assert answer["file_hash"] == ImportBatch.objects.get(kind="bank_statement").file_hash


def test_the_same_file_twice_changes_nothing(api: Api, technician: User) -> None:
    client = api(technician)
    send(client, read(SVB), "svb.bai2")

    again = send(client, read(SVB), "svb-again.bai2")

    assert again.status_code == 200
    answer = again.json()
    assert answer["message"] == "This file was already imported as svb.bai2; nothing changed."
    assert (answer["file_name"], answer["already_imported"], answer["lines_new"]) == (
        "svb.bai2",
        True,
        0,
    )
    assert answer["statements"] == []
    assert BankLine.objects.count() == 2
    assert ImportBatch.objects.filter(kind="bank_statement").count() == 1


def test_lines_already_imported_from_another_file_are_counted_not_doubled(
    api: Api, technician: User
) -> None:
    client = api(technician)
    send(client, read(SVB), "svb.bai2")

    overlap = send(client, read(SVB) + b"\n", "svb-copy.bai2")

    assert overlap.status_code == 201, overlap.json()
    assert overlap.json()["message"] == (
        "Imported 0 bank lines from 2 statements; 2 lines had been imported before."
    )
    assert (overlap.json()["lines_new"], overlap.json()["lines_known"]) == (0, 2)
    assert BankLine.objects.count() == 2


def test_a_malformed_file_is_refused_with_the_line_named_and_nothing_kept(
    api: Api, technician: User
) -> None:
    response = send(api(technician), read(BROKEN), "bank.bai2")

    assert response.status_code == 400
    assert response.json() == {
        "message": "Line 22, account trailer: the record count says 26 but the account holds "
        "18 records.",
        "code": "bad_bank_file",
    }
    assert not BankStatement.objects.exists()
    assert not ImportBatch.objects.exists()


def test_a_csv_file_needs_a_saved_mapping(api: Api, technician: User) -> None:
    client = api(technician)

    without = send(client, read(CSV), "statement.csv")
    unknown = send(client, read(CSV), "statement.csv", mapping="Nope")
    CsvMapping.objects.create(name="First Bank", mapping={}, created_by=technician)
    listed = send(client, read(CSV), "statement.csv", mapping="Nope")

    assert without.status_code == 400
    assert without.json()["code"] == "bad_bank_file"
    assert "choose or save a column mapping for it first" in without.json()["message"]
    assert unknown.json() == {
        "mapping": ['There is no saved CSV mapping "Nope"; save one on the bank-files page.']
    }
    assert listed.json() == {
        "mapping": ['There is no saved CSV mapping "Nope"; the mappings are First Bank.']
    }
    assert not ImportBatch.objects.exists()


def test_a_file_is_required(api: Api, technician: User) -> None:
    response = api(technician).post(URL, {}, format="multipart")

    assert response.status_code == 400
    assert response.json() == {"file": ["No file was submitted."]}


@pytest.mark.parametrize("role", ["cashier", "auditor", "biller_parks", "outsider"])
def test_only_the_bank_import_capability_uploads(
    api: Api, role: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(role)

    response = send(api(user), read(SVB), "svb.bai2")

    assert response.status_code == 403
    assert not ImportBatch.objects.exists()


def test_a_supervisor_uploads_too(api: Api, supervisor: User) -> None:
    assert send(api(supervisor), read(SVB), "svb.bai2").status_code == 201

"""Importing opening balances: an agency moves in from PeopleSoft or a spreadsheet."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from fiscus.audit.models import AuditEvent
from fiscus.errors import PermissionDenied
from fiscus.ledger.models import JournalEntry
from fiscus.organization.models import Department, Fund
from fiscus.receivables.formats.opening_balances import FileRefused
from fiscus.receivables.imports import ImportRefused, import_opening_balances
from fiscus.receivables.models import ImportBatch, Item, ReceivableEntry
from fiscus.reports.queries import ar_tie_out
from tests.factories import customer, invoice

ON = date(2026, 6, 30)
HEADER = [
    "Customer Number",
    "Document Number",
    "Document Date",
    "Due Date",
    "Amount",
    "Description",
    "Department",
]


@pytest.fixture
def people(city):
    return [customer(city.clerk, "Ada Park"), customer(city.clerk, "Ben Works")]


def good_rows(people):
    ada, ben = people
    return [
        [ada.number, "PS-1001", "2026-05-14", "2026-06-13", "1,250.00", "Facility rental", "PRK"],
        [ada.number, "PS-1002", "06/02/2026", "07/02/2026", "87.50", "Field lights", "PRK"],
        [ben.number, "PS-1003", "2026-03-31", "2026-04-30", "3120.75", "Sewer connection", "PW"],
        [ben.number, "PS-1004", "2026-06-20", "2026-06-20", "-40.00", "Overpayment", "PW"],
    ]


def as_csv(rows, header=HEADER) -> bytes:
    lines = [",".join(f'"{v}"' for v in row) for row in [header, *rows]]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def as_xlsx(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in [header, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def counts():
    return JournalEntry.objects.count(), Item.objects.count(), ReceivableEntry.objects.count()


def gl_lines(entry):
    return sorted(
        (ln.account.code, ln.department.code if ln.department else None, ln.debit, ln.credit)
        for ln in entry.lines.select_related("account", "department")
    )


def test_a_good_csv_posts_one_item_per_row_and_one_entry_netted_per_department(city, people):
    result = import_opening_balances(
        as_csv(good_rows(people)), "balances.csv", on=ON, by=city.clerk
    )

    assert result.message == "Posted 4 opening balances totalling $4,418.25 in JE-2026-000001."
    items = {i.number: i for i in Item.objects.all()}
    assert sorted(items) == ["PS-1001", "PS-1002", "PS-1003", "PS-1004"]
    credit = items["PS-1004"]
    assert (credit.kind, credit.amount, credit.open_amount) == (
        "opening_balance",
        Decimal("-40.00"),
        Decimal("-40.00"),
    )
    assert (credit.customer, credit.department, credit.fund) == (
        people[1],
        city.works,
        city.general,
    )
    assert items["PS-1002"].document_date == date(2026, 6, 2)
    assert items["PS-1001"].posted_on == ON
    assert items["PS-1001"].description == "Facility rental"

    (entry,) = JournalEntry.objects.all()
    assert entry.memo == "Opening balances from balances.csv"
    assert gl_lines(entry) == [
        ("1200", "PRK", Decimal("1337.50"), Decimal("0.00")),
        ("1200", "PW", Decimal("3080.75"), Decimal("0.00")),
        ("3900", "PRK", Decimal("0.00"), Decimal("1337.50")),
        ("3900", "PW", Decimal("0.00"), Decimal("3080.75")),
    ]
    rows = ReceivableEntry.objects.order_by("item__number")
    assert [(r.item.number, r.amount, r.source) for r in rows] == [
        ("PS-1001", Decimal("1250.00"), "opening_balance"),
        ("PS-1002", Decimal("87.50"), "opening_balance"),
        ("PS-1003", Decimal("3120.75"), "opening_balance"),
        ("PS-1004", Decimal("-40.00"), "opening_balance"),
    ]
    assert all(r.journal_entry == entry for r in rows)
    tie = ar_tie_out(as_of=ON)
    assert (tie.gl, tie.subledger, tie.ties) == (Decimal("4418.25"), Decimal("4418.25"), True)


def test_the_import_is_recorded_as_a_batch_with_its_entry_and_an_audit_event(city, people):
    result = import_opening_balances(
        as_csv(good_rows(people)), "balances.csv", on=ON, by=city.clerk
    )

    batch = ImportBatch.objects.get()
    assert (batch.kind, batch.file_name, batch.rows, batch.total) == (
        "opening_balances",
        "balances.csv",
        4,
        Decimal("4418.25"),
    )
    assert batch.journal_entry == result.journal_entry
    assert batch.file_hash == result.file_hash and len(batch.file_hash) == 64
    event = AuditEvent.objects.get(action="opening_balances.imported")
    assert event.actor == city.clerk
    assert event.detail["total"] == "4418.25"
    assert event.detail["journal_entry"] == "JE-2026-000001"


def test_a_good_xlsx_with_real_date_and_number_cells_posts_the_same_items(city, people):
    rows = good_rows(people)
    rows[0][2:5] = [datetime(2026, 5, 14), datetime(2026, 6, 13), 1250]  # noqa: DTZ001 - Excel date cells carry no time zone
    rows[1][4] = 87.5
    rows[3][4] = -40

    result = import_opening_balances(as_xlsx(rows), "balances.xlsx", on=ON, by=city.clerk)

    assert result.total == Decimal("4418.25")
    assert {i.number: i.amount for i in Item.objects.all()} == {
        "PS-1001": Decimal("1250.00"),
        "PS-1002": Decimal("87.50"),
        "PS-1003": Decimal("3120.75"),
        "PS-1004": Decimal("-40.00"),
    }
    assert Item.objects.get(number="PS-1001").due_date == date(2026, 6, 13)
    assert ar_tie_out(as_of=ON).ties


def test_a_row_without_a_department_goes_to_the_only_fund(city, people):
    rows = [[people[0].number, "PS-9", "2026-06-01", "2026-07-01", "10.00", "Old balance", ""]]

    import_opening_balances(as_csv(rows), "one.csv", on=ON, by=city.clerk)

    item = Item.objects.get()
    assert (item.fund, item.department) == (city.general, None)


def test_with_several_funds_a_row_names_its_fund_or_a_department(city, people):
    water = Fund.objects.create(code="500", name="Water Enterprise Fund")
    header = [*HEADER, "Fund"]
    rows = [
        [people[0].number, "PS-1", "2026-06-01", "2026-07-01", "10.00", "Meter", "", "500"],
        [people[0].number, "PS-2", "2026-06-01", "2026-07-01", "20.00", "Permit", "PRK", ""],
        [people[0].number, "PS-3", "2026-06-01", "2026-07-01", "30.00", "Unknown", "", ""],
    ]
    with pytest.raises(ImportRefused) as refused:
        import_opening_balances(as_csv(rows, header), "funds.csv", on=ON, by=city.clerk)
    assert refused.value.errors == [
        "Row 4, fund: the agency keeps more than one fund; name the fund or a department."
    ]

    import_opening_balances(as_csv(rows[:2], header), "funds.csv", on=ON, by=city.clerk)
    assert {i.number: i.fund for i in Item.objects.all()} == {"PS-1": water, "PS-2": city.general}
    assert ar_tie_out(as_of=ON).ties


BAD_ROWS = [
    (
        1,
        0,
        "C999999",
        'Row 3, customer number: there is no customer "C999999"; add the customer first.',
    ),
    (
        1,
        4,
        "12,34",
        'Row 3, amount: "12,34" uses a comma as the decimal mark; write it with a point.',
    ),
    (1, 4, "10.005", 'Row 3, amount: "10.005" has more than two decimal places.'),
    (1, 2, "2026-02-30", 'Row 3, document date: "2026-02-30" is not a real date.'),
    (1, 3, "2026-06-01", "Row 3, due date: 06/01/2026 is before the document date 06/02/2026."),
    (
        1,
        1,
        "PS-1001",
        'Row 3, document number: "PS-1001" is also on row 2; each document number appears once.',
    ),
    (1, 6, "ZOO", 'Row 3, department: "ZOO" is not a department; the codes are PRK, PW.'),
    (1, 3, "", "Row 3, due date: the due date is empty."),
]


@pytest.mark.parametrize(("row", "column", "value", "message"), BAD_ROWS)
def test_a_bad_row_refuses_the_whole_file_naming_the_row_and_the_field(
    city, people, row, column, value, message
):
    rows = good_rows(people)
    rows[row][column] = value
    before = counts()

    with pytest.raises(ImportRefused) as refused:
        import_opening_balances(as_csv(rows), "bad.csv", on=ON, by=city.clerk)

    assert refused.value.errors == [message]
    assert refused.value.message == "The file was not imported: it has 1 error. Nothing was posted."
    assert counts() == before
    assert not ImportBatch.objects.exists()


def test_a_missing_column_refuses_the_file(city, people):
    rows = [row[:3] + row[4:] for row in good_rows(people)]
    header = HEADER[:3] + HEADER[4:]
    with pytest.raises(ImportRefused) as refused:
        import_opening_balances(as_csv(rows, header), "bad.csv", on=ON, by=city.clerk)
    assert refused.value.errors == ['Row 1, due date: the header has no "due date" column; add it.']
    assert counts() == (0, 0, 0)


def test_a_document_number_already_in_fiscus_refuses_the_file(city, people):
    earlier = invoice(city, people[0], "15.00", on=date(2026, 3, 2))
    rows = good_rows(people)
    rows[2][1] = earlier.number
    before = counts()

    with pytest.raises(ImportRefused) as refused:
        import_opening_balances(as_csv(rows), "bad.csv", on=ON, by=city.clerk)

    assert refused.value.errors == [
        f'Row 4, document number: "{earlier.number}" is already posted in Fiscus.'
    ]
    assert counts() == before


def test_an_inactive_department_is_refused(city, people):
    Department.objects.filter(pk=city.works.pk).update(active=False)
    with pytest.raises(ImportRefused) as refused:
        import_opening_balances(as_csv(good_rows(people)), "bad.csv", on=ON, by=city.clerk)
    assert refused.value.errors == [
        'Row 4, department: "PW" is not an active department; the codes are PRK.',
        'Row 5, department: "PW" is not an active department; the codes are PRK.',
    ]


def test_every_bad_row_is_listed_together(city, people):
    rows = good_rows(people)
    rows[0][4] = "12,34"
    rows[2][0] = "C999999"
    rows[3][6] = "ZOO"
    with pytest.raises(ImportRefused) as refused:
        import_opening_balances(as_csv(rows), "bad.csv", on=ON, by=city.clerk)
    assert refused.value.errors == [
        'Row 2, amount: "12,34" uses a comma as the decimal mark; write it with a point.',
        'Row 4, customer number: there is no customer "C999999"; add the customer first.',
        'Row 5, department: "ZOO" is not a department; the codes are PRK, PW.',
    ]
    assert (
        refused.value.message == "The file was not imported: it has 3 errors. Nothing was posted."
    )


def test_a_dry_run_shows_the_rows_and_totals_and_posts_nothing(city, people):
    result = import_opening_balances(
        as_csv(good_rows(people)), "balances.csv", on=ON, by=city.clerk, dry_run=True
    )
    assert result.ok and result.dry_run
    assert [r.document_number for r in result.rows] == ["PS-1001", "PS-1002", "PS-1003", "PS-1004"]
    assert [(t.label, t.count, t.total) for t in result.department_totals] == [
        ("PRK Parks and Recreation", 2, Decimal("1337.50")),
        ("PW Public Works", 2, Decimal("3080.75")),
    ]
    assert result.message == "4 opening balances totalling $4,418.25 are ready to post."
    assert counts() == (0, 0, 0)
    assert not ImportBatch.objects.exists()


def test_a_dry_run_returns_the_errors_instead_of_raising(city, people):
    rows = good_rows(people)
    rows[1][4] = "12,34"
    result = import_opening_balances(as_csv(rows), "bad.csv", on=ON, by=city.clerk, dry_run=True)
    assert result.errors == [
        'Row 3, amount: "12,34" uses a comma as the decimal mark; write it with a point.'
    ]
    assert len(result.rows) == 3


def test_the_same_file_twice_posts_once_and_says_when_and_by_whom(city, people):
    content = as_csv(good_rows(people))
    with time_machine.travel(datetime(2026, 7, 1, 17, 0, tzinfo=UTC), tick=False):
        import_opening_balances(content, "balances.csv", on=ON, by=city.clerk)
    before = counts()

    again = import_opening_balances(content, "copy of balances.csv", on=ON, by=city.clerk)

    assert again.already_imported
    assert again.message == (
        f"This file was already imported on 07/01/2026 by {city.clerk.get_full_name()} (4 items)."
    )
    assert counts() == before
    assert ImportBatch.objects.count() == 1


def test_a_file_that_only_pretends_to_be_xlsx_is_refused(city, people):
    with pytest.raises(FileRefused, match="is not a real .xlsx workbook"):
        import_opening_balances(as_csv(good_rows(people)), "balances.xlsx", on=ON, by=city.clerk)
    assert counts() == (0, 0, 0)


def test_a_file_over_the_size_limit_is_refused(city, people, settings):
    settings.MAX_IMPORT_BYTES = 100
    with pytest.raises(
        FileRefused, match=r"^balances.csv is \d+ bytes; Fiscus imports files up to 100 bytes\.$"
    ):
        import_opening_balances(as_csv(good_rows(people)), "balances.csv", on=ON, by=city.clerk)
    assert counts() == (0, 0, 0)


def test_a_posting_date_outside_the_fiscal_years_is_refused(city, people):
    with pytest.raises(Exception, match="No fiscal period covers 06/30/2030"):
        import_opening_balances(
            as_csv(good_rows(people)), "b.csv", on=date(2030, 6, 30), by=city.clerk
        )
    assert counts() == (0, 0, 0)


def test_a_cashier_may_not_import(city, people, cashier):
    with pytest.raises(PermissionDenied):
        import_opening_balances(as_csv(good_rows(people)), "b.csv", on=ON, by=cashier)
    assert counts() == (0, 0, 0)


def test_the_command_imports_a_file_and_prints_the_result(city, people, tmp_path, capsys):
    path = tmp_path / "balances.csv"
    path.write_bytes(as_csv(good_rows(people)))

    call_command(
        "import_opening_balances", str(path), "--date", "2026-06-30", "--user", city.clerk.username
    )

    assert (
        "Posted 4 opening balances totalling $4,418.25 in JE-2026-000001."
        in capsys.readouterr().out
    )
    assert Item.objects.count() == 4


def test_the_command_dry_run_posts_nothing(city, people, tmp_path, capsys):
    path = tmp_path / "balances.csv"
    path.write_bytes(as_csv(good_rows(people)))

    call_command(
        "import_opening_balances",
        str(path),
        "--date",
        "2026-06-30",
        "--user",
        city.clerk.username,
        "--dry-run",
    )

    out = capsys.readouterr().out
    assert "4 opening balances totalling $4,418.25 are ready to post." in out
    assert "PW Public Works" in out and "3,080.75" in out
    assert counts() == (0, 0, 0)


def test_the_command_lists_the_row_errors_and_exits_non_zero(city, people, tmp_path, capsys):
    rows = good_rows(people)
    rows[1][4] = "12,34"
    path = tmp_path / "bad.csv"
    path.write_bytes(as_csv(rows))

    with pytest.raises(CommandError) as failed:
        call_command(
            "import_opening_balances",
            str(path),
            "--date",
            "2026-06-30",
            "--user",
            city.clerk.username,
        )

    assert failed.value.returncode == 1
    assert str(failed.value) == "The file was not imported: it has 1 error. Nothing was posted."
    assert 'Row 3, amount: "12,34" uses a comma' in capsys.readouterr().err
    assert counts() == (0, 0, 0)


def test_the_command_refuses_an_unknown_user_and_a_missing_file(city, tmp_path):
    with pytest.raises(CommandError, match="There is no user nobody"):
        call_command("import_opening_balances", str(tmp_path / "x.csv"), "--user", "nobody")
    with pytest.raises(CommandError, match="No file at"):
        call_command(
            "import_opening_balances", str(tmp_path / "x.csv"), "--user", city.clerk.username
        )

import csv
import io
from decimal import Decimal

from openpyxl import load_workbook

from fiscus.audit.models import AuditEvent
from tests.factories import customer, invoice


def test_the_xlsx_export_holds_every_filtered_row_with_its_balance(city, technician, client_for):
    owing = [customer(technician, "Owing", type="business") for _ in range(55)]
    for n, who in enumerate(owing, 1):
        invoice(city, who, Decimal("10.00") + n)
    customer(technician, "Person, not exported")

    client = client_for(technician)
    page = client.get("/customers/?type=business")
    assert len(page.context["table"].page.object_list) == 50
    assert page.context["table"].paginator.count == 55

    response = client.get("/customers/?type=business&export=xlsx")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="customers.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "Number",
        "Name",
        "Type",
        "Department",
        "Phone",
        "E-mail",
        "Flags",
        "Balance",
    )
    assert len(rows) == 1 + 55  # every page, not only the first 50
    by_number = {r[0]: r for r in rows[1:]}
    assert by_number[owing[0].number][7] == 11
    assert by_number[owing[54].number][7] == 65
    assert sheet.cell(row=2, column=8).number_format == "#,##0.00;[Red]-#,##0.00"


def test_the_csv_export_follows_the_balance_filter_and_is_audited(city, technician, client_for):
    big, small = customer(technician, "Big"), customer(technician, "Small")
    invoice(city, big, "1234.56")
    invoice(city, small, "5.00")

    response = client_for(technician).get("/customers/?balance_min=1000&export=csv")

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1:] == [[big.number, big.name, "Person", "", "", "", "", "1234.56"]]
    event = AuditEvent.objects.get(action="report.exported")
    assert event.detail["rows"] == 1 and event.detail["format"] == "csv"


def test_a_biller_exports_only_their_departments_customers(
    city, technician, biller_parks, client_for
):
    parks, works = customer(technician, "Parks user"), customer(technician, "Works user")
    invoice(city, parks, "10.00", department=city.parks)
    invoice(city, works, "20.00", department=city.works)

    response = client_for(biller_parks).get("/customers/?export=csv")

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [r[0] for r in rows[1:]] == [parks.number]

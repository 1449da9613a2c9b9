from datetime import date

import pytest

from fiscus.organization.models import FiscalPeriod, FiscalYear
from fiscus.organization.services import PeriodError, close_period
from tests.audit.pages import client_for  # noqa: F401
from tests.factories import customer, invoice


def march_2026() -> FiscalPeriod:
    return FiscalPeriod.objects.get(start=date(2026, 3, 1))


def test_a_closed_period_refuses_postings_dated_in_it(city, supervisor, client_for):  # noqa: F811
    client = client_for(supervisor)
    response = client.post(f"/organization/periods/{march_2026().pk}/close/", {"why": ""})

    assert response.status_code == 302
    period = march_2026()
    assert (period.status, period.closed_by) == ("closed", supervisor)
    page = client.get("/organization/periods/").content.decode()
    assert "Closed" in page and "Sam" in page
    with pytest.raises(PeriodError) as refused:
        invoice(city, customer(city.clerk), "100.00", on=date(2026, 3, 2))
    assert (
        refused.value.message == "FY2026 P09 (Mar 2026) is closed; nothing can post on 03/02/2026."
    )


def test_reopening_a_period_needs_a_reason(city, supervisor, client_for):  # noqa: F811
    close_period(march_2026(), by=supervisor)
    client = client_for(supervisor)

    refused = client.post(f"/organization/periods/{march_2026().pk}/reopen/", {"why": "  "})
    assert refused.status_code == 200
    assert refused.context["form"].errors["why"] == ["Say why the period is reopened."]
    assert march_2026().status == "closed"

    reopened = client.post(
        f"/organization/periods/{march_2026().pk}/reopen/", {"why": "Late invoice from Parks"}
    )
    assert reopened.status_code == 302
    assert march_2026().status == "open"
    assert march_2026().history.first().history_change_reason == "Late invoice from Parks"
    assert invoice(city, customer(city.clerk), "100.00", on=date(2026, 3, 2)).amount == 100


def test_a_supervisor_creates_the_next_fiscal_year(city, supervisor, client_for):  # noqa: F811
    response = client_for(supervisor).post("/organization/periods/next-year/")
    assert response.status_code == 302
    fy = FiscalYear.objects.get(year=2029)
    assert (fy.start, fy.end, fy.periods.count()) == (date(2028, 7, 1), date(2029, 6, 30), 12)


def test_a_technician_sees_periods_but_may_not_close_one(city, technician, client_for):  # noqa: F811
    client = client_for(technician)
    assert client.get("/organization/periods/").status_code == 200
    assert client.post(f"/organization/periods/{march_2026().pk}/close/").status_code == 403
    assert client.post("/organization/periods/next-year/").status_code == 403
    assert march_2026().status == "open"

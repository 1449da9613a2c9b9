from fiscus.organization.models import Department, Fund
from fiscus.organization.services import create_fund
from tests.audit.pages import client_for  # noqa: F401


def test_a_single_fund_agencys_department_form_has_no_fund_field(city, supervisor, client_for):  # noqa: F811
    response = client_for(supervisor).get("/organization/departments/new/")
    assert response.status_code == 200
    assert "fund" not in response.context["form"].fields
    assert 'name="fund"' not in response.content.decode()


def test_a_department_added_by_a_single_fund_agency_goes_into_its_fund(
    city,
    supervisor,
    client_for,  # noqa: F811
):
    response = client_for(supervisor).post(
        "/organization/departments/new/", {"code": "LIB", "name": "Library", "active": "on"}
    )
    assert response.status_code == 302
    assert Department.objects.get(code="LIB").fund == city.general


def test_a_two_fund_agencys_department_form_asks_for_the_fund(city, supervisor, client_for):  # noqa: F811
    water = create_fund({"code": "500", "name": "Water Enterprise", "active": True}, by=supervisor)
    client = client_for(supervisor)

    assert 'name="fund"' in client.get("/organization/departments/new/").content.decode()
    response = client.post(
        "/organization/departments/new/",
        {"code": "WTR", "name": "Water Division", "fund": water.pk, "active": "on"},
    )
    assert response.status_code == 302
    assert Department.objects.get(code="WTR").fund == Fund.objects.get(code="500")
    listing = client.get("/organization/departments/").content.decode()
    assert "Water Division" in listing and "<th" in listing and "Fund" in listing


def test_a_supervisor_deactivates_a_department(city, supervisor, client_for):  # noqa: F811
    response = client_for(supervisor).post(
        "/organization/departments/PW/", {"code": "PW", "name": "Public Works"}
    )
    assert response.status_code == 302
    assert Department.objects.get(code="PW").active is False


def test_a_technician_may_not_add_a_department(city, technician, client_for):  # noqa: F811
    response = client_for(technician).post(
        "/organization/departments/new/", {"code": "LIB", "name": "Library", "active": "on"}
    )
    assert response.status_code == 403
    assert not Department.objects.filter(code="LIB").exists()

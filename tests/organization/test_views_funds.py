from fiscus.audit.models import AuditEvent
from fiscus.organization.models import Fund
from tests.audit.pages import client_for  # noqa: F401


def test_a_supervisor_adds_a_fund_through_the_page(city, supervisor, client_for):  # noqa: F811
    client = client_for(supervisor)
    response = client.post(
        "/organization/funds/new/", {"code": "500", "name": "Water Enterprise", "active": "on"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/organization/funds/"
    assert Fund.objects.get(code="500").name == "Water Enterprise"
    assert AuditEvent.objects.filter(
        action="fund.created", object_repr="500 Water Enterprise"
    ).exists()
    page = client.get("/organization/funds/").content.decode()
    assert "Water Enterprise" in page and "General Fund" in page


def test_a_duplicate_fund_code_shows_beside_the_code(city, supervisor, client_for):  # noqa: F811
    response = client_for(supervisor).post(
        "/organization/funds/new/", {"code": "100", "name": "Again", "active": "on"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == ["Fund 100 already exists."]


def test_a_supervisor_renames_a_fund(city, supervisor, client_for):  # noqa: F811
    response = client_for(supervisor).post(
        f"/organization/funds/{city.general.pk}/",
        {"code": "100", "name": "General Fund (City)", "active": "on"},
    )
    assert response.status_code == 302
    assert Fund.objects.get(code="100").name == "General Fund (City)"


def test_a_technician_may_see_funds_but_not_add_one(city, technician, client_for):  # noqa: F811
    client = client_for(technician)
    assert client.get("/organization/funds/").status_code == 200
    assert client.get("/organization/funds/new/").status_code == 403
    response = client.post("/organization/funds/new/", {"code": "500", "name": "W", "active": "on"})
    assert response.status_code == 403
    assert not Fund.objects.filter(code="500").exists()


def test_a_department_biller_may_not_see_the_organization(city, biller_parks, client_for):  # noqa: F811
    assert client_for(biller_parks).get("/organization/funds/").status_code == 403

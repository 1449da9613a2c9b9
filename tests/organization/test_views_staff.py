from fiscus.audit.models import AuditEvent
from tests.audit.pages import client_for  # noqa: F401
from tests.factories import make_user


def test_an_administrator_makes_someone_a_biller_of_two_departments(
    city,
    administrator,
    client_for,  # noqa: F811
):
    newcomer = make_user(None, username="nina")
    client = client_for(administrator)
    response = client.post(
        "/organization/staff/nina/",
        {"roles": ["department biller"], "departments": [city.parks.pk, city.works.pk]},
    )

    assert response.status_code == 302
    assert list(newcomer.groups.values_list("name", flat=True)) == ["department biller"]
    assert AuditEvent.objects.filter(action="staff.access_changed", object_repr="nina").exists()
    page = client.get("/organization/staff/").content.decode()
    assert "department biller" in page and "PRK, PW" in page


def test_a_biller_without_a_department_is_refused_beside_the_departments(
    city,
    administrator,
    client_for,  # noqa: F811
):
    make_user(None, username="nina")
    response = client_for(administrator).post(
        "/organization/staff/nina/", {"roles": ["department biller"]}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["departments"] == [
        "A department biller needs at least one department."
    ]


def test_a_supervisor_may_not_manage_staff(city, supervisor, client_for):  # noqa: F811
    client = client_for(supervisor)
    assert client.get("/organization/staff/").status_code == 403
    assert client.post("/organization/staff/sam/", {"roles": ["administrator"]}).status_code == 403
    assert list(supervisor.groups.values_list("name", flat=True)) == ["supervisor"]

from fiscus.organization.services import agency
from tests.audit.pages import client_for  # noqa: F401

PROFILE = {
    "name": "City of Springfield",
    "address": "1 Civic Center Plaza\nSpringfield, CA 90210",
    "phone": "555-0100",
    "email": "ar@springfield.example.gov",
    "website": "",
    "remit_to": "Finance Department, PO Box 1",
    "fiscal_year_start_month": "7",
    "aging_bucket_days": "30, 60, 90",
}


def test_a_supervisor_edits_the_agency_profile(city, supervisor, client_for):  # noqa: F811
    client = client_for(supervisor)
    response = client.post("/organization/agency/edit/", PROFILE)

    assert response.status_code == 302
    profile = agency()
    assert (profile.name, profile.aging_bucket_days) == ("City of Springfield", "30,60,90")
    assert profile.history.first().name == "City of Springfield"
    page = client.get("/organization/").content.decode()
    assert "City of Springfield" in page
    assert "0–30, 31–60, 61–90, over 90" in page


def test_bucket_edges_that_do_not_increase_are_refused_beside_the_field(
    city,
    supervisor,
    client_for,  # noqa: F811
):
    response = client_for(supervisor).post(
        "/organization/agency/edit/", {**PROFILE, "aging_bucket_days": "30,90,60"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["aging_bucket_days"] == [
        "Bucket edges must increase from left to right, such as 30,60,90,120."
    ]
    assert agency().aging_bucket_days == "30,60,90,120"


def test_a_cashier_sees_the_profile_but_may_not_edit_it(city, cashier, client_for):  # noqa: F811
    client = client_for(cashier)
    assert client.get("/organization/").status_code == 200
    assert client.get("/organization/agency/edit/").status_code == 403

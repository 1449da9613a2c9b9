from fiscus.customers.services import update_customer
from fiscus.organization.models import FiscalPeriod
from fiscus.organization.services import close_period, create_fund, update_fund
from tests.factories import customer


def test_the_history_shows_a_customer_name_change_before_and_after(
    city, technician, supervisor, client_for
):
    who = customer(technician, "Harper Books")
    old_name = who.name
    update_customer(who, by=technician, changes={"name": "Harper Rare Books"})

    response = client_for(supervisor).get("/audit/history/?model=customer")
    html = response.content.decode()

    assert response.status_code == 200
    first = response.context["rows"][0]
    assert (first.model, first.kind, first.obj.endswith("Harper Rare Books")) == (
        "Customer",
        "changed",
        True,
    )
    assert [(c.field, c.before, c.after) for c in first.changes] == [
        ("name", old_name, "Harper Rare Books")
    ]
    assert f"<strong>name</strong>: {old_name} → Harper Rare Books" in html
    assert response.context["rows"][1].kind == "created"


def test_the_history_spans_models_and_filters_by_model(city, supervisor, auditor, client_for):
    who = customer(supervisor, "Quinn")
    water = create_fund({"code": "500", "name": "Water", "active": True}, by=supervisor)
    update_fund(water, {"name": "Water Enterprise"}, by=supervisor)
    client = client_for(auditor)

    everything = client.get("/audit/history/").context["rows"]
    assert {r.model for r in everything} == {"Customer", "Fund", "Department", "Fiscal period"}
    funds = client.get("/audit/history/?model=fund").context["rows"]
    assert [(r.who, r.kind, [(c.field, c.before, c.after) for c in r.changes]) for r in funds] == [
        ("sam", "changed", [("name", "Water", "Water Enterprise")]),
        ("sam", "created", []),
    ]
    assert who.name not in client.get("/audit/history/?model=fund").content.decode()


def test_the_history_pages_through_many_changes(city, supervisor, auditor, client_for):
    for period in FiscalPeriod.objects.all():
        close_period(period, by=supervisor)
    update_fund(city.general, {"name": "General Fund (City)"}, by=supervisor)
    client = client_for(auditor)
    first = client.get("/audit/history/")
    total = first.context["page"].paginator.count
    # 48 periods created and 48 closed, two departments added, one fund renamed
    assert total == 48 + 48 + 2 + 1
    assert first.context["rows"][0].model == "Fund"
    period = first.context["rows"][1]
    assert period.model == "Fiscal period"
    assert ("status", "Open", "Closed") in [(c.field, c.before, c.after) for c in period.changes]
    second = client.get("/audit/history/?page=2")
    assert len(first.context["rows"]) == 50 and len(second.context["rows"]) == 49
    assert second.context["rows"][0].when <= first.context["rows"][-1].when

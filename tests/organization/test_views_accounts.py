from fiscus.organization.models import Account
from tests.audit.pages import client_for  # noqa: F401


def test_a_supervisor_adds_an_account_through_the_page(city, supervisor, client_for):  # noqa: F811
    client = client_for(supervisor)
    response = client.post(
        "/organization/accounts/new/",
        {"code": "4100", "name": "Recreation fees", "type": "revenue", "role": "", "active": "on"},
    )
    assert response.status_code == 302
    fees = Account.objects.get(code="4100")
    assert (fees.name, fees.type, fees.role) == ("Recreation fees", "revenue", None)
    assert "Recreation fees" in client.get("/organization/accounts/").content.decode()


def test_giving_an_account_a_role_another_account_holds_is_refused(city, supervisor, client_for):  # noqa: F811
    response = client_for(supervisor).post(
        "/organization/accounts/new/",
        {
            "code": "1201",
            "name": "Second AR",
            "type": "asset",
            "role": "ar_control",
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["role"] == [
        "Account 1200 Accounts receivable control already has the role “AR control”; "
        "each role belongs to one account. Clear it there first."
    ]
    assert not Account.objects.filter(code="1201").exists()


def test_roles_no_account_holds_are_shown_as_a_warning(city, supervisor, client_for):  # noqa: F811
    client = client_for(supervisor)
    bad_debt = Account.objects.get(role="bad_debt")
    response = client.post(
        f"/organization/accounts/{bad_debt.pk}/",
        {"code": "6500", "name": "Bad debt expense", "type": "expense", "role": "", "active": "on"},
    )
    assert response.status_code == 302
    page = client.get("/organization/accounts/").content.decode()
    assert "No account has these roles yet" in page and "Bad debt expense" in page
    assert Account.objects.filter(role="bad_debt").count() == 0


def test_the_chart_of_accounts_filters_by_type(city, auditor, client_for):  # noqa: F811
    response = client_for(auditor).get("/organization/accounts/?type=liability")
    codes = [a.code for a in response.context["table"].data]
    assert codes == ["2010", "2050", "2100"]


def test_a_technician_may_not_add_an_account(city, technician, client_for):  # noqa: F811
    response = client_for(technician).post(
        "/organization/accounts/new/",
        {"code": "4100", "name": "Fees", "type": "revenue", "role": "", "active": "on"},
    )
    assert response.status_code == 403


def test_the_chart_of_accounts_lists_inactive_accounts_apart(city, supervisor, client_for):  # noqa: F811
    client = client_for(supervisor)
    client.post(
        "/organization/accounts/new/",
        {"code": "4999", "name": "Old fees", "type": "revenue", "role": ""},
    )
    inactive = client.get("/organization/accounts/?active=no").context["table"].data
    assert [a.code for a in inactive] == ["4999"]
    assert "4999" not in [
        a.code for a in client.get("/organization/accounts/?active=yes").context["table"].data
    ]

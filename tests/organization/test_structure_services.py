import pytest

from fiscus.audit.models import AuditEvent
from fiscus.organization.models import Account, Department, Fund, StaffProfile
from fiscus.organization.services import (
    StructureError,
    create_account,
    create_department,
    create_fund,
    parse_bucket_edges,
    set_staff_access,
    unassigned_roles,
    update_account,
    update_fund,
    uses_funds,
)


def test_a_new_fund_is_audited_and_keeps_its_history(city, supervisor):
    fund = create_fund({"code": "500", "name": "Water Enterprise", "active": True}, by=supervisor)
    update_fund(fund, {"name": "Water Utility"}, by=supervisor)

    assert Fund.objects.get(code="500").name == "Water Utility"
    assert uses_funds()
    assert [h.name for h in fund.history.order_by("history_id")] == [
        "Water Enterprise",
        "Water Utility",
    ]
    assert fund.history.first().history_user == supervisor
    assert list(
        AuditEvent.objects.filter(object_type="organization.fund").values_list("action", flat=True)
    ) == ["fund.updated", "fund.created"]


def test_a_duplicate_fund_code_is_refused(city, supervisor):
    with pytest.raises(StructureError, match="^Fund 100 already exists.$"):
        create_fund({"code": "100", "name": "Again", "active": True}, by=supervisor)


def test_a_department_of_a_single_fund_agency_goes_into_its_only_fund(city, supervisor):
    department = create_department(
        {"code": "LIB", "name": "Library", "active": True}, by=supervisor
    )
    assert department.fund == city.general
    assert Department.objects.filter(code="LIB").exists()


def test_a_role_already_held_by_another_account_is_refused_with_the_holder_named(city, supervisor):
    with pytest.raises(StructureError) as refused:
        create_account(
            {
                "code": "1201",
                "name": "AR control 2",
                "type": "asset",
                "role": "ar_control",
                "active": True,
            },
            by=supervisor,
        )
    assert refused.value.message == (
        "Account 1200 Accounts receivable control already has the role “AR control”; "
        "each role belongs to one account. Clear it there first."
    )
    assert not Account.objects.filter(code="1201").exists()


def test_moving_a_role_frees_it_and_unassigned_roles_are_listed(city, supervisor):
    revenue = Account.objects.get(role="revenue")
    update_account(revenue, {"role": None}, by=supervisor)
    assert unassigned_roles() == ["Default revenue"]
    fees = create_account(
        {"code": "4100", "name": "Fees", "type": "revenue", "role": "revenue", "active": True},
        by=supervisor,
    )
    assert Account.objects.get(role="revenue") == fees
    assert unassigned_roles() == []


def test_bucket_edges_must_be_increasing_positive_whole_numbers():
    assert parse_bucket_edges(" 30, 60,90 ") == [30, 60, 90]
    with pytest.raises(StructureError, match="must increase"):
        parse_bucket_edges("30,90,60")
    with pytest.raises(StructureError, match="“-5” is not a positive whole number"):
        parse_bucket_edges("-5,30")
    with pytest.raises(StructureError, match="“7.5” is not a positive whole number"):
        parse_bucket_edges("7.5")


def test_setting_a_billers_departments_is_audited(city, administrator, outsider):
    set_staff_access(
        outsider, roles=["department biller"], departments=[city.works], by=administrator
    )

    assert list(outsider.groups.values_list("name", flat=True)) == ["department biller"]
    assert list(StaffProfile.objects.get(user=outsider).departments.all()) == [city.works]
    event = AuditEvent.objects.get(action="staff.access_changed")
    assert event.detail["after"] == {"roles": ["department biller"], "departments": ["PW"]}


def test_a_biller_without_departments_is_refused(city, administrator, outsider):
    with pytest.raises(
        StructureError, match="^A department biller needs at least one department.$"
    ):
        set_staff_access(outsider, roles=["department biller"], departments=[], by=administrator)

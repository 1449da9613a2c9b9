"""Tables for the organization's lists."""

from __future__ import annotations

import django_tables2 as tables
from django.contrib.auth.models import User

from fiscus.organization.models import Account, Department, Fund


class FundTable(tables.Table):
    code = tables.Column(linkify=("organization:fund_edit", {"fund": tables.A("pk")}))
    active = tables.BooleanColumn(yesno="Active,Inactive")

    class Meta:
        model = Fund
        fields = ["code", "name", "active"]
        orderable = False
        empty_text = "No funds yet."


class DepartmentTable(tables.Table):
    code = tables.Column(linkify=("organization:department_edit", {"department": tables.A("code")}))
    fund = tables.Column(accessor="fund__code", verbose_name="Fund")
    active = tables.BooleanColumn(yesno="Active,Inactive")

    class Meta:
        model = Department
        fields = ["code", "name", "fund", "active"]
        orderable = False
        empty_text = "No departments yet."

    def __init__(self, *args: object, show_fund: bool = True, **kwargs: object) -> None:
        if not show_fund:
            kwargs["exclude"] = ("fund",)
        super().__init__(*args, **kwargs)


class AccountTable(tables.Table):
    code = tables.Column(linkify=("organization:account_edit", {"account": tables.A("pk")}))
    type = tables.Column(verbose_name="Type")
    role = tables.Column(verbose_name="Role", default="—")
    active = tables.BooleanColumn(yesno="Active,Inactive")

    class Meta:
        model = Account
        fields = ["code", "name", "type", "role", "active"]
        orderable = False
        empty_text = "The chart of accounts is empty."

    def render_type(self, record: Account) -> str:
        return record.get_type_display()

    def render_role(self, record: Account) -> str:
        return record.get_role_display() if record.role else "—"


class StaffTable(tables.Table):
    username = tables.Column(
        verbose_name="User", linkify=("organization:staff_edit", {"username": tables.A("username")})
    )
    name = tables.Column(accessor="get_full_name", verbose_name="Name", orderable=False)
    roles = tables.Column(empty_values=(), verbose_name="Roles", orderable=False)
    departments = tables.Column(empty_values=(), verbose_name="Departments", orderable=False)
    is_active = tables.BooleanColumn(verbose_name="Active", yesno="Yes,No")
    last_login = tables.DateTimeColumn(format="m/d/Y H:i", default="never")

    class Meta:
        model = User
        fields = ["username", "name", "roles", "departments", "is_active", "last_login"]
        orderable = False
        empty_text = "No staff yet."

    def render_roles(self, record: User) -> str:
        return ", ".join(sorted(g.name for g in record.groups.all())) or "no role"

    def render_departments(self, record: User) -> str:
        profile = getattr(record, "staff_profile", None)
        if profile is None:
            return "—"
        return ", ".join(d.code for d in profile.departments.all()) or "—"

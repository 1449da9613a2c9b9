"""The report forms: GET forms, so that every report's URL can be shared and bookmarked."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone

from fiscus.customers.models import Customer, CustomerType
from fiscus.organization.models import Department
from fiscus.organization.roles import department_scope
from fiscus.reports.queries import BASES, DOCUMENT, DUE

SUMMARY = "summary"
DETAIL = "detail"


class AgingForm(forms.Form):
    """As-of date, as-known-at moment, basis and filters of the aging report.

    A department biller chooses among their own departments only, and with none chosen sees all
    of theirs: the form cannot widen what they may see.
    """

    as_of = forms.DateField(
        label="As of", widget=forms.DateInput(attrs={"type": "date", "autofocus": True})
    )
    known_at = forms.DateTimeField(
        label="As known at",
        required=False,
        help_text="Leave empty for everything recorded so far.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    basis = forms.ChoiceField(
        label="Age by",
        choices=[(DUE, "Due date"), (DOCUMENT, "Invoice date")],
    )
    department = forms.ModelChoiceField(
        label="Department",
        queryset=Department.objects.none(),
        required=False,
        empty_label="All departments",
    )
    customer_type = forms.ChoiceField(
        label="Customer type",
        required=False,
        choices=[("", "All types"), *CustomerType.choices],
    )
    flag = forms.ChoiceField(label="Flag", required=False)
    view = forms.ChoiceField(
        label="Show", choices=[(SUMMARY, "Summary by customer"), (DETAIL, "Detail by item")]
    )

    def __init__(self, data: Any, *, user: Any) -> None:
        today = timezone.localdate()
        values = {"as_of": today.isoformat(), "basis": DUE, "view": SUMMARY}
        values.update({k: v for k, v in data.items() if v != "" or k not in values})
        super().__init__(values)
        self.scope = department_scope(user)
        departments = Department.objects.all()
        department = cast(forms.ModelChoiceField, self.fields["department"])
        if self.scope is not None:
            departments = departments.filter(id__in=self.scope)
            department.empty_label = "All my departments"
        department.queryset = departments
        flag = cast(forms.ChoiceField, self.fields["flag"])
        flag.choices = [("", "Any")] + [
            (name, str(getattr(Customer._meta.get_field(name), "verbose_name", name)).capitalize())
            for name in Customer.FLAGS
        ]
        self.fields["basis"].help_text = " or ".join(BASES.values())

    def department_ids(self) -> set[int] | None:
        """The departments the report covers: the one chosen, else the user's scope."""
        chosen = self.cleaned_data.get("department")
        if chosen is not None:
            return {chosen.pk}
        return self.scope

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for `aging()` and `aging_detail()`."""
        data = self.cleaned_data
        return {
            "as_of": data["as_of"],
            "known_at": data.get("known_at"),
            "basis": data["basis"],
            "department_ids": self.department_ids(),
            "customer_type": data.get("customer_type") or None,
            "flag": data.get("flag") or None,
        }

    def notes(self) -> list[str]:
        """The date, basis and filters in words, for the top of an export."""
        data = self.cleaned_data
        lines = [f"Aging as of {data['as_of']:%Y-%m-%d}, by {BASES[data['basis']].lower()}"]
        if data.get("known_at"):
            lines.append(f"As known at {timezone.localtime(data['known_at']):%Y-%m-%d %H:%M}")
        if data.get("department"):
            lines.append(f"Department: {data['department']}")
        elif self.scope is not None:
            names = ", ".join(str(d) for d in self.fields["department"].queryset)  # type: ignore[attr-defined]
            lines.append(f"Departments: {names or 'none'}")
        if data.get("customer_type"):
            lines.append(f"Customer type: {CustomerType(data['customer_type']).label}")
        if data.get("flag"):
            lines.append(f"Flag: {dict(self.fields['flag'].choices)[data['flag']]}")  # type: ignore[attr-defined]
        return lines

"""Forms for the organization pages. They check input; the services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User

from fiscus.errors import FiscusError
from fiscus.organization.models import Account, Agency, Department, Fund
from fiscus.organization.roles import Role
from fiscus.organization.services import parse_bucket_edges, uses_funds


class FocusFirst:
    """The first field gets the focus when the page opens."""

    def focus_first(self) -> None:
        fields = self.fields  # type: ignore[attr-defined]
        for field in fields.values():
            if not isinstance(field.widget, forms.HiddenInput | forms.CheckboxInput):
                field.widget.attrs["autofocus"] = True
                return


class AgencyForm(FocusFirst, forms.ModelForm):
    website = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Agency
        fields = [
            "name",
            "address",
            "phone",
            "email",
            "website",
            "remit_to",
            "logo",
            "fiscal_year_start_month",
            "aging_bucket_days",
        ]
        labels = {"aging_bucket_days": "Aging bucket edges (days)", "remit_to": "Remit to"}
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "remit_to": forms.Textarea(attrs={"rows": 3}),
            "fiscal_year_start_month": forms.Select(
                choices=[
                    (m, n)
                    for m, n in enumerate(
                        [
                            "January",
                            "February",
                            "March",
                            "April",
                            "May",
                            "June",
                            "July",
                            "August",
                            "September",
                            "October",
                            "November",
                            "December",
                        ],
                        1,
                    )
                ]
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.focus_first()

    def clean_aging_bucket_days(self) -> str:
        try:
            edges = parse_bucket_edges(self.cleaned_data["aging_bucket_days"])
        except FiscusError as exc:
            raise forms.ValidationError(exc.message) from None
        return ",".join(str(e) for e in edges)

    def changes(self) -> dict[str, Any]:
        """Only the fields that changed (a file input left empty keeps the logo)."""
        return {name: self.cleaned_data[name] for name in self.changed_data}


class FundForm(FocusFirst, forms.ModelForm):
    class Meta:
        model = Fund
        fields = ["code", "name", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.focus_first()

    def _post_clean(self) -> None:  # uniqueness is the service's job, with its own sentence
        pass


class DepartmentForm(FocusFirst, forms.ModelForm):
    """The fund field shows only when the agency keeps more than one fund."""

    class Meta:
        model = Department
        fields = ["code", "name", "fund", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if uses_funds():
            self.fields["fund"].queryset = Fund.objects.filter(active=True)  # type: ignore[attr-defined]
        else:
            del self.fields["fund"]
        self.focus_first()

    def _post_clean(self) -> None:
        pass


class AccountForm(FocusFirst, forms.ModelForm):
    class Meta:
        model = Account
        fields = ["code", "name", "type", "role", "active"]
        help_texts = {"role": "What postings use this account for. Each role has one account."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].required = False
        self.focus_first()

    def _post_clean(self) -> None:
        pass


class ReasonForm(forms.Form):
    why = forms.CharField(
        label="Reason",
        max_length=200,
        widget=forms.TextInput(attrs={"autofocus": True, "size": 60}),
    )

    def __init__(self, *args: Any, required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["why"].required = required
        if required:
            self.fields["why"].error_messages["required"] = "Say why the period is reopened."


class StaffForm(forms.Form):
    roles = forms.MultipleChoiceField(
        choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    departments = forms.ModelMultipleChoiceField(
        queryset=Department.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only for department billers: the departments they bill for and see.",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "roles": list(user.groups.values_list("name", flat=True)),
                "departments": list(
                    Department.objects.filter(staff__user=user).values_list("pk", flat=True)
                ),
            },
        )
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if Role.BILLER.value in data.get("roles", []) and not data.get("departments"):
            self.add_error("departments", "A department biller needs at least one department.")
        return data

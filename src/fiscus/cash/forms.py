"""Cash forms and list filters."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.utils import timezone

from fiscus.cash.models import AllocationPolicy, Deposit, Method, Payment
from fiscus.organization.models import Department
from fiscus.organization.roles import department_scope

DATE = forms.DateInput(attrs={"type": "date"})


def departments_for(user: Any) -> Any:
    scope = department_scope(user)
    qs = Department.objects.filter(active=True).order_by("code")
    return qs if scope is None else qs.filter(pk__in=scope)


class DepositForm(forms.Form):
    department = forms.ModelChoiceField(queryset=Department.objects.none())
    deposit_date = forms.DateField(widget=DATE, initial=timezone.localdate)
    control_count = forms.IntegerField(min_value=0, required=False, label="Control count")
    control_total = forms.DecimalField(
        min_value=Decimal("0"),
        required=False,
        label="Control total",
        max_digits=14,
        decimal_places=2,
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments_for(user)  # type: ignore[attr-defined]


class DepositFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Deposit.Status.choices, empty_label="Any status")
    department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.order_by("code"), empty_label="Every department"
    )
    date_from = django_filters.DateFilter(
        field_name="deposit_date", lookup_expr="gte", label="From", widget=DATE
    )
    date_to = django_filters.DateFilter(
        field_name="deposit_date", lookup_expr="lte", label="To", widget=DATE
    )

    class Meta:
        model = Deposit
        fields = ["status", "department"]


class PaymentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Number, payer or check", method="filter_q")
    status = django_filters.ChoiceFilter(choices=Payment.Status.choices, empty_label="Any status")
    method = django_filters.ChoiceFilter(choices=Method.choices, empty_label="Any method")
    date_from = django_filters.DateFilter(
        field_name="received_on", lookup_expr="gte", label="From", widget=DATE
    )
    date_to = django_filters.DateFilter(
        field_name="received_on", lookup_expr="lte", label="To", widget=DATE
    )

    class Meta:
        model = Payment
        fields = ["status", "method"]

    def filter_q(self, queryset: Any, name: str, value: str) -> Any:
        from django.db.models import Q

        value = value.strip()
        return queryset.filter(
            Q(number__icontains=value)
            | Q(payer__icontains=value)
            | Q(check_number=value)
            | Q(customer__number=value)
            | Q(customer__name__icontains=value)
        )


class IdentifyForm(forms.Form):
    customer = forms.CharField(label="Customer number", max_length=20)


class SettingsForm(forms.Form):
    allocation_policy = forms.ChoiceField(choices=AllocationPolicy.choices)
    auto_apply_threshold = forms.DecimalField(
        min_value=Decimal("0.50"), max_value=Decimal("1.00"), max_digits=3, decimal_places=2
    )


class DepartmentReportForm(forms.Form):
    department = forms.ModelChoiceField(queryset=Department.objects.none())
    amount = forms.DecimalField(min_value=Decimal("0"), max_digits=14, decimal_places=2)
    count = forms.IntegerField(min_value=0, required=False)
    reference = forms.CharField(max_length=60, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments_for(user)  # type: ignore[attr-defined]


COLUMN_HELP = "The column's header text, or its position counting from 1."


class CsvMappingForm(forms.Form):
    """A bank's CSV export, described once and saved under a name."""

    name = forms.CharField(max_length=80)
    date_column = forms.CharField(max_length=60, help_text=COLUMN_HELP)
    amount_column = forms.CharField(
        max_length=60, required=False, help_text="Signed amounts; or give debit and credit."
    )
    debit_column = forms.CharField(max_length=60, required=False)
    credit_column = forms.CharField(max_length=60, required=False)
    description_columns = forms.CharField(
        max_length=200, required=False, help_text="One or more, separated by “|”."
    )
    reference_column = forms.CharField(max_length=60, required=False)
    check_number_column = forms.CharField(max_length=60, required=False)
    payer_column = forms.CharField(max_length=60, required=False)
    balance_column = forms.CharField(
        max_length=60, required=False, help_text="A running balance, checked line by line."
    )
    delimiter = forms.ChoiceField(choices=[(",", "comma"), (";", "semicolon"), ("\t", "tab")])
    decimal_separator = forms.ChoiceField(
        choices=[(".", "point: 1234.56"), (",", "comma: 1234,56")]
    )
    thousands_separator = forms.ChoiceField(
        required=False,
        choices=[(",", "comma"), (".", "point"), (" ", "space"), ("'", "apostrophe"), ("", "none")],
    )
    date_format = forms.CharField(
        max_length=20, initial="%m/%d/%Y", help_text="e.g. %m/%d/%Y, %d/%m/%y, %Y-%m-%d"
    )
    header_lines = forms.IntegerField(
        min_value=0, initial=0, help_text="Lines of bank metadata before the header row."
    )
    has_header = forms.BooleanField(required=False, initial=True, label="The file has a header row")
    footer_lines = forms.IntegerField(min_value=0, initial=0)
    opening_balance_label = forms.CharField(max_length=60, required=False)
    closing_balance_label = forms.CharField(max_length=60, required=False)
    account = forms.CharField(
        max_length=40, required=False, help_text="The account number, if the file lacks it."
    )
    currency = forms.CharField(max_length=3, initial="USD")

    COLUMNS = (
        "date_column",
        "amount_column",
        "debit_column",
        "credit_column",
        "reference_column",
        "check_number_column",
        "payer_column",
        "balance_column",
    )

    def mapping(self) -> dict[str, Any]:
        """The cleaned form as the parser's mapping dict."""
        data = dict(self.cleaned_data)
        data.pop("name")

        def ref(value: str) -> str | int | None:
            value = value.strip()
            if not value:
                return None
            return int(value) if value.isdigit() else value

        out: dict[str, Any] = {k: v for k, v in data.items() if k not in self.COLUMNS}
        for key in self.COLUMNS:
            found = ref(data.get(key) or "")
            if found is not None:
                out[key] = found
        out["description_columns"] = [
            r for part in (data.get("description_columns") or "").split("|") if (r := ref(part))
        ]
        out["thousands_separator"] = data.get("thousands_separator") or ""
        return out

    @classmethod
    def initial_from(cls, name: str, mapping: dict[str, Any]) -> dict[str, Any]:
        initial = {k: v for k, v in mapping.items() if k in cls.base_fields}
        initial["name"] = name
        for key in cls.COLUMNS:
            if mapping.get(key) is not None:
                initial[key] = str(mapping[key])
        initial["description_columns"] = "|".join(
            str(c) for c in mapping.get("description_columns", [])
        )
        return initial


class CustomerPolicyForm(forms.Form):
    customer = forms.CharField(label="Customer number", max_length=20)
    allocation_policy = forms.ChoiceField(
        choices=[("", "The agency's order"), *AllocationPolicy.choices], required=False
    )

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

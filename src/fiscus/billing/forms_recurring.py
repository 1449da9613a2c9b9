"""Forms of the recurring-billing and finance-charge pages.

The schedule form finds the customer by number among those the user may see; its lines are a
formset (blank rows are ignored). fiscus.billing.recurring checks everything again and saves.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.forms import formset_factory
from django.utils import timezone

from fiscus.billing.models import ChargeCode, Frequency, PaymentTerms, RecurringSchedule
from fiscus.customers.forms import AmountField
from fiscus.customers.models import Customer
from fiscus.organization.models import Department
from fiscus.organization.roles import department_scope

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def schedules_visible_to(user: Any) -> QuerySet[RecurringSchedule]:
    """Schedules a user may see: a department biller sees their departments' only."""
    schedules = RecurringSchedule.objects.select_related("customer", "department", "terms")
    scope = department_scope(user)
    return schedules if scope is None else schedules.filter(department_id__in=scope)


def _departments(user: Any) -> QuerySet[Department]:
    departments = Department.objects.filter(active=True).order_by("code")
    scope = department_scope(user)
    return departments if scope is None else departments.filter(id__in=scope)


class ScheduleForm(forms.Form):
    customer = forms.CharField(
        label="Customer number",
        max_length=20,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
    department = forms.ModelChoiceField(queryset=Department.objects.none())
    description = forms.CharField(
        max_length=200, help_text="What it bills, as the invoice shows it: Hangar 4 lease."
    )
    frequency = forms.ChoiceField(choices=Frequency.choices, initial=Frequency.MONTHLY)
    start_date = forms.DateField(
        label="First invoice date", widget=DATE, help_text="Later invoices fall on the same day."
    )
    end_date = forms.DateField(
        label="End date",
        required=False,
        widget=DATE,
        help_text="Leave empty to bill until stopped.",
    )
    terms = forms.ModelChoiceField(
        queryset=PaymentTerms.objects.filter(active=True),
        required=False,
        empty_label="The customer's terms",
    )
    reference = forms.CharField(label="Customer reference / PO", max_length=60, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        cast(dict[str, Any], self.fields)["department"].queryset = _departments(user)

    def clean_customer(self) -> Customer:
        number = self.cleaned_data["customer"].strip().upper()
        found = Customer.objects.visible_to(self.user).filter(number=number).first()
        if found is None:
            raise forms.ValidationError(f"No customer has number {number}.")
        return found


class LineForm(forms.Form):
    charge_code = forms.ModelChoiceField(queryset=ChargeCode.objects.none(), required=False)
    description = forms.CharField(max_length=200, required=False)
    quantity = forms.DecimalField(
        max_digits=12,
        decimal_places=3,
        required=False,
        widget=forms.TextInput(attrs={"class": "num", "inputmode": "decimal", "size": 6}),
    )
    unit_price = AmountField(label="Unit price", required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        codes = ChargeCode.objects.filter(active=True).select_related("department")
        scope = department_scope(user) if user is not None else None
        if scope is not None:
            codes = codes.filter(department_id__in=scope)
        cast(dict[str, Any], self.fields)["charge_code"].queryset = codes.order_by("code")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        code = data.get("charge_code")
        if code is None:
            if data.get("quantity") or data.get("unit_price") or data.get("description"):
                self.add_error("charge_code", "Choose the charge code.")
            return data
        if data.get("quantity") is None and "quantity" not in self.errors:
            data["quantity"] = Decimal("1")
        if data.get("unit_price") is None and "unit_price" not in self.errors:
            if code.unit_price is None:
                self.add_error("unit_price", f"{code.code} has no price; give one.")
            else:
                data["unit_price"] = code.unit_price
        return data


class BaseLineFormSet(forms.BaseFormSet):
    def lines(self) -> list[tuple[ChargeCode, Decimal, Decimal, str]]:
        return [
            (
                form.cleaned_data["charge_code"],
                form.cleaned_data["quantity"],
                form.cleaned_data["unit_price"],
                form.cleaned_data.get("description", ""),
            )
            for form in self.forms
            if form.cleaned_data.get("charge_code") is not None
        ]


LineFormSet = formset_factory(LineForm, formset=BaseLineFormSet, extra=3)


class RunForm(forms.Form):
    through = forms.DateField(
        label="Bill through",
        widget=DATE,
        help_text="Every period due on or before this date gets a draft invoice.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"through": timezone.localdate()})
        super().__init__(*args, **kwargs)


class PreviewForm(forms.Form):
    as_of = forms.DateField(label="As of", widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"as_of": timezone.localdate()})
        super().__init__(*args, **kwargs)

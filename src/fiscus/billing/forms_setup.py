"""Forms of the billing set-up pages. They check and clean input; fiscus.billing.setup writes.

Rates are typed as percents (7.25 for 7.25%) and stored as fractions (0.072500).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import Q

from fiscus import money
from fiscus.billing.models import ChargeCode, MemoKind, PaymentTerms, ReasonCode
from fiscus.customers.forms import AmountField
from fiscus.customers.models import CustomerType
from fiscus.organization.models import Account, Department

RATE_PLACES = Decimal("0.000001")
HUNDRED = Decimal(100)


class PercentField(forms.DecimalField):
    """A rate typed as a percent ("7.25"), cleaned to a fraction (Decimal("0.072500"))."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 8)
        kwargs.setdefault("decimal_places", 4)
        kwargs.setdefault("min_value", Decimal(0))
        kwargs.setdefault("max_value", Decimal("99.9999"))
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"class": "num", "inputmode": "decimal", "size": 8})
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Decimal | None:
        percent = super().clean(value)
        if percent is None:
            return None
        return (percent / HUNDRED).quantize(RATE_PLACES)


def as_percent(rate: Decimal | None) -> str:
    """0.072500 -> "7.25" for a form's initial value."""
    if rate is None:
        return ""
    text = f"{(rate * HUNDRED).quantize(Decimal('0.0001')):f}".rstrip("0").rstrip(".")
    return text or "0"


def _accounts(*types: str, current: int | None = None) -> Any:
    keep = Q(pk=current) if current else Q(pk=None)
    return Account.objects.filter(Q(type__in=types, active=True) | keep).order_by("code")


def _departments(current: int | None = None) -> Any:
    keep = Q(pk=current) if current else Q(pk=None)
    return Department.objects.filter(Q(active=True) | keep).order_by("code")


class ChargeCodeForm(forms.Form):
    code = forms.CharField(max_length=20, widget=forms.TextInput(attrs={"autofocus": True}))
    description = forms.CharField(max_length=200)
    department = forms.ModelChoiceField(queryset=Department.objects.none())
    revenue_account = forms.ModelChoiceField(queryset=Account.objects.none())
    unit_price = AmountField(
        required=False, label="Default unit price", help_text="Leave empty to price each line."
    )
    tax_rate = PercentField(required=False, label="Tax rate (%)", help_text="For example 7.25.")
    tax_account = forms.ModelChoiceField(queryset=Account.objects.none(), required=False)
    active = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args: Any, instance: ChargeCode | None = None, **kwargs: Any) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "code": instance.code,
                "description": instance.description,
                "department": instance.department_id,
                "revenue_account": instance.revenue_account_id,
                "unit_price": money.fmt(instance.unit_price, symbol=False),
                "tax_rate": as_percent(instance.tax_rate),
                "tax_account": instance.tax_account_id,
                "active": instance.active,
            }
        super().__init__(*args, **kwargs)
        self.instance = instance
        fields = cast(dict[str, Any], self.fields)
        fields["department"].queryset = _departments(instance.department_id if instance else None)
        fields["revenue_account"].queryset = _accounts(
            Account.Type.REVENUE, current=instance.revenue_account_id if instance else None
        )
        fields["tax_account"].queryset = _accounts(
            Account.Type.LIABILITY,
            Account.Type.REVENUE,
            current=instance.tax_account_id if instance else None,
        )

    def clean_unit_price(self) -> Decimal | None:
        value: Decimal | None = self.cleaned_data.get("unit_price")
        if value is not None and value < 0:
            raise forms.ValidationError("The unit price cannot be negative.")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("tax_rate") and not data.get("tax_account"):
            self.add_error(
                "tax_account",
                "A tax rate needs a tax account to post the tax to; choose the tax account.",
            )
        return data


class PaymentTermsForm(forms.ModelForm):
    class Meta:
        model = PaymentTerms
        fields = ["code", "name", "days", "active"]
        help_texts = {"days": "The due date is the invoice date plus this many days."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs["autofocus"] = True
        self.fields["days"].widget.attrs["class"] = "num"

    def validate_unique(self) -> None:
        """The service checks the code (case-insensitively) and says so in a sentence."""


class ReasonCodeForm(forms.ModelForm):
    class Meta:
        model = ReasonCode
        fields = ["code", "name", "kind", "account", "active"]
        help_texts = {"account": "The GL account its memos post to (revenue or a contra account)."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs["autofocus"] = True
        self.fields["kind"].choices = MemoKind.choices  # type: ignore[attr-defined]
        current = self.instance.account_id if self.instance.pk else None
        self.fields["account"].queryset = Account.objects.filter(  # type: ignore[attr-defined]
            Q(active=True) | Q(pk=current)
        ).order_by("code")

    def validate_unique(self) -> None:
        """The service checks the code (case-insensitively) and says so in a sentence."""


class FinanceChargePolicyForm(forms.Form):
    monthly_rate = PercentField(label="Rate per month (%)", help_text="For example 1.5.")
    minimum_charge = AmountField(label="Minimum charge")
    grace_days = forms.IntegerField(
        min_value=0,
        max_value=365,
        label="Grace days",
        help_text="Days past the due date before a balance is charged.",
        widget=forms.NumberInput(attrs={"class": "num"}),
    )
    exempt_types = forms.MultipleChoiceField(
        choices=CustomerType.choices,
        required=False,
        label="Exempt customer types",
        widget=forms.CheckboxSelectMultiple,
    )
    account = forms.ModelChoiceField(queryset=Account.objects.none(), label="Revenue account")
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), required=False, empty_label="The item's department"
    )
    active = forms.BooleanField(required=False, label="Finance charges are on")

    def __init__(self, *args: Any, policy: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "monthly_rate": as_percent(policy.monthly_rate),
                "minimum_charge": money.fmt(policy.minimum_charge, symbol=False),
                "grace_days": policy.grace_days,
                "exempt_types": policy.exempt_types,
                "account": policy.account_id,
                "department": policy.department_id,
                "active": policy.active,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["monthly_rate"].widget.attrs["autofocus"] = True
        fields = cast(dict[str, Any], self.fields)
        fields["account"].queryset = _accounts(Account.Type.REVENUE, current=policy.account_id)
        fields["department"].queryset = _departments(policy.department_id)

    def clean_minimum_charge(self) -> Decimal:
        value: Decimal = self.cleaned_data["minimum_charge"]
        if value < 0:
            raise forms.ValidationError("The minimum charge cannot be negative.")
        return value

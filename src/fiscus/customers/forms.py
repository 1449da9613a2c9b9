"""Forms of the customer pages. They only check and clean input; the services write."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q

from fiscus import money
from fiscus.customers import crypto
from fiscus.customers.models import Address, Contact, Customer
from fiscus.organization.models import Department

CUSTOMER_FIELDS = [
    "name",
    "type",
    "department",
    "email",
    "phone",
    "terms",
    "credit_limit",
    "statement_cycle",
]
ADDRESS_FIELDS = ["line1", "line2", "city", "state", "postal_code"]
CONTACT_FIELDS = ["name", "title", "phone", "email"]


class AmountField(forms.CharField):
    """An amount typed by a person: "1,234.50" or "1234.5"; never a float."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"class": "num", "inputmode": "decimal"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return money.parse_amount(text)
        except money.AmountError as e:
            raise forms.ValidationError(e.message, code=e.code) from None


def _check_tax_id(value: str) -> str:
    clean = crypto.normalize(value)
    if clean and (len(clean) != 9 or not clean.isdigit()):
        raise forms.ValidationError("A tax id (SSN, ITIN or EIN) has nine digits.")
    return clean


class CustomerForm(forms.ModelForm):
    """The customer's own fields; `fields_changed()` gives what an edit changes."""

    credit_limit = AmountField(required=False, label="Credit limit")
    tax_id = forms.CharField(
        required=False,
        label="Tax id (SSN, ITIN or EIN)",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    class Meta:
        model = Customer
        fields = CUSTOMER_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autofocus"] = True
        department = self.fields["department"]
        current = Q(pk=self.instance.department_id) if self.instance.department_id else Q(pk=None)
        department.queryset = Department.objects.filter(Q(active=True) | current)  # type: ignore[attr-defined]
        if self.instance.pk and self.instance.credit_limit is not None:
            self.initial["credit_limit"] = money.fmt(self.instance.credit_limit, symbol=False)

    def clean_credit_limit(self) -> Decimal | None:
        value: Decimal | None = self.cleaned_data.get("credit_limit")
        if value is not None and value < 0:
            raise forms.ValidationError(
                "A credit limit cannot be negative; leave it blank for none."
            )
        return value

    def clean_tax_id(self) -> str:
        return _check_tax_id(self.cleaned_data.get("tax_id", ""))

    def customer_fields(self) -> dict[str, Any]:
        return {f: self.cleaned_data[f] for f in self._meta.fields or []}


class CreateCustomerForm(CustomerForm):
    """A new customer with its first address and first contact."""

    line1 = forms.CharField(label="Address", max_length=200, required=False)
    line2 = forms.CharField(label="Address line 2", max_length=200, required=False)
    city = forms.CharField(max_length=100, required=False)
    state = forms.CharField(max_length=2, initial="CA", required=False)
    postal_code = forms.CharField(label="Postal code", max_length=10, required=False)
    contact_name = forms.CharField(label="Contact name", max_length=200, required=False)
    contact_title = forms.CharField(label="Contact title", max_length=100, required=False)
    contact_phone = forms.CharField(label="Contact phone", max_length=40, required=False)
    contact_email = forms.EmailField(label="Contact e-mail", required=False)
    confirm_duplicate = forms.BooleanField(
        label="Create anyway: this is a different customer", required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("line1"):
            for name in ("city", "postal_code"):
                if not data.get(name):
                    self.add_error(name, "Give the city and postal code with the address.")
        elif any(data.get(n) for n in ("line2", "city", "postal_code")):
            self.add_error("line1", "Give the street address, or leave the address blank.")
        return data

    def address(self) -> dict[str, Any] | None:
        if not self.cleaned_data.get("line1"):
            return None
        values = {f: self.cleaned_data.get(f) or "" for f in ADDRESS_FIELDS}
        values["state"] = (values["state"] or "CA").upper()
        return values

    def contact(self) -> dict[str, Any] | None:
        if not self.cleaned_data.get("contact_name"):
            return None
        return {f: self.cleaned_data.get(f"contact_{f}") or "" for f in CONTACT_FIELDS}


class EditCustomerForm(CustomerForm):
    """The same fields plus the flags; a blank tax id leaves it unchanged."""

    class Meta:
        model = Customer
        fields = [*CUSTOMER_FIELDS, *Customer.FLAGS, "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tax_id"].help_text = "Leave blank to keep the tax id on file."

    def changes(self, before: dict[str, Any]) -> dict[str, Any]:
        """Only the fields whose value differs from `before`."""
        return {f: v for f, v in self.customer_fields().items() if before.get(f) != v}


def snapshot(customer: Customer) -> dict[str, Any]:
    """The customer's editable values, taken before a form touches the instance."""
    return {f: getattr(customer, f) for f in [*CUSTOMER_FIELDS, *Customer.FLAGS, "active"]}


class AddressForm(forms.ModelForm):
    class Meta:
        model = Address
        fields = ["kind", *ADDRESS_FIELDS, "is_primary"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "address")
        super().__init__(*args, **kwargs)

    def clean_state(self) -> str:
        return str(self.cleaned_data.get("state", "")).upper()


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = CONTACT_FIELDS + ["is_primary"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "contact")
        super().__init__(*args, **kwargs)


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Add a note",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "The note is empty."},
    )

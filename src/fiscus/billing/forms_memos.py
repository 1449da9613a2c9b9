"""Forms of the memo pages: the new-memo form and the one filter set behind the list and export.

The form finds the customer by number and the invoice by number among what the user may see;
fiscus.billing.memos checks everything again under lock and posts.
"""

from __future__ import annotations

from typing import Any, cast

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from fiscus.billing.models import Invoice, InvoiceStatus, Memo, MemoKind, ReasonCode
from fiscus.customers.forms import AmountField
from fiscus.customers.models import Customer
from fiscus.organization.models import Department
from fiscus.organization.roles import department_scope

DATE = forms.DateInput(attrs={"type": "date"})


class MemoForm(forms.Form):
    kind = forms.ChoiceField(choices=MemoKind.choices, widget=forms.RadioSelect)
    customer = forms.CharField(
        label="Customer number",
        max_length=20,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
    invoice = forms.CharField(
        label="Invoice number",
        max_length=24,
        required=False,
        help_text="A credit memo against this invoice; leave empty for a credit on account.",
    )
    reason = forms.ModelChoiceField(queryset=ReasonCode.objects.none())
    amount = AmountField()
    memo_date = forms.DateField(label="Memo date", widget=DATE)
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(),
        required=False,
        help_text="For a credit against an invoice, the invoice's department.",
    )
    due_date = forms.DateField(
        label="Due date",
        required=False,
        widget=DATE,
        help_text="A debit memo is due by the customer's terms unless you give a date.",
    )
    description = forms.CharField(max_length=200, required=False)

    def __init__(self, *args: Any, user: Any, kind: str = MemoKind.CREDIT, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("kind", kind)
        kwargs["initial"].setdefault("memo_date", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.user = user
        chosen = self.data.get("kind", kind) if self.is_bound else kind
        self.memo_kind = chosen if chosen in MemoKind.values else MemoKind.CREDIT
        fields = cast(dict[str, Any], self.fields)
        fields["reason"].queryset = ReasonCode.objects.filter(
            active=True, kind=self.memo_kind
        ).select_related("account")
        departments = Department.objects.filter(active=True).order_by("code")
        scope = department_scope(user)
        if scope is not None:
            departments = departments.filter(id__in=scope)
        fields["department"].queryset = departments
        self.found_invoice: Invoice | None = None

    def clean_customer(self) -> Customer:
        number = self.cleaned_data["customer"].strip().upper()
        found = Customer.objects.visible_to(self.user).filter(number=number).first()
        if found is None:
            raise forms.ValidationError(f"No customer has number {number}.")
        return found

    def clean_invoice(self) -> Invoice | None:
        number = self.cleaned_data.get("invoice", "").strip().upper()
        if not number:
            return None
        invoices = Invoice.objects.select_related("item", "department", "customer")
        scope = department_scope(self.user)
        if scope is not None:
            invoices = invoices.filter(department_id__in=scope)
        found = invoices.filter(number=number, status=InvoiceStatus.POSTED).first()
        if found is None:
            raise forms.ValidationError(f"No posted invoice has number {number}.")
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        customer, invoice = data.get("customer"), data.get("invoice")
        if invoice is not None:
            if self.memo_kind == MemoKind.DEBIT:
                self.add_error("invoice", "A debit memo is not issued against an invoice.")
            elif customer is not None and invoice.customer_id != customer.pk:
                self.add_error(
                    "invoice", f"Invoice {invoice.number} belongs to {invoice.customer}."
                )
        elif not data.get("department") and "department" not in self.errors:
            has_own = customer is not None and customer.department_id is not None
            if self.memo_kind == MemoKind.DEBIT or not has_own:
                self.add_error("department", "Choose the department the memo is for.")
        return data


class MemoFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=MemoKind.choices, empty_label="Credit and debit")
    customer = django_filters.CharFilter(
        label="Customer number", method="filter_customer", widget=forms.TextInput(attrs={"size": 9})
    )
    reason = django_filters.ModelChoiceFilter(
        queryset=ReasonCode.objects.all(), empty_label="Any reason"
    )
    date_from = django_filters.DateFilter(
        field_name="memo_date", lookup_expr="gte", label="From", widget=DATE
    )
    date_to = django_filters.DateFilter(
        field_name="memo_date", lookup_expr="lte", label="To", widget=DATE
    )

    class Meta:
        model = Memo
        fields = ["kind", "customer", "reason", "date_from", "date_to"]

    def filter_customer(self, queryset: QuerySet[Memo], name: str, value: str) -> QuerySet[Memo]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(customer__number__iexact=value) | Q(customer__name__icontains=value)
        )


def memos_visible_to(user: Any) -> QuerySet[Memo]:
    """Memos a user may see: a department biller sees their departments' only."""
    memos = Memo.objects.select_related("customer", "reason", "department", "invoice", "item")
    scope = department_scope(user)
    return memos if scope is None else memos.filter(department_id__in=scope)

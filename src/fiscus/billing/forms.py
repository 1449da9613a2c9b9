"""Forms of the invoice pages: the invoice with its lines (a formset), returning, posting,
attaching, and a batch with its control totals. Forms check what a clerk typed; the services
check everything again under lock and write."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from fiscus.billing.models import ChargeCode, Invoice, InvoiceBatch, PaymentTerms
from fiscus.billing.services import LineInput
from fiscus.customers.forms import AmountField
from fiscus.customers.models import Customer
from fiscus.organization.models import Department
from fiscus.organization.roles import department_scope

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def departments_for(user: Any) -> QuerySet[Department]:
    departments = Department.objects.filter(active=True).select_related("fund").order_by("code")
    scope = department_scope(user)
    if scope is not None:
        departments = departments.filter(id__in=scope)
    return departments


class InvoiceForm(forms.Form):
    customer = forms.CharField(
        label="Customer number",
        max_length=20,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
    department = forms.ModelChoiceField(queryset=Department.objects.none())
    invoice_date = forms.DateField(label="Invoice date", widget=DATE)
    terms = forms.ModelChoiceField(
        queryset=PaymentTerms.objects.filter(active=True),
        required=False,
        empty_label="The customer's terms",
    )
    due_date = forms.DateField(
        label="Due date", required=False, widget=DATE, help_text="Empty: from the terms."
    )
    reference = forms.CharField(label="Reference / PO", max_length=60, required=False)
    description = forms.CharField(max_length=200, required=False)
    batch = forms.ModelChoiceField(
        queryset=InvoiceBatch.objects.none(), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("invoice_date", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.user = user
        fields = cast(dict[str, Any], self.fields)
        departments = departments_for(user)
        fields["department"].queryset = departments
        if departments.count() == 1:
            fields["department"].initial = departments.first()
        # any batch of the user's departments: a returned invoice keeps its submitted batch;
        # the service refuses joining a batch that was already submitted
        fields["batch"].queryset = InvoiceBatch.objects.filter(department__in=departments)

    def clean_customer(self) -> Customer:
        number = self.cleaned_data["customer"].strip().upper()
        # by exact number, as the upload and the API find them: a department bills any customer
        found = Customer.objects.filter(number=number).first()
        if found is None:
            raise forms.ValidationError(f"No customer has number {number}; check the number.")
        if not found.active:
            raise forms.ValidationError(f"Customer {number} is inactive.")
        return found

    def fields_for_service(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "customer": data["customer"],
            "department": data["department"],
            "invoice_date": data["invoice_date"],
            "terms": data.get("terms"),
            "due_date": data.get("due_date"),
            "reference": data.get("reference", ""),
            "description": data.get("description", ""),
            "batch": data.get("batch"),
        }


def charge_code_choices(user: Any, department: Department | None) -> list[Any]:
    """Active charge codes, grouped by department; a biller's departments only, and only the
    invoice's department once it is known."""
    codes = ChargeCode.objects.filter(active=True).select_related("department")
    scope = department_scope(user)
    if scope is not None:
        codes = codes.filter(department_id__in=scope)
    if department is not None:
        codes = codes.filter(department=department)
    groups: dict[str, list[tuple[str, str]]] = {}
    for code in codes.order_by("department__code", "code"):
        price = f" ({code.unit_price:,.2f})" if code.unit_price is not None else ""
        groups.setdefault(code.department.code, []).append(
            (str(code.pk), f"{code.code} {code.description}{price}")
        )
    return [("", "Charge code…"), *groups.items()]


class LineForm(forms.Form):
    charge_code = forms.ChoiceField(choices=())
    quantity = forms.DecimalField(
        max_digits=12,
        decimal_places=3,
        min_value=Decimal("0.001"),
        initial=Decimal("1"),
        widget=forms.TextInput(attrs={"class": "num", "inputmode": "decimal", "size": 6}),
    )
    unit_price = AmountField(
        label="Unit price", required=False, help_text="Empty: the charge code's price."
    )
    description = forms.CharField(max_length=200, required=False)
    service_from = forms.DateField(label="Service from", required=False, widget=DATE)
    service_to = forms.DateField(label="to", required=False, widget=DATE)

    def __init__(self, *args: Any, choices: list[Any], codes: dict[str, ChargeCode], **kw: Any):
        super().__init__(*args, **kw)
        self.codes = codes
        cast(Any, self.fields["charge_code"]).choices = choices
        cast(Any, self.fields["unit_price"]).widget.attrs["size"] = 10

    def clean_charge_code(self) -> ChargeCode:
        code = self.codes.get(self.cleaned_data["charge_code"])
        if code is None:
            raise forms.ValidationError("Choose a charge code of the invoice's department.")
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("service_from"), data.get("service_to")
        if start and end and end < start:
            self.add_error("service_to", "The service period ends before it starts.")
        return data

    def line_input(self) -> LineInput:
        d = self.cleaned_data
        return LineInput(
            charge_code=d["charge_code"],
            quantity=d["quantity"],
            unit_price=d.get("unit_price"),
            description=d.get("description", ""),
            service_from=d.get("service_from"),
            service_to=d.get("service_to"),
        )


class BaseLineFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, user: Any, department: Department | None, **kw: Any):
        self.choices = charge_code_choices(user, department)
        ids = [int(pk) for _, group in self.choices[1:] for pk, _label in group]
        self.codes = {
            str(c.pk): c
            for c in ChargeCode.objects.filter(pk__in=ids).select_related(
                "department", "revenue_account", "tax_account"
            )
        }
        super().__init__(*args, **kw)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"choices": self.choices, "codes": self.codes}

    def clean(self) -> None:
        if any(self.errors):
            return
        if not self.line_inputs():
            raise forms.ValidationError("Add at least one line: a charge code and a quantity.")

    def line_inputs(self) -> list[LineInput]:
        """The filled rows, in order: unchanged extra rows are empty, deleted rows are left out."""
        return [
            f.line_input()
            for f in self.forms
            if f.cleaned_data.get("charge_code") and not f.cleaned_data.get("DELETE")
        ]


LineFormSet = cast(
    type[BaseLineFormSet],
    forms.formset_factory(
        LineForm, formset=BaseLineFormSet, extra=3, can_delete=True, max_num=200, validate_max=True
    ),
)


def line_initial(invoice: Invoice) -> list[dict[str, Any]]:
    return [
        {
            "charge_code": str(ln.charge_code_id),
            "quantity": ln.quantity.normalize(),
            "unit_price": f"{ln.unit_price:.2f}",
            "description": ln.description,
            "service_from": ln.service_from,
            "service_to": ln.service_to,
        }
        for ln in invoice.lines.all()
    ]


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label="What should the biller fix?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class PostForm(forms.Form):
    on = forms.DateField(
        label="Accounting date", required=False, widget=DATE, help_text="Empty: the invoice date."
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label="Attach a backup document",
        help_text="PDF, PNG, JPEG, XLSX, CSV or DOCX.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.xlsx,.csv,.docx"}),
    )


class BatchForm(forms.Form):
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), widget=forms.Select(attrs={"autofocus": True})
    )
    control_count = forms.IntegerField(
        label="Number of invoices",
        min_value=1,
        widget=forms.TextInput(attrs={"class": "num", "inputmode": "numeric"}),
    )
    control_amount = AmountField(label="Total of the invoices")
    description = forms.CharField(max_length=200, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(Any, self.fields["department"]).queryset = departments_for(user)


class BulkPostForm(forms.Form):
    invoices = forms.ModelMultipleChoiceField(queryset=Invoice.objects.none())
    on = PostForm.base_fields["on"]

    def __init__(self, *args: Any, queue: QuerySet[Invoice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(Any, self.fields["invoices"]).queryset = queue

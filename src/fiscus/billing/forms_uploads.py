"""Forms of the billing upload page. They only check and clean input; the service writes."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile

from fiscus.receivables.forms import KeptFileForm, checked_spreadsheet


class BillingUploadForm(forms.Form):
    file = forms.FileField(
        label="File",
        help_text="A .csv or .xlsx file with a header row, one row per invoice line; "
        "see the template.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx", "autofocus": True}),
    )

    def clean_file(self) -> UploadedFile:
        return checked_spreadsheet(self.cleaned_data["file"])


class BillingUploadSubmitForm(KeptFileForm):
    """The preview's "Submit N invoices for review" button: the kept file's hash and name."""

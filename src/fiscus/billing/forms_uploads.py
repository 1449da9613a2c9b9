"""Forms of the billing upload page. They only check and clean input; the service writes."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from fiscus.billing.formats.invoices import size_text

HASH = re.compile(r"^[0-9a-f]{64}$")


class BillingUploadForm(forms.Form):
    file = forms.FileField(
        label="File",
        help_text="A .csv or .xlsx file with a header row, one row per invoice line; "
        "see the template.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx", "autofocus": True}),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        name = upload.name or "The file"
        if not name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(
                f"{name} is not a .csv or .xlsx file; save it from the spreadsheet as one of those."
            )
        if (upload.size or 0) > settings.MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                f"{name} is {size_text(upload.size or 0)}; "
                f"Fiscus imports files up to {size_text(settings.MAX_IMPORT_BYTES)}."
            )
        if not upload.size:
            raise forms.ValidationError(f"{name} is empty.")
        return upload


class BillingUploadSubmitForm(forms.Form):
    """The preview's "Submit N invoices for review" button: the kept file's hash and name."""

    file_hash = forms.CharField(widget=forms.HiddenInput)
    file_name = forms.CharField(max_length=255, widget=forms.HiddenInput)

    def clean_file_hash(self) -> str:
        value: str = self.cleaned_data["file_hash"]
        if not HASH.match(value):
            raise forms.ValidationError("The file reference is not valid; upload the file again.")
        return value

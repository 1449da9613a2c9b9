"""Forms of the receivables pages. They only check and clean input; the services write."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from fiscus.receivables.formats.opening_balances import size_text

HASH = re.compile(r"^[0-9a-f]{64}$")


def checked_spreadsheet(
    upload: UploadedFile, *, max_bytes: int | None = None, verb: str = "imports"
) -> UploadedFile:
    """An uploaded .csv or .xlsx, not empty, within `max_bytes` (MAX_IMPORT_BYTES unless
    given): what every spreadsheet upload form checks before the file is read."""
    limit = settings.MAX_IMPORT_BYTES if max_bytes is None else max_bytes
    name = upload.name or "The file"
    if not name.lower().endswith((".csv", ".xlsx")):
        raise forms.ValidationError(
            f"{name} is not a .csv or .xlsx file; save it from the spreadsheet as one of those."
        )
    if (upload.size or 0) > limit:
        raise forms.ValidationError(
            f"{name} is {size_text(upload.size or 0)}; Fiscus {verb} files up to "
            f"{size_text(limit)}."
        )
    if not upload.size:
        raise forms.ValidationError(f"{name} is empty.")
    return upload


class KeptFileForm(forms.Form):
    """A preview's confirming button: the hash and name of the file kept since the upload."""

    file_hash = forms.CharField(widget=forms.HiddenInput)
    file_name = forms.CharField(max_length=255, widget=forms.HiddenInput)

    def clean_file_hash(self) -> str:
        value: str = self.cleaned_data["file_hash"]
        if not HASH.match(value):
            raise forms.ValidationError("The file reference is not valid; upload the file again.")
        return value


class OpeningBalancesUploadForm(forms.Form):
    file = forms.FileField(
        label="File",
        help_text="A .csv or .xlsx file with a header row; see the template.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx", "autofocus": True}),
    )
    on = forms.DateField(
        label="Posting date",
        help_text="The conversion date: the opening balances post to the ledger on this date.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"on": timezone.localdate()})
        super().__init__(*args, **kwargs)

    def clean_file(self) -> UploadedFile:
        return checked_spreadsheet(self.cleaned_data["file"])


class OpeningBalancesPostForm(KeptFileForm):
    """The preview's "Post" button: the stored file's hash, its name and the posting date."""

    on = forms.DateField(widget=forms.HiddenInput, input_formats=["%Y-%m-%d"])

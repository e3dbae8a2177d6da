from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from proficio.roster.actions import MAX_UPLOAD_BYTES


class RosterUploadForm(forms.Form):
    district: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, label=_("District"), empty_label=None
    )
    file = forms.FileField(label=_("OneRoster file set (a .zip of CSV files)"))
    dry_run = forms.BooleanField(
        label=_("Preview only: count what would change, import nothing"), required=False
    )

    def __init__(self, *args: Any, districts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts  # type: ignore[attr-defined]

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 200 MB."))
        if not f.name.lower().endswith(".zip"):
            raise forms.ValidationError(_("Choose a .zip file holding the OneRoster CSV files."))
        return f

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class AlignmentForm(forms.Form):
    district: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, label=_("District"), empty_label=None
    )
    activity_id = forms.CharField(
        label=_("Activity id (the IRI the learning tool sends)"), max_length=500
    )
    target = forms.CharField(
        label=_("Learning target (its code, CASE identifier or CASE URI)"), max_length=500
    )

    def __init__(self, *args: Any, districts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts  # type: ignore[attr-defined]

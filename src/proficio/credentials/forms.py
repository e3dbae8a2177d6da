from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class VerifyForm(forms.Form):
    credential = forms.CharField(
        label=_("Paste a credential (JSON or a JSON Web Token)"),
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        required=False,
        max_length=2 * 1024 * 1024,
    )
    file = forms.FileField(
        label=_("Or choose a file (JSON, JWT, or a PNG or SVG badge)"), required=False
    )


class OutsideCredentialForm(forms.Form):
    file = forms.FileField(
        label=_("Your credential (JSON, JWT, or a PNG or SVG badge)"),
        help_text=_("Proficio checks it before anything else happens."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason the student will read"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class DistrictSettingsForm(forms.Form):
    issue_level_credentials = forms.BooleanField(
        label=_("Issue a credential for each competency level a student reaches"),
        required=False,
    )

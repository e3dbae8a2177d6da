from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class StudentSearchForm(forms.Form):
    q = forms.CharField(label=_("Find a student"), max_length=100, required=False)


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[
            ("", _("All")),
            ("read", _("Viewed")),
            ("create", _("Created")),
            ("update", _("Changed")),
            ("delete", _("Deleted")),
        ],
    )
    actor = forms.CharField(label=_("Who"), max_length=150, required=False)
    since = forms.DateField(
        label=_("Since"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

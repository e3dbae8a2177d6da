from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from proficio.transcripts.models import DerivedReport


class ShareForm(forms.Form):
    recipient = forms.CharField(
        label=_("Who you share it with (a college or program)"), max_length=200
    )
    days = forms.IntegerField(label=_("Days the link works"), min_value=1, max_value=90, initial=30)


class TranscriptSettingsForm(forms.Form):
    derived = forms.ChoiceField(
        label=_("Besides the levels, also show"),
        choices=DerivedReport.choices,
        help_text=_("Always marked as derived from the levels: the levels stay the record."),
    )
    credits_per_level = forms.DecimalField(
        label=_("Credits for each competency level reached"),
        min_value=Decimal("0.01"),
        max_value=Decimal("10"),
        decimal_places=2,
        initial=Decimal("0.5"),
    )


class ClassIssueForm(forms.Form):
    grade_level = forms.CharField(label=_("Grade of the graduating class"), max_length=10)

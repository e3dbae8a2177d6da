from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from proficio.pace.models import PlanOutcome, TargetKind

DATE = forms.DateInput(attrs={"type": "date"})


class PaceTargetForm(forms.Form):
    grade_level = forms.CharField(label=_("Grade level"), max_length=3)
    kind = forms.ChoiceField(label=_("Kind"), choices=TargetKind.choices)
    competency = forms.TypedChoiceField(
        label=_("Competency"), coerce=int, required=False, empty_value=None
    )
    level_code = forms.CharField(label=_("Expected level (code on the continuum)"), max_length=20)
    due_on = forms.DateField(label=_("Due"), widget=DATE)

    def __init__(self, *args: Any, competencies: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["competency"]
        field.choices = [("", _("Every competency")), *competencies]


class SupportPlanForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
    intervention = forms.CharField(
        label=_("Intervention"), widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, required=False, empty_value=None)
    start_on = forms.DateField(label=_("Start date"), widget=DATE, required=False)
    check_in_on = forms.DateField(label=_("Check-in date"), widget=DATE, required=False)

    def __init__(self, *args: Any, owners: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["owner"]
        field.choices = [("", _("Choose someone")), *owners]


class CheckInForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=PlanOutcome.choices, required=False)
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    next_check_in = forms.DateField(label=_("Next check-in"), widget=DATE, required=False)

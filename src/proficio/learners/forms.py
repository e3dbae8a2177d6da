from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from proficio.evidence.forms import TargetChoiceField
from proficio.learners.models import RequestStatus


class GoalForm(forms.Form):
    text = forms.CharField(label=_("My goal"), max_length=300)
    target_date = forms.DateField(
        label=_("By when"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kw: Any) -> None:
        kw.setdefault("auto_id", "goal_%s")  # both forms on the home have a "text" field
        super().__init__(*args, **kw)


class ReflectionForm(forms.Form):
    text = forms.CharField(
        label=_("My reflection"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def __init__(self, *args: Any, **kw: Any) -> None:
        kw.setdefault("auto_id", "reflection_%s")
        super().__init__(*args, **kw)


class OutsideLearningForm(forms.Form):
    title = forms.CharField(label=_("What did you do?"), max_length=200)
    partner_organization = forms.CharField(
        label=_("Where did the learning happen?"),
        max_length=200,
        help_text=_("For example a club, a job, a museum or an online course."),
    )
    verifier = forms.CharField(
        label=_("Who can confirm it? (optional)"), max_length=200, required=False
    )
    assessed_at = forms.DateField(
        label=_("When did it happen?"), widget=forms.DateInput(attrs={"type": "date"})
    )
    description = forms.CharField(
        label=_("What did you learn?"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    level = forms.TypedChoiceField(label=_("The level I think it shows"), coerce=float, choices=[])
    file = forms.FileField(
        label=_("A file that shows it"),
        required=False,
        help_text=_("PDF, PNG, JPEG, text, MP3 or MP4, up to 20 MB."),
    )
    url = forms.URLField(label=_("…or a link"), required=False, assume_scheme="https")

    def __init__(self, *args: Any, targets: Any, levels: list[tuple[float, str]], **kw: Any):
        super().__init__(*args, **kw)
        self.fields["target"] = TargetChoiceField(
            label=_("Which learning target does it show?"), queryset=targets
        )
        self.order_fields(["title", "target", "level"])
        level: Any = self.fields["level"]
        level.choices = [("", "—")] + [(f"{v:g}", f"{v:g} {label}") for v, label in levels]
        self.initial.setdefault("assessed_at", timezone.localdate())


class ReassessmentRequestForm(forms.Form):
    note = forms.CharField(
        label=_("What did you do to get ready?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_("For example: practice you did, help you got, work you redid."),
    )

    def __init__(self, *args: Any, targets: Any, **kw: Any):
        super().__init__(*args, **kw)
        # Any target may be chosen here; the action explains when one is not in your classes.
        self.fields["target"] = TargetChoiceField(label=_("Learning target"), queryset=targets)
        self.order_fields(["target", "note"])


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("schedule", _("Schedule")),
            ("accept", _("Record the reassessment")),
            ("decline", _("Decline")),
        ],
        widget=forms.RadioSelect,
    )
    seen_status = forms.ChoiceField(choices=RequestStatus.choices, widget=forms.HiddenInput)
    scheduled_for = forms.DateField(
        label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    score = forms.TypedChoiceField(
        label=_("Level shown"), coerce=float, empty_value=None, required=False, choices=[]
    )
    reason = forms.CharField(
        label=_("Reason or feedback"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args: Any, levels: list[tuple[float, str]], **kw: Any):
        super().__init__(*args, **kw)
        score: Any = self.fields["score"]
        score.choices = [("", "—")] + [(f"{v:g}", f"{v:g} {label}") for v, label in levels]


class CompetencyCommentsForm(forms.Form):
    """A teacher's comment on each of a student's competencies, for one reporting period."""

    def __init__(
        self, *args: Any, terms: Any, competencies: list[Any], limit: int, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.fields["term"] = forms.ModelChoiceField(
            label=_("Reporting period"), queryset=terms, empty_label=None
        )
        self.competencies = competencies
        for item in competencies:
            statement = item.abbreviated_statement or item.full_statement[:80]
            self.fields[f"comment_{item.pk}"] = forms.CharField(
                label=f"{item.human_coding_scheme or ''} {statement}".strip(),
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
                max_length=limit,
            )

    def comment_fields(self) -> list[Any]:
        return [self[f"comment_{item.pk}"] for item in self.competencies]

    def comments(self) -> dict[Any, str]:
        return {item: self.cleaned_data.get(f"comment_{item.pk}", "") for item in self.competencies}

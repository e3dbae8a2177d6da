from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from proficio.graduation.models import Requirement


class RescindForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rescinding, for the record"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RequirementSetForm(forms.Form):
    """The head of a new version of requirements. The fields are read loosely here; the
    action (``define_requirement_set``) is the one that judges them, on their fields."""

    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    first_cohort = forms.IntegerField(
        label=_("First graduating class"), min_value=2000, max_value=2200
    )
    in_force_from = forms.DateField(
        label=_("In force from"), widget=forms.DateInput(attrs={"type": "date"})
    )


KIND_CHOICES = [("", "—"), *Requirement._meta.get_field("kind").choices]  # type: ignore[misc]


class RequirementForm(forms.Form):
    """One requirement of the set; a row left wholly blank is not a requirement."""

    key = forms.CharField(label=_("Key"), max_length=60, required=False)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=KIND_CHOICES, required=False)
    competencies = forms.CharField(
        label=_("Competencies (codes or CASE identifiers, separated by commas)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    level = forms.CharField(label=_("Level (its code)"), max_length=40, required=False)
    count = forms.CharField(label=_("How many are required"), max_length=10, required=False)
    minimum_score = forms.CharField(
        label=_("Rubric score that meets it"), max_length=20, required=False
    )
    accepts_alternative = forms.BooleanField(
        label=_("An accepted outside credential meets it"), required=False
    )

    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not any(
            str(data.get(f) or "").strip() for f in ("key", "title", "kind", "competencies")
        )

    def spec(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "key": data["key"].strip(),
            "title": data["title"].strip(),
            "kind": data["kind"],
            "competencies": [c for c in re.split(r"[,\s]+", data["competencies"]) if c],
            "level": data["level"].strip(),
            "count": data["count"].strip(),
            "minimum_score": data["minimum_score"].strip(),
            "accepts_alternative": data["accepts_alternative"],
        }


RequirementFormSet = forms.formset_factory(RequirementForm, extra=0, max_num=60)


class EntryForm(forms.Form):
    entered_on = forms.DateField(
        label=_("Entered high school on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    cohort = forms.IntegerField(
        label=_("Graduating class (blank: four years on)"),
        required=False,
        min_value=2000,
        max_value=2200,
    )


class RubricForm(forms.Form):
    requirement = forms.TypedChoiceField(label=_("Capstone"), coerce=int, choices=[])
    score = forms.FloatField(label=_("Rubric score"))
    judged_on = forms.DateField(
        label=_("Judged on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, requirements: list[Requirement], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["requirement"].choices = [(r.pk, r.title) for r in requirements]  # type: ignore[attr-defined]


class AlternativeForm(forms.Form):
    requirement = forms.TypedChoiceField(label=_("Requirement"), coerce=int, choices=[])
    outside_credential = forms.TypedChoiceField(
        label=_("A credential the student presented (verified)"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[],
    )
    name = forms.CharField(label=_("Name of the credential"), max_length=300, required=False)
    reference = forms.CharField(label=_("Reference"), max_length=500, required=False)

    def __init__(
        self, *args: Any, requirements: list[Requirement], credentials: list[Any], **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.fields["requirement"].choices = [(r.pk, r.title) for r in requirements]  # type: ignore[attr-defined]
        self.fields["outside_credential"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (c.pk, c.name) for c in credentials
        ]


class OptInForm(forms.Form):
    requirement_set = forms.TypedChoiceField(label=_("Newer requirements"), coerce=int, choices=[])

    def __init__(self, *args: Any, choices: list[Any], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["requirement_set"].choices = [  # type: ignore[attr-defined]
            (s.pk, f"{s.title} (v{s.version})") for s in choices
        ]

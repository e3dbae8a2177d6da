from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from proficio.frameworks.models import Rubric
from proficio.moderation.models import Design, SessionKind
from proficio.orgs.models import Organization


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of session"), choices=SessionKind.choices)
    task = forms.CharField(label=_("Common performance task"), max_length=200)
    task_description = forms.CharField(
        label=_("What students were asked to do"), widget=forms.Textarea, required=False
    )
    rubric = forms.ModelChoiceField(label=_("Rubric"), queryset=Rubric.objects.none())
    owner = forms.ModelChoiceField(label=_("Organized by"), queryset=Organization.objects.none())
    design = forms.ChoiceField(
        label=_("Who scores what"), choices=Design.choices, widget=forms.RadioSelect
    )
    raters_per_sample = forms.IntegerField(
        label=_("Raters per sample (balanced design)"), min_value=1, max_value=50, initial=2
    )

    def __init__(self, *args: Any, rubrics: Any, owners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rubric"].queryset = rubrics  # type: ignore[attr-defined]
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]


class RaterForm(forms.Form):
    user = forms.ChoiceField(label=_("Educator"))

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", _("Choose an educator")), *choices]  # type: ignore[attr-defined]


class AnchorForm(forms.Form):
    file = forms.FileField(label=_("The work (PDF, image, text, audio or video)"), required=False)
    description = forms.CharField(
        label=_("Description (no student names)"), widget=forms.Textarea, required=False
    )


class DrawForm(forms.Form):
    per_school = forms.IntegerField(
        label=_("Samples per school"), min_value=1, max_value=200, initial=5
    )
    title_contains = forms.CharField(
        label=_("Only work whose title contains"), max_length=200, required=False
    )

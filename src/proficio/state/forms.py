"""The pilot's forms: they read what was typed; the actions decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from proficio.frameworks.models import Rubric
from proficio.moderation.models import ModerationSession
from proficio.orgs.models import Organization


class PilotForm(forms.Form):
    name = forms.CharField(label=_("Name of the pilot"), max_length=200)
    districts = forms.ModelMultipleChoiceField(
        label=_("Participating districts"),
        queryset=Organization.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, districts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["districts"].queryset = districts  # type: ignore[attr-defined]


class PilotTaskForm(forms.Form):
    title = forms.CharField(label=_("Common performance task"), max_length=200)
    item = forms.CharField(
        label=_("CASE identifier of the learning target it is aligned to"),
        max_length=80,
        help_text=_("The item's identifier in the framework (a UUID)."),
    )
    rubric = forms.ModelChoiceField(label=_("Rubric"), queryset=Rubric.objects.none())
    standard = forms.FloatField(
        label=_("Calibrated score that meets the standard"),
        initial=3.0,
        help_text=_("The mean, over the rubric's criteria, of the state panel's consensus."),
    )

    def __init__(self, *args: Any, rubrics: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rubric"].queryset = rubrics  # type: ignore[attr-defined]


class PilotSessionForm(forms.Form):
    session = forms.ModelChoiceField(
        label=_("State moderation session"), queryset=ModerationSession.objects.none()
    )

    def __init__(self, *args: Any, sessions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions  # type: ignore[attr-defined]

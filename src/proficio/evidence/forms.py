from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from proficio.evidence.models import EvidenceKind
from proficio.frameworks.models import Item

ROWS = 4


class TargetChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        text = obj.abbreviated_statement or obj.full_statement[:80]
        return f"{obj.human_coding_scheme or ''} {text}".strip()


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of evidence"), choices=EvidenceKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    assessed_at = forms.DateTimeField(
        label=_("When the learning was shown"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )
    feedback = forms.CharField(
        label=_("Feedback to the student"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    partner_organization = forms.CharField(
        label=_("Partner organization (learning outside school)"), max_length=200, required=False
    )
    verifier = forms.CharField(label=_("Verified by"), max_length=200, required=False)
    artifact = forms.FileField(label=_("Attach a file (portfolio)"), required=False)
    link = forms.URLField(label=_("…or a link"), required=False, assume_scheme="https")

    def __init__(self, *args: Any, targets: Any, scale_values: list[float], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("assessed_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
        choices = [("", "—")] + [(f"{v:g}", f"{v:g}") for v in scale_values]
        for i in range(1, ROWS + 1):
            self.fields[f"target_{i}"] = TargetChoiceField(
                label=_("Learning target %(n)s") % {"n": i}, queryset=targets, required=(i == 1)
            )
            self.fields[f"score_{i}"] = forms.TypedChoiceField(
                label=_("Score %(n)s") % {"n": i},
                choices=choices,
                coerce=float,
                empty_value=None,
                required=(i == 1),
            )

    def score_rows(self) -> list[tuple[Item, float]]:
        rows = []
        for i in range(1, ROWS + 1):
            target = self.cleaned_data.get(f"target_{i}")
            score = self.cleaned_data.get(f"score_{i}")
            if target is not None and score is not None:
                rows.append((target, score))
        return rows

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for i in range(2, ROWS + 1):
            if bool(data.get(f"target_{i}")) != (data.get(f"score_{i}") is not None):
                self.add_error(f"score_{i}", _("Give both a target and a score, or neither."))
        return data


class OverrideForm(forms.Form):
    level_value = forms.TypedChoiceField(label=_("Level"), coerce=float, choices=[])
    rationale = forms.CharField(
        label=_("Rationale (required)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What evidence and judgment support this level? It is shown with the level."),
    )

    def __init__(self, *args: Any, levels: list[tuple[float, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["level_value"]
        field.choices = [(f"{v:g}", f"{v:g} {label}") for v, label in levels]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("accept", _("Accept")), ("return", _("Return with feedback"))]
    )
    feedback = forms.CharField(
        label=_("Feedback"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ResubmitForm(forms.Form):
    """A new version of returned work: a file or a link, and a note for the teacher."""

    file = forms.FileField(label=_("The new version (a file)"), required=False)
    url = forms.URLField(label=_("…or a link"), required=False, assume_scheme="https")
    note = forms.CharField(
        label=_("What I changed"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from proficio.evidence.models import EvidenceKind
from proficio.mastery.models import DeterminationStatus

TEACHER_KINDS = [
    (k.value, k.label)
    for k in (
        EvidenceKind.PERFORMANCE_TASK,
        EvidenceKind.PROJECT,
        EvidenceKind.QUIZ,
        EvidenceKind.OBSERVATION,
        EvidenceKind.CONFERENCE,
    )
]


class GridFilterForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("Targets"),
        required=False,
        choices=[
            ("", _("The course's competencies")),
            ("all", _("Every target the school may assess (widened)")),
        ],
    )
    competency = forms.TypedChoiceField(
        label=_("Competency"), required=False, coerce=int, empty_value=None
    )
    level = forms.ChoiceField(
        label=_("Students with a target at"),
        required=False,
        choices=[("", _("Any level")), *DeterminationStatus.choices],
    )
    pace = forms.ChoiceField(
        label=_("Pace"),
        required=False,
        choices=[
            ("", _("Any pace")),
            ("behind", _("Working toward the expected level in a competency")),
            ("on", _("At or above the expected level in every competency")),
            ("rising", _("At least one target rising")),
        ],
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name")),
            ("proficient_desc", _("Most targets met first")),
            ("proficient_asc", _("Fewest targets met first")),
            ("rising_desc", _("Most targets rising first")),
        ],
    )

    def __init__(self, *args: Any, competencies: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["competency"].choices = [("", _("All competencies"))] + [  # type: ignore[attr-defined]
            (c.pk, f"{c.human_coding_scheme or ''} {c.abbreviated_statement or c.full_statement}")
            for c in competencies
        ]


class ScoringTaskForm(forms.Form):
    title = forms.CharField(label=_("Task title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of task"), choices=TEACHER_KINDS)
    assessed_on = forms.DateField(
        label=_("Date the learning was shown"),
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=timezone.localdate,
    )
    rubric = forms.TypedChoiceField(label=_("Rubric"), coerce=int)

    def __init__(self, *args: Any, rubrics: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rubric"].choices = [(r.pk, str(r)) for r in rubrics]  # type: ignore[attr-defined]


class GroupTargetForm(forms.Form):
    target = forms.TypedChoiceField(label=_("Learning target"), coerce=int)

    def __init__(self, *args: Any, targets: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [  # type: ignore[attr-defined]
            (t.pk, f"{t.human_coding_scheme or ''} {t.abbreviated_statement or t.full_statement}")
            for t in targets
        ]

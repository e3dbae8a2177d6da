from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from proficio.mastery.models import BKTSpace, BKTVariant, Method


class PolicyVersionForm(forms.Form):
    method = forms.ChoiceField(label=_("Rule"), choices=Method.choices)
    weight = forms.FloatField(
        label=_("Weight of the latest score (weighted average)"),
        min_value=0,
        max_value=1,
        initial=0.65,
    )
    rate = forms.FloatField(
        label=_("Decay rate (decaying average)"), min_value=0, max_value=1, initial=0.65
    )
    n = forms.IntegerField(
        label=_("n: scores at mastery needed (n times at mastery)"), min_value=1, required=False
    )
    window_last = forms.IntegerField(
        label=_("Use only the last N scores"), min_value=1, required=False
    )
    window_since = forms.DateTimeField(
        label=_("Use only evidence shown since"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d"],
    )
    min_evidence = forms.IntegerField(label=_("Minimum pieces of evidence"), min_value=1, initial=1)
    min_kinds = forms.IntegerField(label=_("Minimum kinds of evidence"), min_value=1, initial=1)
    count_self_and_peer = forms.BooleanField(
        label=_("Self- and peer-assessment count"), required=False
    )
    note = forms.CharField(label=_("Why this change"), max_length=500, required=False)

    def params(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("note", None)
        return data


class RollupForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Rule"),
        choices=[
            ("all", _("All learning targets proficient")),
            ("points", _("Points: each proficient target earns a point; reach the threshold")),
            ("mean", _("The mean of the targets' levels")),
            ("min", _("The lowest of the targets' levels")),
        ],
    )
    threshold = forms.FloatField(
        label=_("Points needed (points rule)"), min_value=0, required=False
    )
    required: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(  # type: ignore[type-arg]
        label=_("Targets that must be proficient (points rule)"), queryset=None, required=False
    )

    def __init__(self, *args: Any, children: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from proficio.frameworks.models import Item

        field: Any = self.fields["required"]
        field.queryset = Item.objects.filter(pk__in=[c.pk for c in children])


class BKTFitForm(forms.Form):
    """How to fit BKT from a target's quiz responses: the parameter space and the variants."""

    space = forms.ChoiceField(
        label=_("Parameter space"),
        choices=BKTSpace.choices,
        initial=BKTSpace.IDENTIFIABLE,
        widget=forms.RadioSelect,
        help_text=_(
            "Identifiable keeps guess and slip below 0.5, so a correct answer is always"
            ' evidence of knowing the skill and "known" means mastery: use it for mastery'
            " decisions. Unconstrained (pyBKT's space) can fit and predict better where items"
            ' are easy to guess, but its "known" state may then not mean mastery.'
        ),
    )
    variants = forms.MultipleChoiceField(
        label=_("Model variants"),
        choices=BKTVariant.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each variant adds parameters; fit them only with enough quiz data."),
    )


class AsOfForm(forms.Form):
    """The day a student's determinations are shown as they stood on (the time machine)."""

    as_of = forms.DateField(
        label=_("Show the determinations as they stood on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Give the date as YYYY-MM-DD.")},
    )

    def __init__(self, data: Any = None, *, label: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(data, **kwargs)
        if label:
            self.fields["as_of"].label = label

    def moment(self) -> dt.datetime | None:
        """The end of the chosen day, or None (no day, or one that is not a date)."""
        if not self.is_valid() or self.cleaned_data["as_of"] is None:
            return None
        day: dt.date = self.cleaned_data["as_of"]
        return dt.datetime.combine(day, dt.time.max, tzinfo=timezone.get_current_timezone())

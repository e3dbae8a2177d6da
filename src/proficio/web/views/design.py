"""The product's style guide (/design/): every component the pages use, in each of its
states, drawn by the same partials and form renderer the pages use. Staff only; it shows no
student's data (every figure and name on it is made up here)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from proficio.web.charts import chart_context
from proficio.web.context_processors import serves_others


class SpecimenForm(forms.Form):
    """A form with each kind of control the product uses."""

    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=80,
        help_text=gettext_lazy("What the class will see, in a few words."),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of evidence"),
        choices=[
            ("", "—"),
            ("quiz", gettext_lazy("Quiz")),
            ("project", gettext_lazy("Project")),
        ],
    )
    assessed_at = forms.DateField(
        label=gettext_lazy("Assessed on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=gettext_lazy("Note"), widget=forms.Textarea, required=False)
    notify = forms.BooleanField(label=gettext_lazy("Tell the families"), required=False)
    reach = forms.ChoiceField(
        label=gettext_lazy("How to reach the family"),
        choices=[("email", gettext_lazy("Email")), ("letter", gettext_lazy("A letter home"))],
        widget=forms.RadioSelect,
    )
    days = forms.MultipleChoiceField(
        label=gettext_lazy("Days for the check-in"),
        choices=[
            ("mon", gettext_lazy("Monday")),
            ("wed", gettext_lazy("Wednesday")),
            ("fri", gettext_lazy("Friday")),
        ],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    work = forms.FileField(
        label=gettext_lazy("The student's work (PDF or image)"),
        help_text=gettext_lazy("One file, up to 10 MB."),
        required=False,
    )


def _chosen_and_disabled() -> SpecimenForm:
    """The specimen with every choice made, then the same controls disabled."""
    form = SpecimenForm(
        initial={"notify": True, "reach": "letter", "days": ["mon", "fri"]},
        auto_id="chosen_%s",
    )
    for name in ("title", "kind", "assessed_at", "note"):
        del form.fields[name]
    form.fields["days"].disabled = True
    form.fields["work"].disabled = True
    return form


# A made-up class: its mastery distribution per target, for the chart partial.
_SPECIMEN_ROWS = [
    {"target": "T.1", "level": "not_yet", "label": gettext_lazy("Not yet proficient"), "n": 6},
    {"target": "T.1", "level": "proficient", "label": gettext_lazy("Proficient"), "n": 14},
    {"target": "T.1", "level": "advanced", "label": gettext_lazy("Advanced"), "n": 4},
    {"target": "T.2", "level": "not_yet", "label": gettext_lazy("Not yet proficient"), "n": 11},
    {"target": "T.2", "level": "proficient", "label": gettext_lazy("Proficient"), "n": 10},
    {"target": "T.2", "level": "advanced", "label": gettext_lazy("Advanced"), "n": 3},
]


def _chart() -> Any:
    rows = [{**r, "label": str(r["label"])} for r in _SPECIMEN_ROWS]
    spec = {
        "data": {"values": rows},
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "target", "type": "nominal", "title": _("Learning target")},
            "x": {"field": "n", "type": "quantitative", "title": _("Students")},
            "color": {"field": "label", "type": "nominal", "title": _("Level")},
        },
    }
    return chart_context(
        spec,
        title=_("Students at each level, per target (made-up figures)"),
        table_columns=[
            ("target", _("Learning target")),
            ("label", _("Level")),
            ("n", _("Students")),
        ],
        rows=rows,
    )


@login_required
def style_guide(request: HttpRequest) -> HttpResponse:
    if not serves_others(request.user):
        raise Http404
    invalid = SpecimenForm(
        {"title": "", "kind": "", "assessed_at": "31/02/2026", "note": "", "notify": ""},
        auto_id="invalid_%s",
    )
    invalid.is_valid()
    return render(
        request,
        "web/design.html",
        {
            "has_charts": True,
            "chart": _chart(),
            "blank_form": SpecimenForm(auto_id="blank_%s"),
            "invalid_form": invalid,
            "chosen_form": _chosen_and_disabled(),
            "page": Paginator(range(240), 20).get_page(request.GET.get("page", 5)),
            "levels": [
                (1, "circle-quarter", _("Beginning")),
                (2, "circle-quarter", _("Developing")),
                (3, "circle-three-quarter", _("Proficient")),
                (4, "circle-full", _("Advanced")),
            ],
        },
    )

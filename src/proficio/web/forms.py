from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def show_errors(form: Any, exc: ValidationError) -> None:
    """Put an action's ValidationError on the form: on the field it names, else on top."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    for field, messages in errors.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


def labelled_errors(form: Any) -> list[str]:
    """A form's errors as lines a person reads: each field by its label ("Minimum pieces of
    evidence: ..."), never its name; errors of the whole form as they are."""
    lines = []
    for name, messages in form.errors.items():
        label = form[name].label if name in form.fields else ""  # the label, else a pretty name
        lines += [f"{label}: {m}" if label else str(m) for m in messages]
    return lines


class StudentSearchForm(forms.Form):
    q = forms.CharField(label=_("Find a student"), max_length=100, required=False)


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[
            ("", _("All")),
            ("read", _("Viewed")),
            ("create", _("Created")),
            ("update", _("Changed")),
            ("delete", _("Deleted")),
        ],
    )
    actor = forms.CharField(label=_("Who"), max_length=150, required=False)
    since = forms.DateField(
        label=_("Since"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

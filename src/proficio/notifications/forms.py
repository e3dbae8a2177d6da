from __future__ import annotations

from typing import Any

from django import forms

from proficio.notifications.models import EmailMode, Kind


class PreferencesForm(forms.Form):
    """One choice per kind of notification addressed to the person's roles."""

    def __init__(self, *args: Any, current: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, mode in current:
            self.fields[kind] = forms.ChoiceField(
                label=Kind(kind).label,
                choices=EmailMode.choices,
                initial=mode,
                widget=forms.RadioSelect,
            )

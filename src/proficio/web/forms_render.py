"""Every Django form field renders in the U.S. Web Design System's form pattern, from here.

The renderer (settings.FORM_RENDERER) gives each bound field the system's classes: the
control's (``usa-input``, ``usa-select``, ``usa-textarea``, with the ``--error`` variant when
the field has errors; ``usa-checkbox__input``, ``usa-radio__input``, ``usa-file-input``) and
the label's. ``{{ field.as_field_group }}`` (and ``{{ form }}``) use ``web/forms/field.html``:
label, hint, each error beside the field (its id is the one Django's ``aria-describedby``
names), then the control. A checkbox is drawn as the system draws it: the input, then its
label, inside ``usa-checkbox``. Radio buttons and groups of checkboxes are drawn by our own
copies of Django's two option templates (``web/form_widgets/``, looked up before Django's
own), so each option is an input followed by its label, as the system needs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates
from django.forms.widgets import Input
from django.utils.functional import cached_property
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

_TEXT_INPUTS = {
    "text",
    "email",
    "password",
    "number",
    "date",
    "datetime-local",
    "time",
    "url",
    "search",
    "tel",
}
# Controls whose class has an ``--error`` variant in the system.
_WITH_ERROR_VARIANT = {"usa-input", "usa-select", "usa-textarea"}
_OUR_WIDGET_TEMPLATES = Path(__file__).resolve().parent / "form_widgets"
_DJANGO_WIDGET_TEMPLATES = Path(forms.__file__).resolve().parent / "templates"


def control_class(widget: forms.Widget) -> str:
    """The system's class for a widget's control, or "" for controls it has none for."""
    if isinstance(widget, forms.Textarea):
        return "usa-textarea"
    if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
        return "usa-checkbox__input"  # (CheckboxSelectMultiple is a RadioSelect in Django)
    if isinstance(widget, forms.RadioSelect):
        return "usa-radio__input"
    if isinstance(widget, forms.Select):
        return "usa-select"
    if isinstance(widget, forms.FileInput):
        return "usa-file-input"
    if isinstance(widget, Input) and widget.input_type in _TEXT_INPUTS:
        return "usa-input"
    return ""


def _label_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "usa-checkbox__label"
    return "usa-label" if control_class(widget) else ""


def _join(*classes: str) -> str:
    return " ".join(c for c in classes if c)


class SystemBoundField(BoundField):
    def build_widget_attrs(
        self, attrs: dict[str, Any], widget: forms.Widget | None = None
    ) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        cls = control_class(widget)
        if cls:
            error = f"{cls}--error" if self.errors and cls in _WITH_ERROR_VARIANT else ""
            own = attrs.get("class", widget.attrs.get("class"))
            attrs["class"] = _join(cls, error, own if isinstance(own, str) else "")
        if cls == "usa-file-input":
            # The system's script writes its instructions in English; ours
            # (proficio/file-input.js) puts these in their place.
            for key, text in (
                ("drag", _("Drag a file here or")),
                ("choose", _("choose one")),
                ("choose-alone", _("Choose a file")),
                ("chosen", _("Chosen file")),
                ("change", _("Change the file")),
                ("none", _("No file chosen.")),
            ):
                attrs.setdefault(f"data-{key}-text", text)
        return attrs

    def label_tag(
        self,
        contents: str | None = None,
        attrs: dict[str, Any] | None = None,
        label_suffix: str | None = None,
        tag: str | None = None,
    ) -> SafeString:
        attrs = dict(attrs or {})
        cls = _label_class(self.field.widget)
        if cls:
            error = "usa-label--error" if self.errors and cls == "usa-label" else ""
            attrs["class"] = _join(cls, error, attrs.get("class", ""))
        if isinstance(self.field.widget, forms.CheckboxInput) and label_suffix is None:
            label_suffix = ""  # "Tell the families", not "Tell the families:"
        return super().label_tag(contents, attrs, label_suffix, tag)

    def legend_tag(
        self,
        contents: str | None = None,
        attrs: dict[str, Any] | None = None,
        label_suffix: str | None = None,
    ) -> SafeString:
        attrs = dict(attrs or {})
        attrs["class"] = _join("usa-legend", attrs.get("class", ""))
        return super().legend_tag(contents, attrs, label_suffix)


class SystemFormRenderer(DjangoTemplates):
    bound_field_class = SystemBoundField
    field_template_name = "web/forms/field.html"

    @cached_property
    def engine(self) -> Any:
        # Our option templates first, then Django's widget templates, then the apps'.
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [_OUR_WIDGET_TEMPLATES, _DJANGO_WIDGET_TEMPLATES],
                "NAME": "djangoforms",
                "OPTIONS": {},
            }
        )

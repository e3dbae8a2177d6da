"""Every Django form field renders in the U.S. Web Design System's form pattern, from here.

The renderer (settings.FORM_RENDERER) gives each bound field the system's classes: the
control's (``usa-input``, ``usa-select``, ``usa-textarea``, with the ``--error`` variant when
the field has errors) and the label's. ``{{ field.as_field_group }}`` (and ``{{ form }}``)
use ``web/forms/field.html``: label, hint, each error beside the field, then the control.
Checkboxes, radios and file inputs keep the browser's own control: the system's versions need
a label placed right after the input, which templates that write their own markup do not have.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates
from django.forms.widgets import Input
from django.utils.safestring import SafeString

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


def control_class(widget: forms.Widget) -> str:
    """The system's class for a widget's control, or "" where the browser's control stays."""
    if isinstance(widget, forms.Textarea):
        return "usa-textarea"
    if isinstance(widget, forms.Select) and not isinstance(widget, forms.RadioSelect):
        return "usa-select"
    if isinstance(widget, Input) and widget.input_type in _TEXT_INPUTS:
        return "usa-input"
    return ""


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
            error = f"{cls}--error" if self.errors else ""
            own = attrs.get("class", widget.attrs.get("class"))
            attrs["class"] = _join(cls, error, own if isinstance(own, str) else "")
        return attrs

    def label_tag(
        self,
        contents: str | None = None,
        attrs: dict[str, Any] | None = None,
        label_suffix: str | None = None,
        tag: str | None = None,
    ) -> SafeString:
        attrs = dict(attrs or {})
        if control_class(self.field.widget):
            error = "usa-label--error" if self.errors else ""
            attrs["class"] = _join("usa-label", error, attrs.get("class", ""))
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

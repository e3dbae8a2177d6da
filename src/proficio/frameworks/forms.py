from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from proficio.frameworks.models import Category, Item, ItemKind, PerformanceLevel, ProficiencyScale

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CASE package (JSON)"))
    as_draft = forms.BooleanField(
        label=_("Import as a draft (not visible to others yet)"), required=False
    )

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        if not (
            f.name.lower().endswith(".json") or f.content_type in ("application/json", "text/json")
        ):
            raise forms.ValidationError(_("Choose a .json file: a CASE CFPackage."))
        return f


class FrameworkForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    subject = forms.CharField(label=_("Subjects (comma-separated)"), max_length=300, required=False)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=[("en", "English"), ("es", "Español")]
    )


class ItemForm(forms.Form):
    full_statement = forms.CharField(label=_("Statement"), widget=forms.Textarea(attrs={"rows": 3}))
    abbreviated_statement = forms.CharField(label=_("Short name"), max_length=200, required=False)
    human_coding_scheme = forms.CharField(label=_("Code"), max_length=60, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=ItemKind.choices)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    parent = forms.ModelChoiceField(
        label=_("Belongs to"), queryset=Item.objects.none(), required=False
    )
    level = forms.ModelChoiceField(
        label=_("Performance level"), queryset=PerformanceLevel.objects.none(), required=False
    )
    scale = forms.ModelChoiceField(
        label=_("Proficiency scale (overrides the framework's for this competency)"),
        queryset=ProficiencyScale.objects.all(),
        required=False,
    )

    def __init__(self, *args: Any, framework: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent_field: Any = self.fields["parent"]
        parent_field.queryset = framework.items.filter(archived_at__isnull=True).exclude(
            kind=ItemKind.TARGET
        )
        level_field: Any = self.fields["level"]
        level_field.queryset = framework.levels.all()
        if editing:
            del self.fields["kind"]
            del self.fields["parent"]
        if not editing or kwargs.get("initial", {}).get("kind") != ItemKind.COMPETENCY:
            del self.fields["scale"]


class PrerequisiteForm(forms.Form):
    prerequisite = forms.ModelChoiceField(
        label=_("Prerequisite (comes before)"), queryset=Item.objects.none()
    )

    def __init__(self, *args: Any, item: Item, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["prerequisite"]
        field.queryset = item.framework.items.filter(
            kind=ItemKind.TARGET, archived_at__isnull=True
        ).exclude(pk=item.pk)


class FrameworkSearchForm(forms.Form):
    q = forms.CharField(label=_("Search this framework"), max_length=100, required=False)


class ExemplarForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    level = forms.ModelChoiceField(
        label=_("Level it shows"), queryset=PerformanceLevel.objects.none(), required=False
    )
    description = forms.CharField(
        label=_("What it shows"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    file = forms.FileField(label=_("Work sample (PDF or image)"), required=False)
    url = forms.URLField(label=_("…or a link"), required=False, assume_scheme="https")

    def __init__(self, *args: Any, framework: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["level"]
        field.queryset = framework.levels.all()

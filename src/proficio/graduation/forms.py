from django import forms
from django.utils.translation import gettext_lazy as _


class RescindForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rescinding, for the record"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

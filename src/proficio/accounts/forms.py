from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "That username and password do not match. Check them and try again; "
            "after %(limit)s failed tries the account is locked for a while."
        ),
        "inactive": _("This account is inactive."),
    }

    def get_invalid_login_error(self) -> forms.ValidationError:
        from django.conf import settings

        return forms.ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={"limit": settings.AXES_FAILURE_LIMIT},
        )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"), choices=[("en", "English"), ("es", "Español")]
    )

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from proficio.accounts import mail
from proficio.accounts.models import User
from proficio.accounts.roles import Role

log = logging.getLogger(__name__)


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


# -- Password reset (Django's flow) and invitations -------------------------------------


class PasswordResetRequestForm(auth_forms.PasswordResetForm):
    """ "Forgot your password?": a link goes to every active person with that email.

    Unlike Django's form, people who never chose a password (invited or rostered) get one
    too, so this is also how they set a first password; machine clients never do.
    """

    def get_users(self, email: str) -> Iterator[Any]:
        people = User.objects.filter(
            email__iexact=email, is_active=True, machine_client__isnull=True
        )
        return iter(people)

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        user = context["user"]
        log.info("password reset link sent on request to account %s", user.pk)
        site = f"{context['protocol']}://{context['domain']}"
        mail.send(
            user,
            "password_reset",
            {"link": mail.link(site, "accounts:password_reset_confirm", user, context["token"])},
        )


class ChoosePasswordForm(auth_forms.SetPasswordForm):  # type: ignore[type-arg]
    """Choosing a password from an emailed link; the write is ``actions.set_own_password``."""

    purpose = "password reset by link"

    def save(self, commit: bool = True) -> Any:
        from proficio.accounts import actions

        actions.set_own_password(
            self.user, self.cleaned_data["new_password1"], purpose=self.purpose
        )
        return self.user


class AcceptInvitationForm(ChoosePasswordForm):
    purpose = "invitation accepted"


# -- Administering people and machine clients --------------------------------------------


def _org_choices(organizations: Any) -> list[tuple[str, str]]:
    return [("", "—")] + [(str(o.pk), f"{o.name} ({o.get_kind_display()})") for o in organizations]


def _role_choices(roles: list[Role]) -> list[tuple[str, str]]:
    return [("", "—")] + [(r.value, str(r.label)) for r in roles]


class _RoleAtOrganization(forms.Form):
    role = forms.ChoiceField(label=_("Role"))
    organization = forms.ChoiceField(label=_("Organization"))

    def __init__(self, *args: Any, roles: list[Role], organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organizations = {str(o.pk): o for o in organizations}
        self.fields["role"].choices = _role_choices(roles)  # type: ignore[attr-defined]
        self.fields["organization"].choices = _org_choices(organizations)  # type: ignore[attr-defined]

    def clean_organization(self) -> Any:
        return self.organizations[self.cleaned_data["organization"]]


class _Dates(forms.Form):
    start_date = forms.DateField(
        label=_("Starts"),
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=timezone.localdate,
    )
    end_date = forms.DateField(
        label=_("Ends (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The role must end on or after the day it starts."))
        return data


class InviteForm(_RoleAtOrganization, _Dates):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("Email"))
    preferred_language = forms.ChoiceField(
        label=_("Language for the email"), choices=[("en", "English"), ("es", "Español")]
    )
    field_order = [
        "first_name",
        "last_name",
        "email",
        "preferred_language",
        "role",
        "organization",
        "start_date",
        "end_date",
    ]


class MembershipForm(_RoleAtOrganization, _Dates):
    field_order = ["role", "organization", "start_date", "end_date"]


class EndMembershipForm(forms.Form):
    end_date = forms.DateField(
        label=_("Last day"),
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=timezone.localdate,
    )


class PasswordResetLinkForm(forms.Form):
    stop_current_password = forms.BooleanField(
        label=_("Also stop the current password from working now"), required=False
    )


class ClientForm(_RoleAtOrganization):
    name = forms.CharField(label=_("Name of the program"), max_length=100)
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), widget=forms.CheckboxSelectMultiple, choices=[]
    )
    end_date = forms.DateField(
        label=_("Stops working after (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    field_order = ["name", "role", "organization", "scopes", "end_date"]

    def __init__(self, *args: Any, scopes: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(k, f"{v} ({k})") for k, v in scopes.items()]
        self.fields["scopes"].choices = choices  # type: ignore[attr-defined]


class PersonSearchForm(forms.Form):
    q = forms.CharField(label=_("Find a person"), required=False, max_length=100)

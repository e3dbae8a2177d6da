from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from proficio.accounts import actions, sso
from proficio.accounts.forms import (
    AcceptInvitationForm,
    ChoosePasswordForm,
    LanguageForm,
    LoginForm,
    PasswordResetRequestForm,
)
from proficio.accounts.tokens import invitation_token_generator


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["sso_enabled"] = sso.enabled()
        context["sso_name"] = settings.PROFICIO_OIDC_NAME
        return context


def locked_out(
    request: HttpRequest, original_response: object, credentials: object
) -> HttpResponse:
    """Announce a lockout on the login page itself, with how long it lasts (429).

    Three kinds: this account from this address (Axes), this address trying many accounts,
    or a burst of failures across the site (``accounts.throttle``)."""
    block = getattr(request, "proficio_login_block", None)
    if block is not None:
        wait = block.retry_after
        reason = block.reason
    else:
        wait = int(settings.AXES_COOLOFF_TIME.total_seconds())
        reason = "account"
    minutes = max(1, (wait + 59) // 60)
    response = render(
        request, "accounts/locked_out.html", {"minutes": minutes, "reason": reason}, status=429
    )
    response["Retry-After"] = str(wait)
    return response


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


@require_POST
def language_view(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; remembered on the account and in a cookie."""
    form = LanguageForm(request.POST)
    nxt = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        nxt = "/"
    response = HttpResponseRedirect(nxt)
    if form.is_valid():
        language = form.cleaned_data["language"]
        if request.user.is_authenticated:
            actions.set_preferred_language(request.user, language)
        translation.activate(language)
        response.set_cookie("django_language", language, samesite="Lax", httponly=True)
    return response


# Password reset by email: Django's own views, with our forms and pages.
class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetRequestForm
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = ChoosePasswordForm
    template_name = "accounts/password_choose.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    extra_context = {"invitation": False}


class InvitationView(PasswordResetConfirmView):
    """An invitation's one-time link: the same flow as a reset, with its own token."""

    form_class = AcceptInvitationForm
    token_generator = invitation_token_generator
    extra_context = {"invitation": True}


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


__all__ = ["LoginView", "language_view", "login_required", "logout_view"]

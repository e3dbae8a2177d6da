from __future__ import annotations

from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from proficio.accounts import actions
from proficio.accounts.forms import LanguageForm, LoginForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def locked_out(
    request: HttpRequest, original_response: object, credentials: object
) -> HttpResponse:
    """Announce a lockout on the login page itself, with how long it lasts (429)."""
    from django.conf import settings
    from django.shortcuts import render

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)


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


__all__ = ["LoginView", "language_view", "login_required", "logout_view"]

"""Machine clients: administrators register programs for OAuth 2.0 client credentials,
give them a new secret, or revoke them. A secret is shown once, on the page that made it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from proficio import policy
from proficio.accounts import actions, directory
from proficio.accounts.forms import ClientForm
from proficio.accounts.models import MachineClient
from proficio.accounts.oauth import all_scopes
from proficio.accounts.people_views import _add_errors
from proficio.policy import Act, Subject


def _secret_page(request: HttpRequest, credentials: actions.ClientCredentials) -> HttpResponse:
    response = render(
        request,
        "accounts/client_secret.html",
        {
            "client": credentials.client,
            "client_id": credentials.client_id,
            "client_secret": credentials.client_secret,
            "token_url": request.build_absolute_uri(reverse("oauth_token")),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def clients(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Act.VIEW, Subject.MACHINE_CLIENT)
    roles, organizations = directory.grant_options(request.user)
    can_register = bool(roles) and policy.may(request.user, Act.CHANGE, Subject.MACHINE_CLIENT)
    form = ClientForm(
        request.POST or None, roles=roles, organizations=organizations, scopes=all_scopes()
    )
    status = 200
    if request.method == "POST":
        if not can_register:
            raise PermissionDenied
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                credentials = actions.register_client(
                    request.user,
                    name=data["name"],
                    organization=data["organization"],
                    role=data["role"],
                    scopes=data["scopes"],
                    end_date=data["end_date"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return _secret_page(request, credentials)
    registered = (
        policy.visible(request.user, Subject.MACHINE_CLIENT)
        .select_related("application", "organization", "registered_by")
        .order_by("revoked_at", "application__name")
    )
    return render(
        request,
        "accounts/clients.html",
        {"clients": registered, "form": form, "can_register": can_register},
        status=status,
    )


def _client(request: HttpRequest, client_id: Any, act: Act = Act.VIEW) -> MachineClient:
    client: MachineClient = policy.access(request.user, Subject.MACHINE_CLIENT, client_id, act=act)
    return client


@login_required
def client_detail(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client(request, client_id)
    uses = policy.visible(request.user, Subject.AUDIT_LOG).filter(
        object_type="oauth2_provider.accesstoken", detail__client_id=client.application.client_id
    )
    return render(
        request,
        "accounts/client.html",
        {
            "client": client,
            "scopes": [(s, all_scopes().get(s, s)) for s in client.scopes],
            "can_change": policy.can(request.user, Act.CHANGE, Subject.MACHINE_CLIENT, client),
            "uses": uses.order_by("-at", "-pk")[:20],
            "token_url": request.build_absolute_uri(reverse("oauth_token")),
        },
    )


@login_required
@require_POST
def client_secret(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client(request, client_id, act=Act.CHANGE)
    try:
        credentials = actions.new_client_secret(request.user, client)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("accounts:client", client.pk)
    return _secret_page(request, credentials)


@login_required
@require_POST
def client_revoke(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client(request, client_id, act=Act.CHANGE)
    actions.revoke_client(request.user, client)
    messages.success(request, _("The client is revoked: its tokens and secret no longer work."))
    return redirect("accounts:client", client.pk)

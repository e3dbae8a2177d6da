"""Machine clients: OAuth 2.0 client-credentials tokens with scopes (1EdTech security)."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import AccessToken

from proficio.accounts import actions
from proficio.accounts.models import MachineClient
from proficio.accounts.oauth import API_READ, API_WRITE, CASE_READ
from proficio.audit.models import AuditEntry
from proficio.evidence.models import Evidence

TOKEN_URL = "/oauth/token/"


def _basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def _token(client, creds, scope: str | None = None, secret: str | None = None):
    data = {"grant_type": "client_credentials"}
    if scope is not None:
        data["scope"] = scope
    return client.post(
        TOKEN_URL,
        data,
        HTTP_AUTHORIZATION=_basic(creds.client_id, secret or creds.client_secret),
    )


def _bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _register(world, role="district_data_lead", org="riverbend", scopes=(API_READ,), **kw):
    admin = world.user("district.admin")
    return actions.register_client(
        admin,
        name=kw.pop("name", "Gradebook sync"),
        organization=world.org(org),
        role=role,
        scopes=list(scopes),
        **kw,
    )


def test_an_administrator_registers_a_client_and_sees_its_secret_once(world, client):
    client.force_login(world.user("district.admin"))
    response = client.post(
        reverse("accounts:clients"),
        {
            "name": "District warehouse",
            "role": "district_data_lead",
            "organization": world.org("riverbend").pk,
            "scopes": [API_READ, CASE_READ],
        },
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    made = MachineClient.objects.get(application__name="District warehouse")
    secret = response.context["client_secret"]
    assert secret
    assert secret in response.content.decode()
    assert made.application.client_secret != secret  # only a hash is kept
    assert made.scopes == sorted([API_READ, CASE_READ])
    assert made.user.memberships.get().role == "district_data_lead"
    assert not made.user.has_usable_password()
    page = client.get(reverse("accounts:client", args=[made.pk]))
    assert secret not in page.content.decode()
    entry = AuditEntry.objects.get(purpose="register machine client", object_id=str(made.pk))
    assert entry.actor_name == "district.admin"
    assert entry.org_path == world.org("riverbend").path


def test_a_client_cannot_be_given_a_role_its_administrator_cannot_grant(world, client):
    client.force_login(world.user("district.admin"))
    response = client.post(
        reverse("accounts:clients"),
        {
            "name": "Too much",
            "role": "system_admin",
            "organization": world.org("riverbend").pk,
            "scopes": [API_READ],
        },
    )
    assert response.status_code == 400
    assert "role" in response.context["form"].errors
    assert not MachineClient.objects.filter(application__name="Too much").exists()


def test_a_token_reads_the_api_as_the_clients_role_and_each_use_is_audited(world, client):
    creds = _register(world)
    answer = _token(client, creds, API_READ)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == API_READ
    token = body["access_token"]

    students = client.get("/api/v1/students", **_bearer(token))
    assert students.status_code == 200
    ids = {s["id"] for s in students.json()}
    assert world.ana.pk in ids
    assert world.cedar_kid.pk in ids
    assert world.lake_kid.pk not in ids  # never another district
    assert client.get(f"/api/v1/students/{world.lake_kid.pk}", **_bearer(token)).status_code == 404
    uses = AuditEntry.objects.filter(object_type="oauth2_provider.accesstoken", purpose="token use")
    assert uses.count() == 2
    first = uses.order_by("pk").first()
    assert first.actor_name == creds.client.user.username
    assert first.route == "GET /api/v1/students"
    assert first.detail["client_id"] == creds.client_id
    assert first.org_path == world.org("riverbend").path
    # Tokens are kept only as checksums.
    assert AccessToken.objects.get(application=creds.client.application).token == ""


def test_a_write_needs_the_write_scope_and_then_acts_as_the_client(world, client):
    target = world.target("MATH.1.2")
    payload = {
        "kind": "quiz",
        "title": "Synced quiz",
        "assessed_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "scores": [{"target": str(target.identifier), "score": 3}],
    }
    url = f"/api/v1/students/{world.ana.pk}/evidence"
    reader = _register(world, role="school_leader", org="maple-ms", name="Reader")
    token = _token(client, reader).json()["access_token"]
    refused = client.post(url, json.dumps(payload), "application/json", **_bearer(token))
    assert refused.status_code == 403
    assert refused.json()["error"] == "insufficient_scope"
    assert API_WRITE in refused.json()["detail"]
    assert 'error="insufficient_scope"' in refused["WWW-Authenticate"]
    assert not Evidence.objects.filter(title="Synced quiz").exists()
    assert AuditEntry.objects.filter(purpose="token refused: missing scope").count() == 1

    writer = _register(
        world, role="school_leader", org="maple-ms", name="Writer", scopes=(API_READ, API_WRITE)
    )
    token = _token(client, writer).json()["access_token"]
    made = client.post(url, json.dumps(payload), "application/json", **_bearer(token))
    assert made.status_code == 201, made.content
    evidence = Evidence.objects.get(title="Synced quiz")
    assert evidence.scorer == writer.client.user
    assert AuditEntry.objects.filter(
        object_type="evidence.evidence", actor_name=writer.client.user.username
    ).exists()


@pytest.mark.parametrize(
    "token", ["not-a-token", "", "expired"], ids=["unknown", "empty", "expired"]
)
def test_a_bad_token_is_a_401_with_a_clear_body(world, client, token):
    if token == "expired":
        creds = _register(world)
        token = _token(client, creds).json()["access_token"]
        AccessToken.objects.update(expires=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/api/v1/students", **_bearer(token))
    assert response.status_code == 401
    assert response.json() == {
        "detail": "The access token is not valid or has expired. Request a new one from "
        "/oauth/token/ with your client credentials.",
        "error": "invalid_token",
    }
    assert response["WWW-Authenticate"] == 'Bearer realm="proficio", error="invalid_token"'
    assert not AuditEntry.objects.filter(object_type="oauth2_provider.accesstoken").exists()


def test_the_token_endpoint_refuses_a_scope_not_granted_and_a_wrong_secret(world, client):
    creds = _register(world)
    asked = _token(client, creds, f"{API_READ} {API_WRITE}")
    assert asked.status_code == 400
    assert asked.json()["error"] == "invalid_scope"
    wrong = _token(client, creds, API_READ, secret="wrong-secret")
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    assert not AccessToken.objects.exists()


def test_a_new_secret_stops_the_old_one_and_its_tokens(world, client):
    creds = _register(world)
    token = _token(client, creds).json()["access_token"]
    fresh = actions.new_client_secret(world.user("district.admin"), creds.client)
    assert client.get("/api/v1/students", **_bearer(token)).status_code == 401
    assert _token(client, creds).status_code == 401
    assert _token(client, fresh).status_code == 200


def test_revoking_stops_the_client_for_good(world, client):
    creds = _register(world)
    token = _token(client, creds).json()["access_token"]
    actions.revoke_client(world.user("district.admin"), creds.client)
    creds.client.refresh_from_db()
    assert not creds.client.is_active
    assert not creds.client.user.is_active
    assert creds.client.user.memberships.get().end_date == timezone.localdate()
    assert client.get("/api/v1/students", **_bearer(token)).status_code == 401
    assert _token(client, creds).status_code == 401
    with pytest.raises(Exception, match="revoked"):
        actions.new_client_secret(world.user("district.admin"), creds.client)


def test_sessions_still_work_beside_tokens(world, client):
    client.force_login(world.user("rivera"))
    assert client.get("/api/v1/me").json()["username"] == "rivera"
    client.logout()
    assert client.get("/api/v1/me").status_code == 401


def test_the_case_provider_takes_case_scoped_tokens_when_not_public(world, client, settings):
    settings.PROFICIO_CASE_PUBLIC = False
    url = "/ims/case/v1p1/CFDocuments"
    anonymous = client.get(url)  # anonymous: nothing readable (the spec's 404)
    assert anonymous.status_code == 404
    assert "CFDocuments" not in anonymous.json()
    without = _token(client, _register(world, name="No CASE")).json()["access_token"]
    refused = client.get(url, **_bearer(without))
    assert refused.status_code == 403
    assert "imsx_codeMajor" in refused.json()
    with_case = _register(world, name="CASE reader", scopes=(API_READ, CASE_READ))
    token = _token(client, with_case).json()["access_token"]
    titles = {d["title"] for d in client.get(url, **_bearer(token)).json()["CFDocuments"]}
    assert world.district_framework.title in titles
    assert "Lakeside draft" not in titles
    assert client.get(url, **_bearer("nonsense")).status_code == 401


def test_the_gradebook_export_takes_gradebook_scoped_tokens(world, client):
    from proficio.accounts.oauth import GRADEBOOK_READ

    url = reverse("classroom:gradebook_section", args=[world.rivera_section.pk])
    sis = _register(world, role="district_admin", name="SIS", scopes=(GRADEBOOK_READ,))
    token = _token(client, sis).json()["access_token"]
    export = client.get(url, **_bearer(token))
    assert export.status_code == 200
    assert export["Content-Type"] == "application/zip"
    use = AuditEntry.objects.get(object_type="oauth2_provider.accesstoken", purpose="token use")
    assert use.route == f"GET {url}"
    assert use.actor_name == sis.client.user.username
    # The same client, another district's class: the policy's 404.
    lake = reverse("classroom:gradebook_section", args=[world.lake_section.pk])
    assert client.get(lake, **_bearer(token)).status_code == 404
    # A token without the gradebook scope, a bad token, and no token at all.
    reader = _token(client, _register(world, name="Reader")).json()["access_token"]
    refused = client.get(url, **_bearer(reader))
    assert refused.status_code == 403
    assert refused.json()["error"] == "insufficient_scope"
    assert client.get(url, **_bearer("nonsense")).json()["error"] == "invalid_token"
    assert client.get(url).status_code == 302  # a person: to the login page

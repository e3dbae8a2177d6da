"""Issuing through the actions, verifying through the pages and the API, with every
credential the suite issues checked again by the independent verifier under node."""

from __future__ import annotations

import base64
import json

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.test import override_settings
from django.urls import reverse

from proficio.audit.context import acting
from proficio.audit.models import AuditEntry
from proficio.core.credentials import did, vc_jwt
from proficio.credentials import actions, keys, publish
from proficio.credentials.levels import levels_reached
from proficio.credentials.models import (
    CredentialKind,
    IssuedCredential,
    IssuerKey,
)
from tests.core.credentials_support import FIXTURES, needs_fixtures
from tests.independent_verifier import independently_verify

pytestmark = [pytest.mark.django_db, needs_fixtures]


def node_check(*credentials: IssuedCredential) -> dict:
    """Every given credential through @digitalbazaar/vc (or jose), with the status lists
    and DID documents this deployment publishes."""
    documents = {}
    for c in credentials:
        if c.status_list is not None:
            url = publish.status_list_url(c.status_list)
            documents[url] = publish.status_list_by_url(url)
        if c.key.did.startswith("did:web"):
            documents[c.key.did] = publish.did_document(c.key.did)
    items = [
        (str(c.uuid), json.loads(c.content) if c.format == "di" else c.content) for c in credentials
    ]
    return independently_verify(items, documents=documents)


def api_verify(client, body, content_type="application/json"):
    response = client.post(reverse("api:credentials_verify"), body, content_type=content_type)
    assert response.status_code == 200
    return response.json()


def test_world_credentials_verify_here_and_independently(world, client):
    creds = [world.ana_credential, world.cedar_credential, world.lake_credential]
    results = node_check(*creds)
    assert all(r["verified"] for r in results.values()), results
    verdict = api_verify(client, world.ana_credential.content)
    assert verdict["status"] == "valid", verdict
    issuer = next(c for c in verdict["checks"] if c["aspect"] == "issuer")
    assert issuer["message"].startswith("Issued by Riverbend Unified")
    # Keys are kept encrypted: the stored text is not the raw secret.
    key = world.ana_credential.key
    assert bytes(key.public_key) not in key.encrypted_secret.encode()
    assert len(keys.unseal(key.encrypted_secret)) == 32


def test_level_credentials_only_when_the_district_turns_them_on(world, system, ana_reaches_level):
    assert actions.issue_level_credentials(system, world.ana) == []
    reached = levels_reached(world.ana)
    assert [(r.competency.human_coding_scheme, r.level.position) for r in reached] == [
        ("MATH.1", 1)
    ]
    actions.set_credential_settings(system, world.org("riverbend"), issue_level_credentials=True)
    issued = actions.issue_level_credentials(system, world.ana)
    assert len(issued) == 1
    assert actions.issue_level_credentials(system, world.ana) == []  # never twice
    document = json.loads(issued[0].content)
    achievement = document["credentialSubject"]["achievement"]
    competency = reached[0].competency
    assert achievement["alignment"][0]["targetType"] == "CFItem"
    assert achievement["alignment"][0]["targetUrl"] == competency.uri
    assert achievement["achievementType"] == "Competency"
    assert "Ana" not in issued[0].content  # the credential names a hashed id, not a name
    assert node_check(issued[0])[str(issued[0].uuid)]["verified"]


def test_turning_on_issues_for_the_district(
    world, system, ana_reaches_level, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_credential_settings(
            system, world.org("riverbend"), issue_level_credentials=True
        )
    issued = IssuedCredential.objects.filter(student=world.ana, kind=CredentialKind.LEVEL).exclude(
        subject_key__startswith="world:"
    )
    assert issued.count() == 1
    assert node_check(issued.get())[str(issued.get().uuid)]["verified"]
    with pytest.raises(ValidationError):
        actions.set_credential_settings(system, world.org("maple-ms"), issue_level_credentials=True)
    with pytest.raises(PermissionDenied):
        actions.set_credential_settings(
            world.user("principal"), world.org("riverbend"), issue_level_credentials=False
        )


def test_revocation_shows_on_the_verify_page_the_api_and_independently(world, client):
    credential = world.ana_credential
    page = client.post(reverse("credentials:verify"), {"credential": credential.content})
    assert page.status_code == 200
    assert "is genuine and in force" in page.content.decode()
    with pytest.raises(ValidationError):
        actions.revoke_credential(world.user("principal"), credential, reason="  ")
    with pytest.raises(PermissionDenied):
        actions.revoke_credential(world.user("rivera"), credential, reason="Wrong student")
    actions.revoke_credential(
        world.user("principal"), credential, reason="Issued to the wrong student"
    )
    page = client.post(reverse("credentials:verify"), {"credential": credential.content})
    text = page.content.decode()
    assert "Revoked: the issuer has withdrawn this credential." in text
    assert api_verify(client, credential.content)["status"] == "revoked"
    result = node_check(IssuedCredential.objects.get(pk=credential.pk))[str(credential.uuid)]
    assert not result["verified"]
    assert "revoked" in " ".join(result["errors"])
    with pytest.raises(ValidationError):
        actions.revoke_credential(world.user("principal"), credential, reason="again")


def test_correcting_revokes_and_reissues_with_a_reason_the_student_sees(
    world, client, system, levels_on, ana_reaches_level
):
    (first,) = actions.issue_level_credentials(system, world.ana)
    fresh = actions.correct_credential(
        world.user("principal"), first, reason="The level statement was corrected."
    )
    assert fresh is not None
    assert fresh.subject_key == first.subject_key
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert first.replaced_by == fresh
    client.force_login(world.user("ana"))
    page = client.get(reverse("credentials:wallet")).content.decode()
    assert "The level statement was corrected." in page
    assert "A corrected credential replaces it." in page
    results = node_check(first, fresh)
    assert not results[str(first.uuid)]["verified"]
    assert results[str(fresh.uuid)]["verified"]
    # A credential of no level (the world's) is only revoked.
    assert (
        actions.correct_credential(world.user("principal"), world.ana_credential, reason="x")
        is None
    )


def test_correcting_a_level_no_longer_reached_only_revokes(
    world, system, levels_on, ana_reaches_level
):
    from proficio.mastery import actions as mastery

    (first,) = actions.issue_level_credentials(system, world.ana)
    target = ana_reaches_level[0]
    with acting(world.user("rivera"), route="tests: override"):
        mastery.override_determination(
            world.user("rivera"),
            world.ana,
            target,
            level_value=1.0,
            rationale="Scored in error on the task",
        )
    assert levels_reached(world.ana) == []
    assert (
        actions.correct_credential(world.user("principal"), first, reason="Scored in error") is None
    )


def test_key_rotation_keeps_old_credentials_verifiable(world, client, system):
    old = world.ana_credential
    with pytest.raises(PermissionDenied):
        actions.rotate_issuer_key(world.user("principal"), world.org("riverbend"))
    new_key = actions.rotate_issuer_key(world.user("district.admin"), world.org("riverbend"))
    assert new_key.pk != old.key_id
    newer = actions.issue_credential(
        system,
        world.ben,
        kind=CredentialKind.LEVEL,
        subject_key="test:rotation",
        achievement=__import__("tests.world_credentials", fromlist=["x"]).achievement("after"),
    )
    assert newer.key == new_key
    verdict = api_verify(client, old.content)
    assert verdict["status"] == "valid"
    assert (
        "since replaced" in next(c for c in verdict["checks"] if c["aspect"] == "issuer")["message"]
    )
    assert api_verify(client, newer.content)["status"] == "valid"
    results = node_check(old, newer)
    assert all(r["verified"] for r in results.values()), results


@override_settings(
    PROFICIO_CREDENTIALS_DOMAIN="school.test", PROFICIO_CREDENTIALS_ROOT_ISSUER="riverbend"
)
def test_did_web_published_at_well_known_with_every_key(world, client, system):
    first = actions.rotate_issuer_key(world.user("district.admin"), world.org("riverbend"))
    assert first.did == "did:web:school.test"
    second = actions.rotate_issuer_key(world.user("district.admin"), world.org("riverbend"))
    document = client.get("/.well-known/did.json").json()
    assert document["id"] == "did:web:school.test"
    assert document["assertionMethod"] == [first.verification_method, second.verification_method]
    assert did.key_from_document(document, first.verification_method) == bytes(first.public_key)
    lake_key = actions.rotate_issuer_key(world.user("admin"), world.org("lakeside"))
    assert lake_key.did == "did:web:school.test:credentials:lakeside"
    assert client.get("/credentials/lakeside/did.json").json()["id"] == lake_key.did
    credential = actions.issue_credential(
        system,
        world.ana,
        kind=CredentialKind.LEVEL,
        subject_key="test:did-web",
        achievement=__import__("tests.world_credentials", fromlist=["x"]).achievement("web"),
    )
    assert json.loads(credential.content)["issuer"]["id"] == "did:web:school.test"
    assert json.loads(credential.content)["credentialStatus"]["statusListCredential"].startswith(
        "https://school.test/credentials/status/"
    )
    assert node_check(credential)[str(credential.uuid)]["verified"]
    assert api_verify(client, credential.content)["status"] == "valid"


def test_clr_transcript_signed_as_vc_jwt_with_nested_credentials(world, client, system):
    extra = actions.issue_credential(
        system,
        world.ana,
        kind=CredentialKind.LEVEL,
        subject_key="test:clr",
        achievement=__import__("tests.world_credentials", fromlist=["x"]).achievement("second"),
    )
    clr = actions.issue_clr(
        system,
        world.ana,
        name="Ana's competency record",
        credentials=IssuedCredential.objects.filter(student=world.ana),
        subject_key="clr:test",
    )
    parsed = vc_jwt.parse(clr.content)
    assert parsed.header["alg"] == "EdDSA"
    assert parsed.header["kid"] == clr.key.verification_method
    inner = parsed.credential["credentialSubject"]["verifiableCredential"]
    assert {c["id"].rsplit("/", 1)[1] for c in inner} == {
        str(world.ana_credential.uuid),
        str(extra.uuid),
    }
    verdict = api_verify(client, clr.content, content_type="text/plain")
    assert verdict["status"] == "valid", verdict
    assert verdict["kind"] == "clr2"
    assert [n["status"] for n in verdict["nested"]] == ["valid", "valid"]
    result = node_check(clr)[str(clr.uuid)]
    assert result["verified"], result
    assert result["nested"] == 2
    with pytest.raises(ValidationError):
        actions.issue_clr(
            system, world.ben, name="x", credentials=[world.ana_credential], subject_key="y"
        )


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("ob3/credentials/simple.json", "valid"),
        ("clr2/simple.json", "valid"),
        ("clr2/simple.jwt", "valid"),
        ("ob3/credentials/simple-err-proof-value.json", "invalid"),
        ("ob3/credentials/simple-err-expired.json", "expired"),
    ],
)
def test_verify_page_with_uploaded_samples(client, name, status):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = (FIXTURES / name).read_bytes()
    page = client.post(reverse("credentials:verify"), {"file": SimpleUploadedFile("c", data)})
    assert page.status_code == 200
    assert f'class="verdict verdict-{status}"' in page.content.decode()


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"x" * (3 * 1024 * 1024), "are refused"),
        (b"\x89PNG\r\n\x1a\n", "no end marker"),
        (
            b'{"@context": ["https://www.w3.org/ns/credentials/v2", "https://evil.example/c"], '
            b'"type": ["VerifiableCredential", "AchievementCredential"], "proof": {}}',
            "does not hold",
        ),
        (
            b"eyJhbGciOiJub25lIn0."
            + base64.urlsafe_b64encode(
                json.dumps(
                    {
                        "vc": {
                            "@context": ["https://www.w3.org/ns/credentials/v2"],
                            "type": ["VerifiableCredential", "AchievementCredential"],
                        }
                    }
                ).encode()
            ).rstrip(b"=")
            + b".",
            "algorithm 'none'",
        ),
    ],
)
def test_bad_input_gets_a_plain_verdict_not_a_500(client, body, words):
    from django.core.files.uploadedfile import SimpleUploadedFile

    verdict = client.post(
        reverse("api:credentials_verify"), {"file": SimpleUploadedFile("x.bin", body)}
    ).json()
    assert verdict["status"] == "invalid"
    assert words in json.dumps(verdict)
    page = client.post(reverse("credentials:verify"), {"file": SimpleUploadedFile("x.bin", body)})
    assert page.status_code == 200
    assert "Not valid" in page.content.decode()


def test_api_takes_a_form_field_and_a_too_large_body(client):
    verdict = client.post(reverse("api:credentials_verify"), {"credential": "{}"}).json()
    assert "first @context" in json.dumps(verdict)
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10):
        verdict = client.post(reverse("api:credentials_verify"), {"credential": "{" * 100}).json()
    assert "are refused" in json.dumps(verdict)
    page = client.post(reverse("credentials:verify"), {})
    assert page.status_code == 200
    assert "Nothing was given" in page.content.decode()


def test_wallet_lists_and_downloads_everything(world, client):
    client.force_login(world.user("ana"))
    page = client.get(reverse("credentials:wallet")).content.decode()
    assert "ana_credential" in page
    bundle = client.get(reverse("credentials:wallet_download")).json()
    assert [c["name"] for c in bundle["credentials"]] == ["ana_credential"]
    assert bundle["credentials"][0]["credential"]["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    one = client.get(reverse("credentials:download", args=[world.ana_credential.uuid]))
    assert one["Content-Type"] == "application/json"
    assert json.loads(one.content)["id"].endswith(str(world.ana_credential.uuid))
    before = AuditEntry.objects.filter(
        student_id=world.ana.pk, purpose="credential download"
    ).count()
    client.force_login(world.user("principal"))
    client.get(reverse("credentials:download", args=[world.ana_credential.uuid]))
    after = AuditEntry.objects.filter(
        student_id=world.ana.pk, purpose="credential download"
    ).count()
    assert after == before + 1


def test_leader_page_revokes_with_a_reason(world, client):
    client.force_login(world.user("principal"))
    page = client.get(reverse("credentials:student", args=[world.ana.pk])).content.decode()
    assert "Correct (revoke and reissue)" in page
    client.post(
        reverse("credentials:change", args=[world.ana_credential.uuid, "revoke"]),
        {"reason": "Issued by mistake"},
    )
    world.ana_credential.refresh_from_db()
    assert world.ana_credential.revocation_reason == "Issued by mistake"
    page = client.get(reverse("credentials:student", args=[world.ana.pk])).content.decode()
    assert "Issued by mistake" in page


def test_district_page_turns_on_and_rotates(world, client):
    client.force_login(world.user("district.admin"))
    url = reverse("credentials:district", args=[world.org("riverbend").pk])
    assert client.post(url, {"issue_level_credentials": "on"}).status_code == 302
    assert actions.level_credentials_on(world.org("riverbend"))
    before = IssuerKey.objects.filter(organization=world.org("riverbend")).count()
    client.post(url, {"rotate": "1"})
    page = client.get(url).content.decode()
    assert IssuerKey.objects.filter(organization=world.org("riverbend")).count() == before + 1
    assert page.count("<code>") == before + 1


def test_a_wrong_encryption_key_is_refused_in_words(world):
    with (
        override_settings(PROFICIO_CREDENTIALS_KEY="bm90LWEtZmVybmV0LWtleQ=="),
        pytest.raises(ImproperlyConfigured, match="Fernet key"),
    ):
        keys.seal(b"x")
    other = "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE="
    with (
        override_settings(PROFICIO_CREDENTIALS_KEY=other),
        pytest.raises(ImproperlyConfigured, match="cannot be decrypted"),
    ):
        keys.unseal(world.ana_credential.key.encrypted_secret)


def test_demo_key_file_is_generated_once(tmp_path):
    path = tmp_path / "var" / "credentials.key"
    with override_settings(PROFICIO_CREDENTIALS_KEY="", PROFICIO_CREDENTIALS_KEY_FILE=path):
        sealed = keys.seal(b"secret")
        assert path.stat().st_mode & 0o777 == 0o600
        assert keys.unseal(sealed) == b"secret"

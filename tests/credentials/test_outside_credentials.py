"""A credential earned outside school: verified, then proposed as evidence for the CASE
item it aligns to (through the student-submitted evidence flow), or refused with why."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from proficio.audit.context import acting
from proficio.core.credentials import baked, data_integrity, did, ob3
from proficio.credentials import actions
from proficio.credentials.models import OutsideCredential
from proficio.credentials.trust import contexts
from proficio.evidence import actions as evidence_actions
from proficio.evidence.models import Evidence, EvidenceStatus
from tests.core.credentials_support import keypair, needs_fixtures
from tests.independent_verifier import independently_verify

pytestmark = [pytest.mark.django_db, needs_fixtures]


def outside_badge(target_uri: str, *, name: str = "Library coding club: counting") -> dict:
    """A badge from a partner that knows our framework: signed with its own did:key."""
    secret, public = keypair(21)
    now = timezone.now()
    unsigned = ob3.achievement_credential(
        ob3.CredentialMeta(
            "urn:uuid:9d1e0000-0000-4000-8000-000000000021", name, now - dt.timedelta(days=2)
        ),
        ob3.Issuer(did.did_key(public), "Riverbend Public Library"),
        ob3.Recipient(
            "urn:uuid:9d1e0000-0000-4000-8000-000000000022",
            "ana@example.org",
            "pepper",
            "emailAddress",
        ),
        ob3.Achievement(
            id="https://library.example/badges/counting",
            name=name,
            description="Counted and compared numbers to 120 in club projects.",
            criteria="Completed three club projects.",
            alignments=[ob3.CaseAlignment(target_uri, "Counting", "MATH.1.1")],
        ),
    )
    return data_integrity.sign(
        unsigned,
        secret=secret,
        verification_method=did.did_key_method(public),
        created=now - dt.timedelta(days=2),
        contexts=contexts(),
    )


def test_aligned_credential_becomes_proposed_evidence(world):
    target = world.target("MATH.1.1")
    badge = outside_badge(target.uri)
    assert independently_verify([("badge", badge)])["badge"]["verified"]
    ana = world.user("ana")
    with acting(ana, route="tests: outside"):
        record = actions.present_outside_credential(
            ana, world.ana, data=json.dumps(badge).encode(), filename="badge.json"
        )
    assert record.target == target
    evidence = record.evidence
    assert evidence.status == EvidenceStatus.SUBMITTED
    assert evidence.submitted_by == ana
    assert evidence.partner_organization == "Riverbend Public Library"
    assert "is genuine and in force" in evidence.description
    assert evidence.verifier == "Verified by Proficio (valid)"
    assert evidence.scores.get().target == target
    artifact = evidence.artifacts.get()
    assert artifact.content_type == "text/plain"
    with artifact.file.open("rb") as kept:  # the same credential, as text with no markup
        assert json.loads(kept.read()) == badge
    # The educator's existing review accepts it, and then it counts.
    with acting(world.user("rivera"), route="tests: review"):
        evidence_actions.accept_evidence(world.user("rivera"), evidence)
    assert Evidence.objects.get(pk=evidence.pk).status == EvidenceStatus.ACCEPTED


def test_baked_badge_without_alignment_is_kept_not_proposed(world, client):
    badge = outside_badge("https://elsewhere.example/case/items/1", name="Chess club")
    image = io.BytesIO()
    Image.new("RGB", (4, 4), "teal").save(image, "PNG")  # a real PNG, from Pillow
    png = baked.bake_png(image.getvalue(), json.dumps(badge))
    client.force_login(world.user("ana"))
    response = client.post(
        reverse("credentials:outside"), {"file": SimpleUploadedFile("badge.png", png)}
    )
    assert response.status_code == 302
    record = OutsideCredential.objects.get(student=world.ana)
    assert record.name == "Chess club"
    assert record.evidence is None
    assert json.loads(record.content)["proof"] == badge["proof"]  # kept, unbaked
    page = client.get(reverse("credentials:wallet")).content.decode()
    assert "Chess club" in page
    assert "None of our learning targets" in page


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda b: b["credentialSubject"]["achievement"].update(name="Forged"), "does not match"),
        (lambda b: b.update(validUntil="2020-01-01T00:00:00Z"), "expired on 2020-01-01"),
        (lambda b: b.pop("proof"), "not signed"),
    ],
)
def test_unverifiable_credentials_are_refused_with_the_reason(world, client, change, words):
    badge = outside_badge(world.target("MATH.1.1").uri)
    change(badge)
    before = Evidence.objects.filter(student=world.ana).count()
    client.force_login(world.user("ana"))
    response = client.post(
        reverse("credentials:outside"),
        {"file": SimpleUploadedFile("badge.json", json.dumps(badge).encode())},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "This credential could not be verified." in text
    assert words in text
    assert Evidence.objects.filter(student=world.ana).count() == before
    assert not OutsideCredential.objects.filter(student=world.ana).exists()


def test_only_the_student_presents_their_own(world):
    badge = json.dumps(outside_badge(world.target("MATH.1.1").uri)).encode()
    with pytest.raises(PermissionDenied):
        actions.present_outside_credential(
            world.user("rivera"), world.ana, data=badge, filename="b"
        )
    with pytest.raises(PermissionDenied):
        actions.present_outside_credential(world.user("ana"), world.ben, data=badge, filename="b")
    with pytest.raises(ValidationError):
        actions.present_outside_credential(
            world.user("ana"), world.ana, data=b"x" * (3 << 20), filename="b"
        )

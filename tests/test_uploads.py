"""Uploads (issue 11, section 5): sizes are limited while the body streams in, a stored file
is named after its detected type, text is taken only as a text file, and a portfolio link
opens through a page that shows where it leads."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http.multipartparser import MultiPartParser
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse
from django.utils import timezone

from proficio.evidence import actions as evidence
from proficio.evidence.models import MAX_ARTIFACT_BYTES, Artifact
from proficio.uploads import LimitedUploadHandler, OversizedUpload

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _parse(body: bytes, handlers):
    meta = {"CONTENT_TYPE": MULTIPART_CONTENT, "CONTENT_LENGTH": str(len(body))}
    return MultiPartParser(meta, io.BytesIO(body), handlers, "utf-8").parse()


def test_a_file_past_the_limit_is_dropped_as_it_streams(settings):
    from django.core.files.uploadhandler import MemoryFileUploadHandler

    settings.PROFICIO_MAX_UPLOAD_BYTES = 100_000
    settings.PROFICIO_MAX_REQUEST_BYTES = 10_000_000
    seen = []

    class Counting(MemoryFileUploadHandler):
        def receive_data_chunk(self, raw_data, start):
            seen.append(len(raw_data))
            return super().receive_data_chunk(raw_data, start)

    big = b"x" * 1_000_000
    body = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile("big.txt", big), "a": "1"})
    post, files = _parse(body, [LimitedUploadHandler(), Counting()])
    upload = files["file"]
    assert isinstance(upload, OversizedUpload)
    assert upload.size == len(big)
    assert upload.read() == b""
    assert sum(seen) <= 100_000, "nothing past the limit reached the next handler"
    assert post["a"] == "1", "the fields after the file are still read"


def test_a_file_within_the_limit_arrives_whole(settings):
    from django.core.files.uploadhandler import MemoryFileUploadHandler

    settings.PROFICIO_MAX_UPLOAD_BYTES = 100_000
    body = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile("a.png", PNG)})
    _, files = _parse(body, [LimitedUploadHandler(), MemoryFileUploadHandler()])
    assert not isinstance(files["file"], OversizedUpload)
    assert files["file"].read() == PNG


def test_a_request_declared_too_large_is_refused_before_reading(settings):
    settings.PROFICIO_MAX_REQUEST_BYTES = 1000
    body = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile("a.txt", b"y" * 5000)})
    with pytest.raises(RequestDataTooBig):
        _parse(body, [LimitedUploadHandler()])


def test_an_oversized_upload_is_refused_by_its_size_naming_the_file():
    huge = OversizedUpload("film.mp4", "video/mp4", MAX_ARTIFACT_BYTES * 5, None)
    with pytest.raises(ValidationError) as caught:
        evidence.check_upload(huge)
    assert caught.value.message_dict["file"] == ["film.mp4 is larger than 20 MB."]


def test_an_oversized_post_to_the_api_is_a_413_json(world, client, settings):
    settings.PROFICIO_MAX_REQUEST_BYTES = 1000
    client.force_login(world.user("district.admin"))
    package = SimpleUploadedFile("p.json", b"{" + b" " * 5000 + b"}")
    response = client.post("/api/v1/frameworks/imports", {"file": package})
    assert response.status_code == 413
    assert response.json() == {"detail": "The request is too large."}


@pytest.mark.parametrize(
    ("name", "content", "refusal"),
    [
        ("page.html", b"<!DOCTYPE html><script>alert(1)</script>", "plain-text (.txt)"),
        ("notes.txt", b"hello <script>alert(1)</script>", "plain-text (.txt)"),
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "plain-text (.txt)"),
        ("image.png", b"just words, not a picture", "plain-text (.txt)"),
        ("notes.txt", b"nul\x00byte", "plain-text (.txt)"),
        ("notes.txt", b"fine start " * 1000 + b"\xff\xfe broken", "plain-text (.txt)"),
        ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00\xff\xff", "not a file type we accept"),
    ],
)
def test_text_is_taken_only_as_a_text_file(name, content, refusal):
    with pytest.raises(ValidationError) as caught:
        evidence.check_upload(SimpleUploadedFile(name, content))
    assert refusal in caught.value.message_dict["file"][0]
    assert name in caught.value.message_dict["file"][0]


def test_plain_text_with_accents_is_taken():
    text = ("Mis notas: fracción, ñandú. " * 400).encode()  # a multi-byte char at byte 4096
    assert evidence.check_upload(SimpleUploadedFile("notas.txt", text)) == "text/plain"


def _evidence(world):
    return evidence.record_evidence(
        world.user("rivera"),
        student=world.ana,
        kind="project",
        title="Upload test",
        assessed_at=timezone.now() - timezone.timedelta(days=1),
        scores=[evidence.ScoreInput(world.target("MATH.1.2"), 3)],
    )


def test_a_stored_file_is_named_after_its_detected_type(world, client):
    work = _evidence(world)
    made = evidence.attach_artifact(
        world.user("rivera"), work, upload=SimpleUploadedFile("essay.txt", PNG)
    )
    assert made.content_type == "image/png"
    assert made.file.name.endswith(f"{work.uuid}.png")
    assert made.download_name == "essay.png"
    client.force_login(world.user("rivera"))
    response = client.get(reverse("evidence:artifact", args=[made.pk]))
    assert response["Content-Type"] == "image/png"
    assert 'filename="essay.png"' in response["Content-Disposition"]


def test_a_portfolio_link_opens_through_a_page_not_a_redirect(world, client):
    work = _evidence(world)
    made = evidence.attach_artifact(
        world.user("rivera"), work, url="https://example.org/my-robot?x=1&y=2"
    )
    client.force_login(world.user("garcia.family"))
    response = client.get(reverse("evidence:artifact", args=[made.pk]))
    assert response.status_code == 200
    assert "Location" not in response
    html = response.content.decode()
    assert "https://example.org/my-robot?x=1&amp;y=2" in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "Proficio does not control" in html


def test_a_named_link_shows_its_name_and_its_address(world, client):
    work = _evidence(world)
    made = evidence.attach_artifact(
        world.user("rivera"), work, url="https://example.org/robot", name="Robot video"
    )
    client.force_login(world.user("ana"))
    html = client.get(reverse("evidence:artifact", args=[made.pk])).content.decode()
    assert "“Robot video” is a link to another website" in html
    assert "<code>https://example.org/robot</code>" in html


def test_a_link_that_is_not_a_web_address_is_shown_not_linked(world, client):
    work = _evidence(world)
    made = evidence.attach_artifact(
        world.user("rivera"), work, url="ftp://files.example.org/robot.zip"
    )
    client.force_login(world.user("rivera"))
    html = client.get(reverse("evidence:artifact", args=[made.pk])).content.decode()
    assert "ftp://files.example.org/robot.zip" in html
    assert 'href="ftp:' not in html
    assert "Only web addresses" in html


def test_a_script_link_cannot_be_attached(world):
    work = _evidence(world)
    with pytest.raises(ValidationError):
        evidence.attach_artifact(world.user("rivera"), work, url="javascript:alert(1)")
    assert not Artifact.objects.filter(evidence=work).exists()

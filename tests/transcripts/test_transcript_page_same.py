"""The student's transcript page says what it said before its reads were made faster: the
page as served, compared with the same page served on the previous standings read (kept
in ``tests/learners/reference_competencies.py``), in English and in Spanish, for the
student (who may open the evidence and share) and for her counselor."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from proficio.transcripts import transcript
from tests.learners.reference_competencies import competencies as reference

pytestmark = pytest.mark.django_db

# The CSRF token is masked afresh on each page, and a share link's address is signed with
# the second it is shown.
_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
_SHARED = re.compile(r"/shared/[^/\"]+/")


def _page(client: Client, address: str) -> str:
    response = client.get(address)
    assert response.status_code == 200
    return _SHARED.sub("/shared/link/", _TOKEN.sub("csrf", response.content.decode()))


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("reader", ["ana", "counselor"])
def test_the_page_is_the_same_on_the_previous_read(
    world, ana_reaches_level, monkeypatch, language, reader
):
    client = Client()
    client.force_login(world.user(reader))
    client.cookies["django_language"] = language
    address = reverse("transcripts:student", args=[world.ana.pk])
    now = _page(client, address)
    monkeypatch.setattr(transcript, "competencies", reference)
    before = _page(client, address)
    assert now == before
    # Not an empty comparison: levels reached, evidence links, the reader's language.
    assert 'class="evidence-links"' in now
    assert "<time datetime=" in now
    assert ("Expediente de competencias" in now) == (language == "es")

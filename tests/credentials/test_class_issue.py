"""A graduating class issued in chunks: the credentials signed over worker processes are
the same genuine credentials (checked again by the independent verifier under node), each
written with its own audit entry and its own status bit, and running again adds nothing."""

from __future__ import annotations

import json
import os

import pytest
from django.db import transaction

from proficio import progress
from proficio.audit.models import AuditAction, AuditEntry
from proficio.core.credentials import status_list
from proficio.credentials import actions, signing
from proficio.credentials.levels import levels_reached
from proficio.credentials.models import CredentialKind, IssuedCredential, StatusList
from proficio.transcripts import actions as transcripts
from proficio.transcripts.models import ClassIssue
from tests.core.credentials_support import needs_fixtures
from tests.credentials.test_issue_and_verify import node_check

pytestmark = [pytest.mark.django_db, needs_fixtures]


def start(system, world, django_capture_on_commit_callbacks) -> ClassIssue:
    """The job as the district administrator's button makes it (its task not yet run)."""
    with django_capture_on_commit_callbacks(execute=False):
        job = transcripts.start_class_issue(
            system, world.org("riverbend"), grade_level=world.ana.grade_level
        )
    return ClassIssue.objects.select_related("district").get(pk=job.pk)


def test_class_signed_over_two_processes_verifies_and_is_audited(
    world, system, ana_reaches_level, django_capture_on_commit_callbacks, monkeypatch
):
    held = set(IssuedCredential.objects.values_list("pk", flat=True))
    job = start(system, world, django_capture_on_commit_callbacks)
    # One student a chunk: each chunk is written while the next one is being signed.
    monkeypatch.setattr(transcripts, "CLASS_CHUNK", 1)
    done = transcripts.run_class_issue(job, processes=2)
    assert job.students > 1
    assert progress.read("class_issue", job.pk) == {
        "done": job.students,
        "total": job.students,
        "stage": "done",
    }
    reached = levels_reached(world.ana)
    assert (done.level_credentials, done.transcripts) == (len(reached), 1)
    issued = list(IssuedCredential.objects.exclude(pk__in=held).order_by("pk"))
    assert {c.student_id for c in issued} == {world.ana.pk}  # no one else reached a level
    levels = [c for c in issued if c.kind == CredentialKind.LEVEL]
    assert sorted(c.subject_key for c in levels) == sorted(r.subject_key for r in reached)
    # Each signed document is the one made for its row (a worker's share came back in order).
    for c in levels:
        assert json.loads(c.content)["id"].endswith(str(c.uuid))
    results = node_check(*issued)
    assert len(results) == len(issued)
    assert all(r["verified"] for r in results.values()), results
    bits = [(c.status_list_id, c.status_index) for c in issued]
    assert len(set(bits)) == len(bits)
    audited = AuditEntry.objects.filter(
        action=AuditAction.CREATE,
        object_type="credentials.issuedcredential",
        object_id__in=[str(c.pk) for c in issued],
    )
    assert sorted(int(e.object_id) for e in audited) == sorted(c.pk for c in issued)
    assert {e.student_id for e in audited} == {world.ana.pk}
    # Again, in this process: nothing new, the same transcript kept.
    again = transcripts.run_class_issue(
        start(system, world, django_capture_on_commit_callbacks), processes=1
    )
    assert again.level_credentials == 0
    assert again.transcripts == 1
    assert list(IssuedCredential.objects.exclude(pk__in=held).order_by("pk")) == issued


def test_batch_skips_what_is_already_held(world, system, ana_reaches_level):
    first = actions.issue_level_credentials(system, world.ana, always=True)
    assert first
    more = actions.issue_level_credentials_for(system, [world.ana, world.ben], always=True)
    assert more == []  # Ana holds hers; Ben has reached nothing


def test_status_bits_run_on_into_a_new_list(world, system):
    org = world.org("riverbend")
    with transaction.atomic():
        key = actions._issuing_key(org)
        full = StatusList.objects.create(organization=org, key=key, size=status_list.MIN_ENTRIES)
        full.next_index = full.size - 1
        full.save(update_fields=["next_index"])
        bits = actions._status_bits(org, key, 3)
    assert bits[0] == (full, full.size - 1)
    assert [index for _, index in bits[1:]] == [0, 1]
    fresh = bits[1][0]
    assert fresh.pk != full.pk
    assert bits[2][0].pk == fresh.pk
    fresh.refresh_from_db()
    assert fresh.next_index == 2


def test_signing_processes_default_to_the_cores_the_worker_may_use(settings):
    settings.PROFICIO_SIGNING_PROCESSES = None
    assert signing.process_count() == len(os.sched_getaffinity(0))
    settings.PROFICIO_SIGNING_PROCESSES = 1
    assert signing.process_count() == 1
    settings.PROFICIO_SIGNING_PROCESSES = 0
    assert signing.process_count() == 1

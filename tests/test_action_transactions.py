"""The write path's fewer queries keep what they replaced (issue 19 section 2).

- ``retry.atomic_action``: an action called inside another joins its transaction without a
  savepoint, an error in it still undoes the whole outer action, and any other atomic
  block in between keeps the savepoint.
- ``audit.log.with_next_write``: the audited read of the student an API write is about is
  logged exactly once, whether the write succeeds (in its audit insert), fails validation
  (rolled back: inserted at the block's end) or never runs.
- ``policy.first_granted`` / ``first_granted_through``: the question is asked in the query
  that finds the object, the answer is the policy's, and a grant is remembered only when
  given.
- ``policy.load_person``: a request's user comes with the policy's view of them, the same
  one ``who`` would build, and a deactivated account's session ends.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from proficio import policy
from proficio.audit import log as audit_log
from proficio.audit.context import acting
from proficio.audit.models import AuditAction, AuditEntry
from proficio.classroom.models import ScoringTask
from proficio.evidence import actions as evidence
from proficio.evidence.models import Evidence
from proficio.mastery.models import Determination
from proficio.orgs.models import Section, Student
from proficio.policy import Act, Subject
from proficio.retry import atomic_action

pytestmark = pytest.mark.django_db


def _savepoints(ctx: CaptureQueriesContext) -> int:
    return sum(1 for q in ctx.captured_queries if q["sql"].startswith("SAVEPOINT"))


def _warm(student: Student, target) -> None:
    """The pair's determination row exists (its first write inserts it in a savepoint)."""
    with acting(None, route="tests: atomic_action"):
        _record(student, target, 2, "warm")


def _record(student: Student, target, score: float, title: str) -> Evidence:
    return evidence.record_evidence(
        policy.SYSTEM,
        student=student,
        kind="quiz",
        title=title,
        assessed_at=timezone.now() - dt.timedelta(hours=1),
        scores=[evidence.ScoreInput(target, score)],
    )


def test_an_action_inside_another_joins_it_without_a_savepoint(world):
    ben, target = world.ben, world.target("MATH.1.1")
    _warm(ben, target)

    @atomic_action
    def outer() -> Evidence:
        return _record(ben, target, 3, "joined")

    with acting(None, route="tests: atomic_action"), CaptureQueriesContext(connection) as ctx:
        made = outer()
    # The outer action's savepoint (inside the test's transaction) and no other.
    assert _savepoints(ctx) == 1
    assert Evidence.objects.filter(pk=made.pk).exists()


def test_an_error_in_the_joined_action_undoes_the_outer_one(world):
    ben, target = world.ben, world.target("MATH.1.1")
    before = Evidence.objects.filter(student=ben).count()

    @atomic_action
    def outer() -> None:
        _record(ben, target, 3, "kept only if both are")
        _record(ben, target, 99, "off the scale")  # refused: ValidationError

    with acting(None, route="tests: atomic_action"), pytest.raises(ValidationError):
        outer()
    # Nothing of either write is kept, and the test's transaction is still usable.
    assert Evidence.objects.filter(student=ben).count() == before


def test_another_atomic_block_in_between_keeps_the_savepoint(world):
    ben, target = world.ben, world.target("MATH.1.1")
    _warm(ben, target)
    before = Evidence.objects.filter(student=ben).count()

    @atomic_action
    def outer() -> int:
        # A block that catches what the inner action raises, and goes on writing.
        with transaction.atomic(), contextlib.suppress(ValidationError):
            _record(ben, target, 99, "off the scale")
        return _record(ben, target, 2, "written after the caught error").pk

    with acting(None, route="tests: atomic_action"), CaptureQueriesContext(connection) as ctx:
        kept = outer()
    assert _savepoints(ctx) == 3  # the outer action, the block, the inner action
    assert Evidence.objects.filter(student=ben).count() == before + 1
    assert Evidence.objects.filter(pk=kept).exists()


def _reads(student: Student, purpose: str) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(student_id=student.pk, action=AuditAction.READ, purpose=purpose)
    )


def _post_evidence(world, score: float):
    client = Client()
    client.force_login(world.user("rivera"))
    body = {
        "kind": "quiz",
        "title": "with the next write",
        "assessed_at": timezone.now().isoformat(),
        "scores": [{"target": str(world.target("MATH.1.1").identifier), "score": score}],
    }
    return client.post(
        f"/api/v1/students/{world.ben.pk}/evidence",
        data=json.dumps(body),
        content_type="application/json",
    )


def test_the_api_write_logs_its_read_once_in_its_own_insert(world):
    ben = world.ben
    with CaptureQueriesContext(connection) as ctx:
        response = _post_evidence(world, 3)
    assert response.status_code == 201, response.content
    reads = _reads(ben, "api: evidence")
    assert len(reads) == 1
    made = Evidence.objects.get(pk=response.json()["id"])
    created = AuditEntry.objects.get(
        action=AuditAction.CREATE, object_type="evidence.evidence", object_id=str(made.pk)
    )
    assert created.student_id == ben.pk
    # One audit insert in the request, holding the read and the write's entries.
    inserts = [
        q["sql"] for q in ctx.captured_queries if 'INSERT INTO "audit_auditentry"' in q["sql"]
    ]
    assert len(inserts) == 1
    assert "api: evidence" in inserts[0]
    assert "evidence.evidence" in inserts[0]
    # The answer shows the determination the write recomputed, as stored.
    shown = response.json()["determinations"]
    assert [d["target_code"] for d in shown] == ["MATH.1.1"]
    stored = Determination.objects.get(student=ben, target=world.target("MATH.1.1"))
    assert shown[0]["evidence_count"] == stored.evidence_count
    assert shown[0]["status"] == stored.status


def test_a_refused_api_write_still_logs_its_read_once(world):
    ben = world.ben
    before = Evidence.objects.filter(student=ben).count()
    response = _post_evidence(world, 99)  # off the scale: the action refuses and rolls back
    assert response.status_code == 400, response.content
    assert Evidence.objects.filter(student=ben).count() == before
    assert len(_reads(ben, "api: evidence")) == 1


def test_waiting_entries_go_in_when_no_action_runs(world):
    ben = world.ben
    with acting(world.user("rivera"), route="tests: waiting"):
        with audit_log.with_next_write():
            audit_log.record_read(ben, purpose="tests: no write")
            assert _reads(ben, "tests: no write") == []  # still waiting
        assert len(_reads(ben, "tests: no write")) == 1


def test_waiting_entries_rolled_back_with_a_write_are_written_again_once(world):
    ben, target = world.ben, world.target("MATH.1.1")
    with acting(world.user("rivera"), route="tests: waiting"):
        with audit_log.with_next_write():
            audit_log.record_read(ben, purpose="tests: refused write")
            with pytest.raises(ValidationError):
                _record(ben, target, 99, "off the scale")
            assert _reads(ben, "tests: refused write") == []
            _record(ben, target, 3, "accepted")  # carries the read in its insert
            assert len(_reads(ben, "tests: refused write")) == 1
        assert len(_reads(ben, "tests: refused write")) == 1


def test_first_granted_answers_as_the_policy_does(world):
    rivera, lake_teacher = world.user("rivera"), world.user("lake.teacher")
    ben = world.ben
    found = Student.objects.filter(pk=ben.pk)
    assert policy.first_granted(rivera, Act.CHANGE, Subject.STUDENT, found) == ben
    assert policy.first_granted(lake_teacher, Act.CHANGE, Subject.STUDENT, found) is None
    assert not policy.can(lake_teacher, Act.CHANGE, Subject.STUDENT, ben)
    task = ScoringTask.objects.get(title="World task")
    tasks = ScoringTask.objects.filter(pk=task.pk)
    got = policy.first_granted_through(rivera, Act.CHANGE, Subject.CLASSROOM, tasks, "section")
    assert got == task
    for outsider in (lake_teacher, world.user("nobody")):
        assert (
            policy.first_granted_through(outsider, Act.CHANGE, Subject.CLASSROOM, tasks, "section")
            is None
        )


def test_a_grant_is_remembered_only_within_a_request_and_only_when_given(world):
    rivera = world.user("rivera")
    ben = world.ben
    token = policy._grants.set(set())
    try:
        policy.first_granted(rivera, Act.CHANGE, Subject.STUDENT, Student.objects.filter(pk=ben.pk))
        with CaptureQueriesContext(connection) as ctx:
            policy.authorize(rivera, Act.CHANGE, Subject.STUDENT, ben)
        assert len(ctx.captured_queries) == 0
        lake = world.lake_kid
        policy.first_granted(
            rivera, Act.CHANGE, Subject.STUDENT, Student.objects.filter(pk=lake.pk)
        )
        with pytest.raises(PermissionDenied):
            policy.authorize(rivera, Act.CHANGE, Subject.STUDENT, lake)
    finally:
        policy._grants.reset(token)


def test_the_autosave_refuses_a_class_out_of_reach_naming_nobody(world):
    client = Client()
    client.force_login(world.user("lake.teacher"))
    section: Section = world.rivera_section
    task = ScoringTask.objects.get(title="World task")
    criterion = task.rubric.criteria.order_by("position", "pk").first()
    response = client.post(
        reverse("classroom:score", args=[section.pk, task.pk]),
        {"student": world.ben.pk, "criterion": criterion.pk, "score": "3", "version": "0"},
    )
    assert response.status_code == 404
    body = response.content.decode()
    for name in (world.ben.legal_family_name, world.ben.legal_given_name, task.title):
        assert name not in body


def test_a_request_user_comes_with_the_policys_view_of_them(world):
    rivera = world.user("rivera")
    loaded = policy.load_person(rivera.pk)
    assert loaded == rivera
    assert loaded.username == "rivera"
    assert loaded.password == rivera.password  # the session's hash is checked against it
    fresh = policy.Who(rivera, timezone.localdate())
    built = policy.who(loaded)
    assert built.roles == fresh.roles
    assert {r: [o.pk for o in orgs] for r, orgs in built.orgs_by_role.items()} == {
        r: [o.pk for o in orgs] for r, orgs in fresh.orgs_by_role.items()
    }
    ana = policy.load_person(world.user("ana").pk)
    assert policy.who(ana).student == world.ana
    assert policy.load_person(10**9) is None


@pytest.mark.parametrize("with_user", [False, True])
def test_the_person_query_compiled_once_reads_what_the_orm_query_reads(world, with_user):
    """``_person_rows`` runs the person's query compiled once per connection, with the id
    and the day put in its parameters: for people with one role, several, a student
    record, a guardianship or none of them, on days that change which memberships are
    active, its rows (values and their types) are the ORM query's, built afresh."""
    people = [world.user(n).pk for n in ("rivera", "ana", "garcia.family", "principal", "admin")]
    today = timezone.localdate()
    days = [today, today - dt.timedelta(days=3650), today + dt.timedelta(days=3650)]
    for user_id in [*people, 10**9]:
        for day in days:
            rows = policy._person_rows(user_id, day, with_user=with_user)
            again = list(policy._person_query(user_id, day, with_user))
            assert rows == again
            assert [{k: type(v) for k, v in r.items()} for r in rows] == [
                {k: type(v) for k, v in r.items()} for r in again
            ]
    assert len(policy._person_rows(world.user("rivera").pk, today, with_user=with_user)) >= 1
    assert policy._person_rows(10**9, today, with_user=with_user) == []
    assert connections["default"].__dict__["_proficio_person_query"][with_user].usable  # not ORM


def test_a_deactivated_account_is_signed_out_at_its_next_request(world):
    client = Client()
    rivera = world.user("rivera")
    client.force_login(rivera)
    assert client.get("/api/v1/sections").status_code == 200
    rivera.is_active = False
    rivera.save(update_fields=["is_active"])
    assert client.get("/api/v1/sections").status_code in (401, 403)

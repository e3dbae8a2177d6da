"""The audit trail: reads by others and writes are logged once, and the log cannot change."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from proficio.audit.context import acting
from proficio.audit.models import AppendOnlyError, AuditEntry
from proficio.orgs import actions
from proficio.policy import SYSTEM


def _entries(student):
    return AuditEntry.objects.filter(student_id=student.pk)


def test_teacher_reading_a_record_is_audited(world, client):
    client.force_login(world.user("rivera"))
    before = _entries(world.ana).count()
    assert client.get(reverse("web:student_detail", args=[world.ana.pk])).status_code == 200
    entry = _entries(world.ana).order_by("-id").first()
    assert _entries(world.ana).count() == before + 1
    assert entry.actor_name == "rivera"
    assert entry.action == "read"
    assert entry.route == f"GET /students/{world.ana.pk}/"
    assert entry.org_path == world.ana.school.path


def test_students_own_reads_are_not_audited(world, client):
    client.force_login(world.user("ana"))
    before = _entries(world.ana).count()
    assert client.get(reverse("web:student_detail", args=[world.ana.pk])).status_code == 200
    assert _entries(world.ana).count() == before


def test_demographics_read_is_audited_separately(world, client):
    client.force_login(world.user("counselor"))
    client.get(reverse("web:student_detail", args=[world.ana.pk]))
    kinds = set(
        _entries(world.ana).filter(actor_name="counselor").values_list("object_type", flat=True)
    )
    assert kinds == {"orgs.student", "orgs.studentdemographics"}


def test_denied_reads_write_nothing(world, client):
    client.force_login(world.user("rivera"))
    before = AuditEntry.objects.count()
    assert client.get(reverse("web:student_detail", args=[world.lake_kid.pk])).status_code == 404
    assert AuditEntry.objects.count() == before


def test_api_read_is_audited(world, client):
    client.force_login(world.user("principal"))
    assert client.get(reverse("api:get_student", args=[world.ben.pk])).status_code == 200
    entry = _entries(world.ben).order_by("-id").first()
    assert (entry.actor_name, entry.purpose) == ("principal", "api")


def test_writes_to_student_data_are_audited(world):
    with acting(world.user("district.admin"), route="test: enroll"):
        enrollment = (
            actions.enroll(
                SYSTEM,
                student=world.cedar_kid,
                section=world.cedar_section,
                start_date=world.cedar_section.term.start_date,
            )
            if not world.cedar_kid.enrollments.filter(section=world.cedar_section).exists()
            else None
        )
        link = actions.link_guardian(SYSTEM, guardian=world.user("nobody"), student=world.cedar_kid)
    created = _entries(world.cedar_kid).filter(action="create", actor_name="district.admin")
    types = set(created.values_list("object_type", flat=True))
    assert "orgs.guardianlink" in types
    if enrollment is not None:
        assert "orgs.enrollment" in types
    assert created.filter(object_id=str(link.pk)).exists()


def test_bulk_writes_leave_one_entry_with_a_count(world):
    entry = AuditEntry.objects.filter(object_type="orgs.student", detail__count__gt=0).first()
    assert entry is not None
    assert entry.actor_name == "system"
    assert entry.detail["count"] > 0


def test_entries_cannot_be_changed_by_the_model(world):
    entry = AuditEntry.objects.first()
    entry.purpose = "tampered"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


@pytest.mark.parametrize(
    "sql", ["UPDATE audit_auditentry SET purpose = 'x'", "DELETE FROM audit_auditentry"]
)
def test_entries_cannot_be_changed_in_the_database(world, sql):
    assert AuditEntry.objects.exists()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.all().update(purpose="x")


def test_leader_sees_log_for_their_scope_only(world, client):
    with acting(world.user("lake.teacher"), route="test"):
        from proficio.audit.log import record_read

        record_read(world.lake_kid, purpose="lakeside read")
    client.force_login(world.user("principal"))
    client.get(reverse("web:student_detail", args=[world.ben.pk]))
    body = client.get(reverse("web:audit_log")).content.decode()
    assert "principal" in body
    assert "lakeside read" not in body


def test_student_sees_who_accessed_their_record(world, client):
    rivera = world.user("rivera")
    client.force_login(rivera)
    client.get(reverse("web:student_detail", args=[world.ana.pk]))
    client.force_login(world.user("ana"))
    response = client.get(reverse("web:student_access", args=[world.ana.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "rivera" in body
    assert "student record" in body


def test_guardian_sees_who_accessed_their_childs_record(world, client):
    client.force_login(world.user("counselor"))
    client.get(reverse("web:student_detail", args=[world.ana.pk]))
    client.force_login(world.user("garcia.family"))
    body = client.get(reverse("web:student_access", args=[world.ana.pk])).content.decode()
    assert "counselor" in body


def test_audit_filter_form_rejects_bad_dates_without_error(world, client):
    client.force_login(world.user("district.admin"))
    response = client.get(reverse("web:audit_log"), {"since": "not-a-date"})
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()


def test_role_grants_are_audited_for_leaders_of_that_school(world, client):
    import datetime as dt

    from proficio.accounts.roles import Role

    with acting(world.user("district.admin"), route="test: grant"):
        membership = actions.grant_role(
            SYSTEM,
            user=world.user("nobody"),
            role=Role.TEACHER,
            organization=world.org("maple-ms"),
            start_date=dt.date(2020, 1, 1),
        )
    entry = AuditEntry.objects.get(object_type="orgs.rolemembership", object_id=str(membership.pk))
    assert entry.org_path == world.org("maple-ms").path
    client.force_login(world.user("principal"))
    body = client.get(reverse("web:audit_log"), {"actor": "district.admin"}).content.decode()
    assert "orgs.rolemembership" in body


@pytest.mark.django_db
def test_weak_passwords_are_refused():
    from django.core.exceptions import ValidationError

    from proficio.accounts.actions import create_user

    with pytest.raises(ValidationError):
        create_user(username="weak.one", password="123")


@pytest.mark.django_db
def test_every_history_model_is_append_only(world):
    from proficio.audit.models import AppendOnly
    from proficio.frameworks.models import DefinitionChange
    from proficio.mastery.models import DeterminationHistory, PolicyVersion

    for model in (AuditEntry, DefinitionChange, PolicyVersion, DeterminationHistory):
        assert issubclass(model, AppendOnly)
        row = model.objects.first()
        assert row is not None, model
        with pytest.raises(AppendOnlyError):
            row.save()
        with pytest.raises(AppendOnlyError):
            row.delete()


def test_bulk_read_writes_one_entry_per_student_and_skips_the_reader(world):
    from proficio.audit.log import record_reads

    ana, ben = world.ana, world.ben
    with acting(world.user("ana"), route="GET /test/"):
        written = record_reads([ana, ben.pk], purpose="class grid")
    assert written == 1  # Ana's own record is not a read by someone else
    entry = _entries(ben).order_by("-id").first()
    assert (entry.actor_name, entry.purpose, entry.action) == ("ana", "class grid", "read")
    assert entry.org_path == ben.school.path
    assert not _entries(ana).filter(purpose="class grid").exists()


def test_system_reaches_everything_and_access_hides_names(world):
    from django.http import Http404

    from proficio import policy

    assert policy.visible(policy.SYSTEM, policy.Subject.STUDENT).count() == (
        policy.Student.objects.count()
    )
    policy.authorize(policy.SYSTEM, policy.Act.CHANGE, policy.Subject.STUDENT, world.lake_kid)
    with pytest.raises(Http404) as refused:
        policy.access(world.user("rivera"), policy.Subject.STUDENT, world.lake_kid.pk)
    assert world.lake_kid.legal_family_name not in str(refused.value)
    assert str(refused.value) == "No such student"


def test_a_student_who_acted_is_named_only_to_who_may_see_them(world, client):
    """The trail says what a student did; only someone who may see the student learns
    who: the system administrator reads every entry but sees no student."""
    from proficio.learners import actions as learners

    with acting(world.user("ana"), route="test"):
        learners.write_reflection(world.user("ana"), student=world.ana, text="I practised.")
    entry = AuditEntry.objects.filter(actor__username="ana").latest("id")
    for username, named in (("admin", False), ("principal", True)):
        client.force_login(world.user(username))
        page = client.get(reverse("web:audit_log")).content.decode()
        api = client.get(reverse("api:list_audit")).json()
        assert ("Ana García" in page) is named, username
        assert ("A student" in page) is not named, username
        mine = next(e for e in api if e["id"] == entry.pk)
        assert mine["actor_name"] == ("ana" if named else "student"), username

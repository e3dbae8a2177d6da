"""Graduation actions: requirement sets refused on their fields, the version a student is
held to and opting in, progress against real standings, and the diploma: refused with the
unmet list, awarded with its OB3 credential (checked by the independent verifier), and
rescinded only with a reason (which revokes the credential). Nothing half-saved."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from proficio import policy
from proficio.audit.context import acting
from proficio.audit.models import AuditEntry
from proficio.core.graduation import Projection
from proficio.credentials.models import IssuedCredential
from proficio.graduation import actions
from proficio.graduation.models import Diploma, GraduationRecord, RequirementSet, RubricResult
from proficio.orgs.models import Organization
from tests.core.credentials_support import needs_fixtures, schemas
from tests.credentials.conftest import competency_targets
from tests.credentials.test_issue_and_verify import node_check

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def system():
    with acting(None, route="tests: graduation"):
        yield policy.SYSTEM


def math_requirement(level: str = "L1", key: str = "math") -> dict:
    return {
        "key": key,
        "title": "Mathematics at level 1",
        "kind": "all_of",
        "competencies": ["MATH.1"],
        "level": level,
    }


def _levels(world):
    return list(world.district_framework.levels.order_by("position"))


def test_a_requirement_naming_an_unknown_competency_is_refused_on_its_field(world, system):
    riverbend = world.org("riverbend")
    before = RequirementSet.objects.count()
    bad = {**math_requirement(), "competencies": ["MATH.1", "NOPE.9"]}
    with pytest.raises(ValidationError) as caught:
        actions.define_requirement_set(
            system,
            riverbend,
            title="Riverbend v2",
            first_cohort=2028,
            in_force_from=dt.date(2024, 1, 1),
            requirements=[capstone_spec(), bad],
        )
    assert caught.value.message_dict == {
        "requirements[1].competencies": ["Unknown competency: NOPE.9"]
    }
    assert RequirementSet.objects.count() == before  # nothing half-saved


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "sometimes"}, "requirements[0].kind"),
        ({"level": "Z9"}, "requirements[0].level"),
        ({"kind": "n_of_m", "count": 2}, "requirements[0].count"),
        ({"kind": "habits"}, "requirements[0].competencies"),
        ({"title": " "}, "requirements[0].title"),
        ({"competencies": "MATH.1"}, "requirements[0].competencies"),
    ],
)
def test_bad_requirement_fields_are_named(world, system, change, field):
    with pytest.raises(ValidationError) as caught:
        actions.define_requirement_set(
            system,
            world.org("riverbend"),
            title="x",
            first_cohort=2028,
            in_force_from=dt.date(2024, 1, 1),
            requirements=[{**math_requirement(_levels(world)[0].code), **change}],
        )
    assert field in caught.value.message_dict


def capstone_spec():
    from tests.world_graduation import capstone

    return capstone("capstone-2")


def test_only_the_owner_s_administrators_write_requirements(world):
    lakeside = world.org("lakeside")
    with pytest.raises(PermissionDenied):
        actions.define_requirement_set(
            world.user("district.admin"),
            lakeside,
            title="Not yours",
            first_cohort=2028,
            in_force_from=dt.date(2024, 1, 1),
            requirements=[capstone_spec()],
        )
    with pytest.raises(PermissionDenied):
        actions.define_requirement_set(
            world.user("district.admin"),
            world.org("columbia"),
            title="The state's",
            first_cohort=2028,
            in_force_from=dt.date(2024, 1, 1),
            requirements=[capstone_spec()],
        )
    made = actions.define_requirement_set(
        world.user("district.admin"),
        world.org("riverbend"),
        title="Riverbend v2",
        first_cohort=2028,
        in_force_from=dt.date(2024, 1, 1),
        requirements=[capstone_spec()],
    )
    assert made.version == 2


def test_held_to_the_version_in_force_on_entry_unless_opting_in(world, system):
    ana = world.ana
    record = GraduationRecord.objects.get(student=ana)
    first = RequirementSet.objects.get(owner__code="riverbend", version=1)
    assert first in record.held_to.all()
    newer = actions.define_requirement_set(
        world.user("district.admin"),
        world.org("riverbend"),
        title="Riverbend v2",
        first_cohort=2028,
        in_force_from=timezone.localdate() - dt.timedelta(days=1),
        requirements=[capstone_spec()],
    )
    # Held to what was in force on entry: the newer version does not apply by itself.
    assert set(record.held_to.all()) == set(
        RequirementSet.objects.filter(owner__code__in=["riverbend", "columbia"], version=1)
    )
    with pytest.raises(PermissionDenied):
        actions.opt_in(world.user("rivera"), ana, newer)
    actions.opt_in(world.user("ana"), ana, newer)  # the student opts in herself
    held = set(GraduationRecord.objects.get(student=ana).held_to.all())
    assert newer in held
    assert first not in held
    with pytest.raises(ValidationError) as caught:
        actions.opt_in(world.user("ana"), ana, first)
    assert "requirement_set" in caught.value.message_dict
    lake_set = RequirementSet.objects.get(owner__code="lakeside")
    with pytest.raises(ValidationError):
        actions.opt_in(system, ana, lake_set)


def test_progress_reads_the_standings_and_the_diploma_is_refused_with_the_unmet_list(world, system):
    level1 = _levels(world)[0]
    district_set = actions.define_requirement_set(
        system,
        world.org("riverbend"),
        title="Riverbend v2",
        first_cohort=2028,
        in_force_from=dt.date(2024, 1, 1),
        requirements=[math_requirement(level1.code)],
    )
    actions.opt_in(system, world.ana, district_set)
    with acting(world.user("counselor"), route="tests: path"):
        path = actions.path_to_graduation(world.user("counselor"), world.ana)
    titles = [r.requirement.title for r in path.rows]
    assert titles == ["Defense of learning", "Mathematics at level 1"]
    assert not path.progress.met
    math_row = path.rows[1]
    assert [item.human_coding_scheme for item, gap in math_row.gaps] == ["MATH.1"]
    before = (Diploma.objects.count(), IssuedCredential.objects.count())
    with pytest.raises(ValidationError) as caught:
        actions.award_diploma(world.user("principal"), world.ana)
    assert caught.value.message_dict["requirements"] == [
        "Defense of learning",
        "Mathematics at level 1",
    ]
    assert (Diploma.objects.count(), IssuedCredential.objects.count()) == before
    # The counselor's read is in Ana's "who viewed my record".
    assert AuditEntry.objects.filter(
        student_id=world.ana.pk, actor=world.user("counselor"), purpose="graduation"
    ).exists()


def _meet_everything(world, system):
    """Ana shows MATH.1 at level 1 (Ms. Rivera scores it) and passes her defense."""
    from proficio.evidence import actions as evidence

    level1 = _levels(world)[0]
    district_set = actions.define_requirement_set(
        system,
        world.org("riverbend"),
        title="Riverbend v2",
        first_cohort=2028,
        in_force_from=dt.date(2024, 1, 1),
        requirements=[math_requirement(level1.code)],
    )
    actions.opt_in(system, world.ana, district_set)
    rivera = world.user("rivera")
    with acting(rivera, route="tests: graduation evidence"):
        for target in competency_targets(world.district_framework, "MATH.1", level1.position):
            for days, kind in ((3, "performance_task"), (2, "project"), (1, "observation")):
                evidence.record_evidence(
                    rivera,
                    student=world.ana,
                    kind=kind,
                    title="Level check",
                    assessed_at=timezone.now() - dt.timedelta(days=days),
                    scores=[evidence.ScoreInput(target, 4.0)],
                    scorer=rivera,
                )
    path = actions.path_to_graduation(system, world.ana)
    capstone = path.rows[0].requirement
    with pytest.raises(PermissionDenied):
        actions.record_rubric_result(
            rivera, world.ana, capstone, score=4, judged_on=timezone.localdate()
        )
    with pytest.raises(ValidationError):
        actions.record_rubric_result(
            world.user("counselor"),
            world.ana,
            path.rows[1].requirement,
            score=4,
            judged_on=timezone.localdate(),
        )
    actions.record_rubric_result(
        world.user("counselor"), world.ana, capstone, score=3.5, judged_on=timezone.localdate()
    )


@needs_fixtures
def test_award_issues_a_diploma_credential_and_rescission_revokes_it(world, system, client):
    _meet_everything(world, system)
    path = actions.path_to_graduation(system, world.ana)
    assert path.progress.met
    assert path.progress.projection == Projection.MET
    with pytest.raises(PermissionDenied):
        actions.award_diploma(world.user("counselor"), world.ana)
    diploma = actions.award_diploma(world.user("principal"), world.ana)
    credential = diploma.credential
    document = json.loads(credential.content)
    assert document["credentialSubject"]["achievement"]["achievementType"] == "Diploma"
    assert credential.kind == "diploma"
    assert [e["requirement"] for e in diploma.evidence] == [
        "Defense of learning",
        "Mathematics at level 1",
    ]
    assert node_check(credential)[str(credential.uuid)]["verified"]
    assert schemas().check(document, "ob3") == []  # 1EdTech's OB 3.0 schema
    page = client.post(reverse("credentials:verify"), {"credential": credential.content})
    assert "is genuine and in force" in page.content.decode()
    with pytest.raises(ValidationError):
        actions.award_diploma(world.user("principal"), world.ana)  # one live diploma
    with pytest.raises(ValidationError) as caught:
        actions.rescind_diploma(world.user("principal"), diploma, reason="  ")
    assert "reason" in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        actions.rescind_diploma(world.user("lake.admin"), diploma, reason="Not mine")
    actions.rescind_diploma(world.user("principal"), diploma, reason="Capstone plagiarized")
    credential.refresh_from_db()
    assert credential.revocation_reason == "Capstone plagiarized"
    result = node_check(credential)[str(credential.uuid)]
    assert not result["verified"]
    page = client.post(reverse("credentials:verify"), {"credential": credential.content})
    assert "Revoked" in page.content.decode()
    # The award and the rescission are in Ana's audit trail.
    entries = AuditEntry.objects.filter(student_id=world.ana.pk, object_type="graduation.diploma")
    assert entries.count() >= 2


def test_alternative_pathway_meets_the_capstone(world, system):
    path = actions.path_to_graduation(system, world.ana)
    capstone = path.rows[0].requirement
    with pytest.raises(ValidationError):
        actions.accept_alternative(world.user("counselor"), world.ana, capstone, name=" ")
    actions.accept_alternative(
        world.user("counselor"), world.ana, capstone, name="State seal of civic literacy"
    )
    after = actions.path_to_graduation(system, world.ana)
    assert [r.outcome.met for r in after.rows] == [True, False]  # the state's, not the district's
    assert after.rows[0].outcome.via_alternative
    assert after.unmet_titles == ["Defense of learning"]


def test_caseload_reads_are_audited_per_student(world):
    counselor = world.user("counselor")
    with acting(counselor, route="tests: caseload"):
        paths = actions.caseload_paths(counselor, [world.ana, world.ben])
    assert [p.student for p in paths] == [world.ana, world.ben]
    assert paths[1].diploma is not None
    for s in (world.ana, world.ben):
        assert AuditEntry.objects.filter(
            student_id=s.pk, actor=counselor, purpose="graduation caseload"
        ).exists()
    with pytest.raises(PermissionDenied):
        actions.caseload_paths(counselor, [world.lake_kid])


def test_world_diplomas_are_where_the_world_says(world):
    assert {d.student.pk for d in Diploma.objects.filter(rescinded_at__isnull=True)} == {
        world.ben.pk,
        world.cedar_kid.pk,
        world.lake_kid.pk,
    }
    assert RubricResult.objects.filter(student=world.ben).count() == 2
    assert Organization.objects.get(code="columbia").requirement_sets.count() == 1


def test_issuing_is_asked_of_the_student_not_of_a_credential_with_the_same_id(world):
    """Regression: the credential engine asked the policy about the IssuedCredential whose
    id happened to equal the student's. Dr. Okoye (Maple) issues for Ben (Maple) whatever
    credential has Ben's id; Ms. Shore (Lakeside) cannot, whatever credential has it."""
    from proficio.credentials import actions as credentials
    from proficio.credentials.models import CredentialKind
    from tests.world_credentials import achievement

    with acting(world.user("principal"), route="tests: issue"):
        made = credentials.issue_credential(
            world.user("principal"),
            world.ben,
            kind=CredentialKind.LEVEL,
            subject_key="test:ben",
            achievement=achievement("ben"),
        )
    assert made.student == world.ben
    with pytest.raises(PermissionDenied):
        credentials.issue_credential(
            world.user("lake.admin"),
            world.ben,
            kind=CredentialKind.LEVEL,
            subject_key="test:ben2",
            achievement=achievement("ben2"),
        )

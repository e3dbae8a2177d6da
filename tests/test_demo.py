"""The demo generator is deterministic, realistic and complete."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from proficio.accounts.roles import Role
from proficio.demo.generate import DEMO_LOGINS
from proficio.orgs.models import Organization, Section, Student, StudentDemographics
from tests.world import WORLD_STUDENTS

DIGEST = """
import hashlib, json
from proficio.orgs.models import Student, Section, Enrollment, StudentDemographics
rows = list(Student.objects.order_by("local_id").values_list(
    "local_id", "legal_given_name", "legal_family_name", "grade_level", "birth_date",
    "school__code"))
rows += list(Section.objects.order_by("name", "pk").values_list("name", "staff__user__username"))
rows += list(Enrollment.objects.order_by("student__local_id", "section__name").values_list(
    "student__local_id", "section__name"))
rows += list(StudentDemographics.objects.order_by("student__local_id").values_list(
    "student__local_id", "races", "hispanic_latino", "english_learner", "disability", "gender"))
print(hashlib.sha256(json.dumps(rows, default=str).encode()).hexdigest())
"""


def _generate_and_digest(tmp: Path, seed: int) -> str:
    env = {
        **os.environ,
        "PROFICIO_DATA_DIR": str(tmp),
        "DJANGO_SETTINGS_MODULE": "proficio.settings.test",
    }
    env.pop("DATABASE_URL", None)
    cli = [sys.executable, "-m", "proficio.cli"]
    run = lambda *a: subprocess.run([*cli, *a], env=env, check=True, capture_output=True, text=True)  # noqa: E731
    run("migrate", "-v0")
    out = run("demo", "--students", "40", "--seed", str(seed), "--today", "2026-10-01").stdout
    assert "Demo logins" in out
    return run("shell", "-c", DIGEST).stdout.strip()


@pytest.mark.slow
def test_same_seed_same_district_other_seed_other_district(tmp_path):
    a = _generate_and_digest(tmp_path / "a", 7)
    b = _generate_and_digest(tmp_path / "b", 7)
    c = _generate_and_digest(tmp_path / "c", 8)
    assert a == b
    assert a != c


def test_three_schools_of_each_level(world):
    schools = Organization.objects.filter(parent__code="riverbend")
    assert sorted(schools.values_list("school_level", flat=True)) == [
        "elementary",
        "high",
        "middle",
    ]


def test_every_student_has_demographics_a_guardian_and_classes(world):
    demo_students = Student.objects.filter(school__parent__code="riverbend")
    assert demo_students.count() == WORLD_STUDENTS
    assert StudentDemographics.objects.filter(student__in=demo_students).count() == WORLD_STUDENTS
    assert not demo_students.filter(guardian_links__isnull=True).exists()
    assert not demo_students.filter(enrollments__isnull=True).exists()


def test_named_people_are_together(world):
    section = world.rivera_section
    roster = set(section.enrollments.values_list("student__user__username", flat=True))
    assert {"ana", "ben"} <= roster
    assert section.name.startswith("Mathematics 7")
    assert world.ana.guardian_links.get().guardian.username == "garcia.family"


def test_one_login_per_role(world):
    assert sorted(login.role for login in DEMO_LOGINS) == sorted(Role)
    from proficio import policy

    for login in DEMO_LOGINS:
        assert login.role in policy.who(world.user(login.username)).roles, login.username


def test_sections_are_realistic_sizes(world):
    sizes = [
        s.enrollments.count() for s in Section.objects.filter(school__parent__code="riverbend")
    ]
    assert max(sizes) <= 40
    assert min(sizes) >= 1


def test_demographic_mix_is_plausible_at_scale():
    """Draw many students with the generator's sampler and compare to its stated shares."""
    import random

    from proficio.demo.generate import _demographics
    from proficio.demo.people import RACE_ETHNICITY

    rng = random.Random(3)
    drawn = [_demographics(rng, Student()) for _ in range(20000)]
    groups = Counter(d.federal_race_ethnicity for d in drawn)
    total = sum(w for _, w in RACE_ETHNICITY)
    assert abs(groups["hispanic_latino"] / 20000 - 28 / total) < 0.02
    assert abs(groups["white"] / 20000 - 45 / total) < 0.02
    assert 0.08 < sum(d.english_learner for d in drawn) / 20000 < 0.2
    assert 0.1 < sum(d.disability == "iep" for d in drawn) / 20000 < 0.2


def test_evidence_history_is_realistic(world):
    from django.db.models import Count

    from proficio.demo.history import seed_history
    from proficio.evidence.models import Evidence
    from proficio.mastery.models import Determination

    district = world.org("riverbend")
    students = list(Student.objects.filter(school__parent=district).select_related("user"))
    before = Evidence.objects.filter(student__in=students).count()  # the world's own
    made = seed_history(district, students, seed=0, today=world.ana.enrollments.first().start_date)
    assert made == Evidence.objects.filter(student__in=students).count() - before
    statuses = dict(
        Determination.objects.filter(student__in=students)
        .values_list("status")
        .annotate(n=Count("id"))
    )
    # Students sit at different places: every status appears, none of them "fail".
    assert {"not_yet", "proficient", "advanced", "insufficient"} <= set(statuses)
    assert Evidence.objects.filter(student__in=students, kind="extended_learning").exists()
    assert Evidence.objects.filter(
        student__in=students, title__startswith="Habits observation"
    ).exists()
    kinds = set(Evidence.objects.filter(student__in=students).values_list("kind", flat=True))
    assert len(kinds) >= 5

    # Both are in grade 7, but Ben works lower on the mathematics continuum than Ana.
    def place(name):
        dets = Determination.objects.filter(
            student__user__username=name, target__human_coding_scheme__startswith="MATH"
        )
        positions = [d.target.level.position for d in dets.select_related("target__level")]
        return sum(positions) / len(positions)

    assert place("ana") > place("ben")

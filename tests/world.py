"""Builders for the named test world (see conftest)."""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from django.utils import timezone

from proficio.accounts import actions as accounts
from proficio.accounts.models import User
from proficio.accounts.roles import Role
from proficio.audit.context import acting
from proficio.demo import generate
from proficio.orgs import actions as orgs
from proficio.orgs.models import Organization, Section, Student
from proficio.policy import SYSTEM

PASSWORD = generate.DEMO_PASSWORD
WORLD_STUDENTS = 60


def build_world() -> None:
    today = timezone.localdate()
    # The evidence history is left out so that tests control every piece of evidence;
    # tests/test_demo.py exercises the history generator on its own.
    generate.generate(students=WORLD_STUDENTS, seed=0, today=today, history=False)
    with acting(None, route="tests: world"):
        state = Organization.objects.get(code="columbia")
        lakeside = orgs.create_organization(
            SYSTEM, kind="district", name="Lakeside District", code="lakeside", parent=state
        )
        lake_school = orgs.create_organization(
            SYSTEM,
            kind="school",
            name="Lakeside Middle School",
            code="lakeside-ms",
            parent=lakeside,
            school_level="middle",
        )
        start, end = generate.school_year_for(today)
        year = orgs.create_academic_year(
            SYSTEM,
            district=lakeside,
            name="LK",
            start_date=start,
            end_date=end,
            terms=[("Year", start, end)],
        )
        course = orgs.create_course(SYSTEM, district=lakeside, code="MATH-7", title="Math 7")
        lake_teacher = accounts.create_user(
            username="lake.teacher", password=PASSWORD, display_name="Mr. Lake"
        )
        orgs.grant_role(
            SYSTEM, user=lake_teacher, role=Role.TEACHER, organization=lake_school, start_date=start
        )
        lake_leader = accounts.create_user(
            username="lake.admin", password=PASSWORD, display_name="Ms. Shore"
        )
        orgs.grant_role(
            SYSTEM,
            user=lake_leader,
            role=Role.DISTRICT_ADMIN,
            organization=lakeside,
            start_date=start,
        )
        section = orgs.create_section(
            SYSTEM,
            school=lake_school,
            course=course,
            term=year.terms.get(),
            name="Math 7 Lakeside",
            teachers=[lake_teacher],
        )
        kid_user = accounts.create_user(
            username="lake.kid", password=PASSWORD, display_name="Lia Lake"
        )
        kid = orgs.add_student(
            SYSTEM,
            school=lake_school,
            local_id="L1",
            legal_given_name="Lia",
            legal_family_name="Lake",
            grade_level="7",
            birth_date=dt.date(2013, 3, 1),
            user=kid_user,
            demographics={"english_learner": True, "home_language": "Spanish"},
        )
        orgs.enroll(SYSTEM, student=kid, section=section, start_date=start)
        lake_parent = accounts.create_user(
            username="lake.parent", password=PASSWORD, display_name="Lee Lake"
        )
        orgs.link_guardian(SYSTEM, guardian=lake_parent, student=kid)
        # Draft frameworks: one for each district, visible only to those who author them.
        from proficio.frameworks import actions as frameworks

        riverbend = Organization.objects.get(code="riverbend")
        frameworks.create_framework(title="Riverbend draft", creator="Riverbend", owner=riverbend)
        frameworks.create_framework(title="Lakeside draft", creator="Lakeside", owner=lakeside)
        # Mastery policies for each district, a replay, and evidence with a portfolio file.
        from django.core.files.uploadedfile import SimpleUploadedFile

        from proficio.evidence import actions as evidence
        from proficio.frameworks.models import Item
        from proficio.mastery import actions as mastery

        riverbend_policy = mastery.create_policy(
            SYSTEM,
            name="Riverbend default",
            scope="district",
            owner=riverbend,
            organization=riverbend,
            params={"method": "decaying_average", "min_evidence": 2},
        )
        mastery.new_policy_version(SYSTEM, riverbend_policy, {"rate": 0.6}, note="world")
        lake_policy = mastery.create_policy(
            SYSTEM,
            name="Lakeside default",
            scope="district",
            owner=lakeside,
            organization=lakeside,
            params={"method": "mean"},
        )
        mastery.new_policy_version(SYSTEM, lake_policy, {"method": "latest"}, note="world")
        ana = Student.objects.get(user__username="ana")
        target = Item.objects.get(
            human_coding_scheme="MATH.1.2", framework__title__startswith="Riverbend"
        )
        rivera = User.objects.get(username="rivera")
        with acting(rivera, route="tests: world"):
            work = evidence.record_evidence(
                rivera,
                student=ana,
                kind="project",
                title="Fraction strips project",
                assessed_at=timezone.now() - dt.timedelta(days=3),
                scores=[evidence.ScoreInput(target, 3)],
            )
            evidence.attach_artifact(
                SYSTEM, work, upload=SimpleUploadedFile("notes.txt", b"My fraction notes")
            )
        from proficio.frameworks import actions as framework_actions

        math1 = Item.objects.get(
            human_coding_scheme="MATH.1", framework__title__startswith="Riverbend"
        )
        framework_actions.add_exemplar(
            math1, title="Fraction model", file=SimpleUploadedFile("model.pdf", b"%PDF-1.4 model")
        )
        # Someone with no role at all.
        accounts.create_user(username="nobody", password=PASSWORD, display_name="No Role")
    _build_feature_worlds()


def _build_feature_worlds() -> None:
    """Features add to the world in tests/world_<feature>.py, each with a ``build()``."""
    for module in _feature_worlds():
        module.build()


def _feature_worlds() -> list:
    import importlib
    import pathlib

    return [
        importlib.import_module(f"tests.{path.stem}")
        for path in sorted(pathlib.Path(__file__).parent.glob("world_*.py"))
    ]


class WorldView:
    """Named handles on the world, looked up lazily inside each test's transaction.

    A feature's tests/world_<feature>.py may define ``lookup(name)`` to name its own
    objects (returning None for names it does not know).
    """

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        for module in _feature_worlds():
            lookup = getattr(module, "lookup", None)
            found = lookup(name) if lookup is not None else None
            if found is not None:
                return found
        raise AttributeError(name)

    def user(self, username: str) -> User:
        return User.objects.get(username=username)

    @cached_property
    def ana(self) -> Student:
        return Student.objects.get(user__username="ana")

    @cached_property
    def ben(self) -> Student:
        return Student.objects.get(user__username="ben")

    @cached_property
    def cedar_kid(self) -> Student:
        """A student in the same district, at another school (Cedar Elementary)."""
        return Student.objects.filter(school__code="cedar-es").order_by("pk").first()  # type: ignore[return-value]

    @cached_property
    def lake_kid(self) -> Student:
        return Student.objects.get(user__username="lake.kid")

    @cached_property
    def rivera_section(self) -> Section:
        return Section.objects.get(staff__user__username="rivera")

    @cached_property
    def cedar_section(self) -> Section:
        return Section.objects.filter(school__code="cedar-es").order_by("pk").first()  # type: ignore[return-value]

    @cached_property
    def lake_section(self) -> Section:
        return Section.objects.get(school__code="lakeside-ms")

    @cached_property
    def district_framework(self):
        from proficio.frameworks.models import Framework

        return Framework.objects.get(title__startswith="Riverbend Unified")

    @cached_property
    def educator_framework(self):
        from proficio.frameworks.models import Framework

        return Framework.objects.get(title__startswith="Educator competencies")

    @cached_property
    def riverbend_draft(self):
        from proficio.frameworks.models import Framework

        return Framework.objects.get(title="Riverbend draft")

    @cached_property
    def lakeside_draft(self):
        from proficio.frameworks.models import Framework

        return Framework.objects.get(title="Lakeside draft")

    def target(self, code: str):
        from proficio.frameworks.models import Item

        return Item.objects.get(framework=self.district_framework, human_coding_scheme=code)

    def policy(self, name: str):
        from proficio.mastery.models import MasteryPolicy

        return MasteryPolicy.objects.get(name=name)

    def replay_of(self, name: str):
        from proficio.mastery.models import ReplayJob

        return ReplayJob.objects.filter(policy_version__policy__name=name).latest("pk")

    @cached_property
    def ana_evidence(self):
        from proficio.evidence.models import Evidence

        return Evidence.objects.get(student=self.ana, title="Fraction strips project")

    def org(self, code: str) -> Organization:
        return Organization.objects.get(code=code)


# One login per role, used by the permission matrix and the browser tests.
ROLE_USERS = {
    Role.STUDENT: "ana",
    Role.GUARDIAN: "garcia.family",
    Role.TEACHER: "rivera",
    Role.ADVISOR: "counselor",
    Role.SCHOOL_LEADER: "principal",
    Role.DISTRICT_ADMIN: "district.admin",
    Role.DISTRICT_DATA_LEAD: "data.lead",
    Role.STATE_ANALYST: "state.analyst",
    Role.SYSTEM_ADMIN: "admin",
}

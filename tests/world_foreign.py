"""Foreign objects for the route matrix: for each kind of object a route takes, one that
belongs to another school of the district (Cedar Elementary) and one that belongs to
another district (Lakeside), made through the real actions as the system.

* Lakeside gets a small published framework of its own ("Lakeside mathematics", with a
  rubric), so that its class can have a scoring task, evidence and a moderation session,
  and a draft ("Lakeside CASE draft") carrying one of each CASE definition, an exemplar
  and items, for the framework and CASE provider routes.
* Cedar and Lakeside each get: a scoring task with a score, a saved group set, evidence
  with a file (and so a determination), a goal, a support plan (Lakeside's is in
  ``world_pace``), a reassessment request (Cedar's is in ``world_learners``), a
  moderation session with a sample in scoring, and (Cedar) a school mastery policy with
  a replay.

``lookup(name)`` names them for the matrix (``world.cedar_task``, ``world.lake_evidence``, ...).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

NAMESPACE = uuid.UUID("6f1c3f3e-8f0c-4a43-9a39-3d7d2c1f0a11")
WHEN = "2024-01-15T12:00:00+00:00"

TITLES = {
    "lake_framework": "Lakeside mathematics",
    "lake_case_draft": "Lakeside CASE draft",
    "cedar_task": "Cedar task",
    "lake_task_foreign": "Lakeside task",
    "cedar_groups": "Cedar groups",
    "lake_groups_foreign": "Lakeside groups",
    "cedar_evidence": "Cedar counting project",
    "lake_evidence": "Lakeside fractions project",
    "cedar_goal": "Cedar goal: count to 120",
    "lake_goal": "Lakeside goal: add fractions",
    "cedar_moderation": "Cedar moderation",
    "lake_moderation": "Lakeside moderation",
    "cedar_policy": "Cedar school policy",
    "maple_moderation": "Maple moderation",
}


def _id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(parts)))


def _ref(kind: str, identifier: str, title: str) -> dict[str, str]:
    return {"title": title, "identifier": identifier, "uri": f"urn:test:{kind}:{identifier}"}


def case_package(title: str, code: str, *, definitions: bool) -> dict[str, Any]:
    """A small CASE 1.1 package: a competency, two learning targets under it, a rubric on
    the targets and, with ``definitions``, one concept, subject, item type, grouping and
    licence."""
    doc = _id(title)
    competency = _id(title, code)
    targets = [(_id(title, f"{code}.{n}"), f"{code}.{n}") for n in (1, 2)]

    def item(identifier: str, coding: str, kind: str, statement: str) -> dict[str, Any]:
        return {
            "identifier": identifier,
            "uri": f"urn:test:CFItems:{identifier}",
            "fullStatement": statement,
            "humanCodingScheme": coding,
            "lastChangeDateTime": WHEN,
            "extensions": {"proficio": {"kind": kind, "category": "academic", "level": None}},
        }

    def child(origin: tuple[str, str], destination: tuple[str, str], n: int) -> dict[str, Any]:
        identifier = _id(title, "child", origin[0])
        link: dict[str, Any] = {
            "identifier": identifier,
            "uri": f"urn:test:CFAssociations:{identifier}",
            "associationType": "isChildOf",
            "sequenceNumber": n,
            "originNodeURI": _ref("CFItems", *origin),
            "destinationNodeURI": _ref("CFItems", *destination),
            "lastChangeDateTime": WHEN,
        }
        if definitions:
            link["CFAssociationGroupingURI"] = _ref(
                "CFAssociationGroupings", _id(title, "grouping"), f"{title} grouping"
            )
        return link

    items = [item(competency, code, "competency", f"{title}: number sense")]
    items += [item(i, c, "target", f"{title}: target {c}") for i, c in targets]
    associations = [child((competency, code), (doc, title), 1)]
    associations += [child(t, (competency, code), n) for n, t in enumerate(targets, start=1)]
    rubric_id = _id(title, "rubric")
    criteria = [
        {
            "identifier": _id(title, "criterion", coding),
            "uri": f"urn:test:CFRubricCriteria:{_id(title, 'criterion', coding)}",
            "category": f"{coding} criterion",
            "description": f"Shows {coding}",
            "CFItemURI": _ref("CFItems", identifier, coding),
            "weight": 1.0,
            "position": n,
            "rubricId": rubric_id,
            "lastChangeDateTime": WHEN,
            "CFRubricCriterionLevels": [
                {
                    "identifier": (level := _id(title, "level", coding, str(score))),
                    "uri": f"urn:test:CFRubricCriterionLevels:{level}",
                    "description": f"Level {score}",
                    "quality": f"Level {score}",
                    "score": float(score),
                    "position": score,
                    "rubricCriterionId": _id(title, "criterion", coding),
                    "lastChangeDateTime": WHEN,
                }
                for score in (1, 2, 3, 4)
            ],
        }
        for n, (identifier, coding) in enumerate(targets, start=1)
    ]
    package: dict[str, Any] = {
        "CFDocument": {
            "identifier": doc,
            "uri": f"urn:test:CFDocuments:{doc}",
            "creator": "Lakeside District",
            "title": title,
            "lastChangeDateTime": WHEN,
            "adoptionStatus": "Draft",
            "language": "en",
        },
        "CFItems": items,
        "CFAssociations": associations,
        "CFRubrics": [
            {
                "identifier": rubric_id,
                "uri": f"urn:test:CFRubrics:{rubric_id}",
                "title": f"{title} rubric",
                "description": "For the route matrix.",
                "lastChangeDateTime": WHEN,
                "CFRubricCriteria": criteria,
            }
        ],
    }
    if definitions:

        def definition(kind: str, **more: str) -> dict[str, Any]:
            identifier = _id(title, kind)
            return {
                "identifier": identifier,
                "uri": f"urn:test:{kind}:{identifier}",
                "title": f"{title} {kind}",
                "lastChangeDateTime": WHEN,
                **more,
            }

        license_row = definition("CFLicenses", licenseText="Lakeside only", description="")
        package["CFDocument"]["licenseURI"] = _ref(
            "CFLicenses", license_row["identifier"], license_row["title"]
        )
        package["CFDefinitions"] = {
            "CFConcepts": [definition("CFConcepts", keywords="fractions", hierarchyCode="1")],
            "CFSubjects": [definition("CFSubjects", hierarchyCode="1")],
            "CFLicenses": [license_row],
            "CFItemTypes": [
                definition("CFItemTypes", description="Target", hierarchyCode="1", typeCode="T")
            ],
            "CFAssociationGroupings": [definition("CFAssociationGroupings", description="")],
        }
    return package


def _import(title: str, code: str, owner: Any, *, draft: bool) -> Any:
    from proficio.core.standards import case
    from proficio.frameworks import case_io
    from proficio.frameworks.models import Framework, PublicationStatus

    package = case.parse_package(case_package(title, code, definitions=draft))
    status = PublicationStatus.DRAFT if draft else PublicationStatus.PUBLISHED
    report = case_io.import_package(package, owner=owner, status=status)
    return Framework.objects.get(pk=report.framework_id)


def build() -> None:
    from proficio.accounts.models import User
    from proficio.audit.context import acting
    from proficio.classroom import actions as classroom
    from proficio.core.progression.groups import form_groups
    from proficio.evidence import actions as evidence
    from proficio.frameworks import actions as frameworks
    from proficio.frameworks.models import Item, ItemKind, Rubric
    from proficio.learners import actions as learners
    from proficio.mastery import actions as mastery
    from proficio.moderation import actions as moderation
    from proficio.orgs.models import Organization, Section, Student
    from proficio.pace import actions as pace
    from proficio.policy import SYSTEM

    today = timezone.localdate()
    now = timezone.now()
    lakeside = Organization.objects.get(code="lakeside")
    cedar = Organization.objects.get(code="cedar-es")
    lake_kid = Student.objects.get(user__username="lake.kid")
    cedar_kid = Student.objects.filter(school=cedar).order_by("pk").first()
    lake_section = Section.objects.get(school__code="lakeside-ms")
    cedar_section = Section.objects.filter(school=cedar).order_by("pk").first()
    assert cedar_kid is not None
    assert cedar_section is not None
    riverbend_rubric = Rubric.objects.get(title="Number sense and operations rubric")
    riverbend_target = Item.objects.get(
        human_coding_scheme="MATH.1.2", framework__title__startswith="Riverbend Unified"
    )
    cedar_teachers = list(
        # Teachers of Cedar's classes (the educators' world adds a Cedar teacher with none).
        User.objects.filter(
            memberships__role="teacher",
            memberships__organization=cedar,
            section_assignments__section__school=cedar,
        )
        .order_by("username")
        .distinct()[:2]
    )

    with acting(None, route="tests: world foreign"):
        lake_framework = _import(TITLES["lake_framework"], "LKM", lakeside, draft=False)
        draft = _import(TITLES["lake_case_draft"], "LKD", lakeside, draft=True)
        lake_targets = list(
            lake_framework.items.filter(kind=ItemKind.TARGET).order_by("human_coding_scheme")
        )
        lake_rubric = lake_framework.rubrics.get()
        frameworks.add_exemplar(
            draft.items.get(kind=ItemKind.COMPETENCY),
            title="Lakeside model",
            file=SimpleUploadedFile("lake-model.pdf", b"%PDF-1.4 lakeside model"),
        )

        # Scoring tasks with a score each (so evidence and a determination), and groups.
        for key, section, rubric, target in (
            ("cedar_task", cedar_section, riverbend_rubric, riverbend_target),
            ("lake_task_foreign", lake_section, lake_rubric, lake_targets[0]),
        ):
            # Tasks and groups are a teacher's own (the system never makes them).
            teacher = section.staff.order_by("pk").first().user
            task = classroom.create_scoring_task(
                teacher,
                section=section,
                title=TITLES[key],
                kind="performance_task",
                assessed_on=today,
                rubric=rubric,
            )
            roster = classroom.roster(section)
            criterion = task.rubric.criteria.order_by("position", "pk").first()
            classroom.set_task_score(
                teacher,
                task,
                student=roster[0],
                criterion=criterion,
                score=classroom.levels_of(criterion)[-1],
                version=0,
            )
            classroom.save_groups(
                teacher,
                section=section,
                target=target,
                groups=form_groups([s.pk for s in roster], target.pk, [], {}),
                title=TITLES["cedar_groups" if section == cedar_section else "lake_groups_foreign"],
            )

        # Evidence with a file, a goal, a request to be reassessed, a support plan.
        for key, kid, target in (
            ("cedar_evidence", cedar_kid, riverbend_target),
            ("lake_evidence", lake_kid, lake_targets[0]),
        ):
            work = evidence.record_evidence(
                SYSTEM,
                student=kid,
                kind="project",
                title=TITLES[key],
                assessed_at=now - dt.timedelta(days=2),
                scores=[evidence.ScoreInput(target, 3)],
            )
            evidence.attach_artifact(
                SYSTEM, work, upload=SimpleUploadedFile("work.txt", b"My project notes")
            )
        learners.set_goal(
            SYSTEM,
            student=cedar_kid,
            text=TITLES["cedar_goal"],
            target_date=today + dt.timedelta(days=30),
        )
        learners.set_goal(
            SYSTEM,
            student=lake_kid,
            text=TITLES["lake_goal"],
            target_date=today + dt.timedelta(days=30),
        )
        learners.request_reassessment(
            SYSTEM, student=lake_kid, target=lake_targets[1], note="I practised fractions."
        )
        pace.create_support_plan(
            SYSTEM,
            student=cedar_kid,
            reason="Behind pace",
            intervention="Reading buddies",
            owner=cedar_teachers[0],
            start_on=today - dt.timedelta(days=3),
            check_in_on=today + dt.timedelta(days=7),
        )

        # Moderation sessions in scoring, each with a sample that has a file.
        for key, owner, rubric, raters in (
            ("cedar_moderation", cedar, riverbend_rubric, cedar_teachers),
            (
                "lake_moderation",
                lakeside,
                lake_rubric,
                list(User.objects.filter(username__in=["lake.teacher", "lake.admin"])),
            ),
        ):
            session = moderation.create_session(
                SYSTEM, title=TITLES[key], task="Common task", rubric=rubric, owner=owner
            )
            for user in raters:
                moderation.add_rater(SYSTEM, session, user)
            moderation.add_anchor_sample(
                SYSTEM,
                session,
                upload=SimpleUploadedFile("sample.txt", b"A sample of student work"),
                description="A sample",
            )
            moderation.open_scoring(SYSTEM, session)

        # A session of Maple Middle School's own, still being set up (no raters yet).
        moderation.create_session(
            SYSTEM,
            title=TITLES["maple_moderation"],
            task="Common task",
            rubric=riverbend_rubric,
            owner=Organization.objects.get(code="maple-ms"),
        )

        # A school's own mastery policy, changed once (so it has a replay).
        cedar_policy = mastery.create_policy(
            SYSTEM,
            name=TITLES["cedar_policy"],
            scope="school",
            owner=cedar,
            organization=cedar,
            params={"method": "mean"},
        )
        mastery.new_policy_version(SYSTEM, cedar_policy, {"method": "latest"}, note="world")


def lookup(name: str) -> Any:
    """The foreign objects by name (None for names this module does not know)."""
    from proficio.classroom.models import GroupSet, ScoringTask
    from proficio.evidence.models import Evidence
    from proficio.frameworks.models import Framework
    from proficio.learners.models import Goal, ReassessmentRequest
    from proficio.mastery.models import MasteryPolicy
    from proficio.moderation.models import ModerationSession
    from proficio.pace.models import SupportPlan

    title = TITLES.get(name)
    getters = {
        "lake_framework": lambda: Framework.objects.get(title=title),
        "lake_case_draft": lambda: Framework.objects.get(title=title),
        "cedar_task": lambda: ScoringTask.objects.get(title=title),
        "lake_task_foreign": lambda: ScoringTask.objects.get(title=title),
        "cedar_groups": lambda: GroupSet.objects.get(title=title),
        "lake_groups_foreign": lambda: GroupSet.objects.get(title=title),
        "cedar_evidence": lambda: Evidence.objects.get(title=title),
        "lake_evidence": lambda: Evidence.objects.get(title=title),
        "cedar_goal": lambda: Goal.objects.get(text=title),
        "lake_goal": lambda: Goal.objects.get(text=title),
        "cedar_moderation": lambda: ModerationSession.objects.get(title=title),
        "lake_moderation": lambda: ModerationSession.objects.get(title=title),
        "maple_moderation": lambda: ModerationSession.objects.get(title=title),
        "cedar_policy": lambda: MasteryPolicy.objects.get(name=title),
        "cedar_plan": lambda: SupportPlan.objects.get(student__school__code="cedar-es"),
        "lake_request": lambda: ReassessmentRequest.objects.get(student__user__username="lake.kid"),
        "lake_target": lambda: _item(TITLES["lake_framework"], "LKM.1"),
        "lake_draft_target": lambda: _item(TITLES["lake_case_draft"], "LKD.1"),
        "lake_draft_competency": lambda: _item(TITLES["lake_case_draft"], "LKD"),
    }
    getter = getters.get(name)
    return getter() if getter is not None else None


def _item(framework_title: str, code: str) -> Any:
    from proficio.frameworks.models import Item

    return Item.objects.get(framework__title=framework_title, human_coding_scheme=code)

"""Foreign-object cases: every route that takes an id is asked for a real object of
another school of the district (Cedar Elementary) and of another district (Lakeside), and
every id a body carries likewise, with the URL's own object allowed.

The objects are made in tests/world_foreign.py (and the Cedar and Lakeside students,
classes, requests, plans, policies and import jobs of the other world modules). The
leak check (tests/leaks.py) reads every answer to these cases for the names of foreign
schools, districts, classes and people, and every refusal for any student's name.
"""

from __future__ import annotations

from typing import Any

from proficio.accounts.roles import Role
from proficio.policy import Act, Subject
from tests.permission_matrix import Foreign, RouteCase
from tests.world_foreign import TITLES

R = Role
SCHOOL, DISTRICT = Foreign.SCHOOL, Foreign.DISTRICT

# Routes whose URL parameter names no object: nothing foreign to ask for.
NOT_AN_OBJECT: dict[str, str] = {
    "web:role_home": "the parameter is a role's name, the same in every organization",
    "case:unknown": "the parameter is any other path under the CASE prefix: no object",
    "accounts:invitation": "the parameters are a one-time link's signed token, not an id",
    "accounts:password_reset_confirm": "the parameters are a reset link's signed token",
    "transcripts:shared": "the parameter is a share link's signed token, not an id",
    "state:open_data": "a school's public report-card data: published to anyone, no login",
    "state:report_card": "a school's public report card: published to anyone, no login",
}

# Routes whose object kind no school owns: a district (or the state) owns it, so only an
# object of another district is foreign to the district's schools. Reason for each.
_FRAMEWORK = "frameworks are authored and owned by districts (or the state), not schools"
_CASE = "CASE provider objects belong to a framework, owned by a district or the state"
SCHOOL_EXEMPT: dict[str, str] = {
    **{
        name: _FRAMEWORK
        for name in (
            "frameworks:detail",
            "frameworks:export",
            "frameworks:history",
            "frameworks:publish",
            "frameworks:item",
            "frameworks:item_create",
            "frameworks:item_edit",
            "frameworks:item_retire",
            "frameworks:prerequisite_add",
            "frameworks:level_statements",
            "frameworks:exemplar_add",
        )
    },
    "frameworks:exemplar_file": "an exemplar belongs to a framework's competency",
    "transcripts:class_issue": "a graduating class is issued by a district, not a school",
    "graduation:requirement_set": "graduation requirements belong to a district or the state",
    "api:get_requirement_set": "graduation requirements belong to a district or the state",
    "mastery:rollup_rule": "a roll-up rule belongs to a framework's competency",
    "frameworks:import_job": "an import job belongs to the district administrator who ran it",
    "frameworks:import_progress": "an import job belongs to the district administrator who ran it",
    "api:import_status": "an import job belongs to the district administrator who ran it",
    **{
        name: "a roster import job is a district's (its administrators follow it)"
        for name in ("roster:import_job", "roster:import_progress", "api:roster_import_status")
    },
    "lrs:alignment_remove": "a learning tool's activity is aligned for a district",
    **{
        name: "a state plan, its versions and pilots belong to a state, not a school"
        for name in (
            "state:plan_version",
            "state:plan_adopt",
            "state:pilot",
            "state:pilot_accountability",
            "state:pilot_task_new",
            "state:pilot_session_add",
        )
    },
    **{
        name: "a machine client is registered for a district, not a school"
        for name in ("accounts:client", "accounts:client_secret", "accounts:client_revoke")
    },
    **{
        name: _CASE
        for name in (
            "case:get_document",
            "case:get_package",
            "case:get_item",
            "case:get_item_associations",
            "case:get_association",
            "case:get_rubric",
            "case:get_license",
            "case:get_concept",
            "case:get_subject",
            "case:get_item_type",
            "case:get_grouping",
        )
    },
}


# The foreign objects' own names: a refusal never shows one. (Maple's session is the
# district's own, used with a foreign body.)
FOREIGN_TITLES = frozenset(
    {title for key, title in TITLES.items() if key != "maple_moderation"}
    | {"Lake task", "Lake groups", "Lakeside draft", "Lakeside default"}
)
# Foreign organizations (by code) and the people of another district.
FOREIGN_ORGS = ("cedar-es", "lakeside", "lakeside-ms")
LAKESIDE_PEOPLE = ("lake.teacher", "lake.admin", "lake.parent")

_FOREIGN_NAMES: dict[Any, dict[str, bool]] = {}


def foreign_names(user: Any) -> dict[str, bool]:
    """Names of foreign organizations, classes, people and draft items, each with whether
    ``user`` may see it (the organization and section rows of the policy, and a school's
    sections for the readers of its aggregates; another district's people with their
    district; a draft's items with the draft)."""
    from proficio import policy
    from proficio.accounts.models import User
    from proficio.frameworks.models import Framework
    from proficio.orgs.models import Organization, Section

    key = user.pk if user is not None else None
    if key in _FOREIGN_NAMES:
        return _FOREIGN_NAMES[key]
    orgs = list(Organization.objects.filter(code__in=FOREIGN_ORGS))
    sections = list(Section.objects.filter(school__code__in=FOREIGN_ORGS))
    seen_orgs: set[int] = set()
    seen_sections: set[int] = set()
    aggregates: set[int] = set()
    if user is not None:
        seen_orgs = set(policy.visible(user, Subject.ORGANIZATION).values_list("pk", flat=True))
        seen_sections = set(policy.visible(user, Subject.SECTION).values_list("pk", flat=True))
        aggregates = set(policy.visible(user, Subject.AGGREGATE).values_list("pk", flat=True))
    names = {o.name: o.pk in seen_orgs for o in orgs}
    # A school's aggregates are broken down by section (by name): their readers see those.
    names |= {s.name: s.pk in seen_sections or s.school_id in aggregates for s in sections}
    lakeside = next(o for o in orgs if o.code == "lakeside")
    for person in User.objects.filter(username__in=LAKESIDE_PEOPLE):
        names[person.display_name] = lakeside.pk in seen_orgs
    # Another district's draft: its title and its items' codes.
    draft = Framework.objects.get(title=TITLES["lake_case_draft"])
    may_read = user is not None and policy.can(user, Act.VIEW, Subject.FRAMEWORK, draft)
    names[draft.title] = may_read
    for code in draft.items.values_list("human_coding_scheme", flat=True):
        names[code] = may_read
    _FOREIGN_NAMES[key] = names
    return names


# A school's own mastery policy (Cedar's): its district's roles read it, as they read the
# district's; its administrator changes it; nobody at another school of the district sees it.
OBJECT_ROWS = {
    (Subject.POLICY, Act.VIEW): {
        "cedar_policy": {R.DISTRICT_ADMIN, R.DISTRICT_DATA_LEAD, R.SYSTEM_ADMIN}
    },
    (Subject.POLICY, Act.CHANGE): {"cedar_policy": {R.DISTRICT_ADMIN, R.SYSTEM_ADMIN}},
}

# -- The cases ----------------------------------------------------------------------------

R_DISTRICT = {R.DISTRICT_ADMIN, R.DISTRICT_DATA_LEAD}  # Riverbend's district roles
SYSADMIN = {R.SYSTEM_ADMIN}
STUDENT_CHANGERS = {R.TEACHER, R.SCHOOL_LEADER, R.DISTRICT_ADMIN}
FRAMEWORK_EDITORS = {R.DISTRICT_ADMIN, R.SYSTEM_ADMIN}
# Moderation sessions of Cedar Elementary (seen by the district's roles, organized by its
# administrator) and of Lakeside (only the state analyst and the system administrator).
CEDAR_SESSION_VIEWERS = {R.DISTRICT_ADMIN, R.DISTRICT_DATA_LEAD, R.STATE_ANALYST, R.SYSTEM_ADMIN}
CEDAR_ORGANIZERS = {R.DISTRICT_ADMIN, R.STATE_ANALYST, R.SYSTEM_ADMIN}
LAKE_ORGANIZERS = {R.STATE_ANALYST, R.SYSTEM_ADMIN}
POLICY_READERS = {R.DISTRICT_ADMIN, R.DISTRICT_DATA_LEAD, R.SYSTEM_ADMIN}  # Cedar's policy
MODERATION_CREATORS = {R.SCHOOL_LEADER, R.DISTRICT_ADMIN, R.STATE_ANALYST, R.SYSTEM_ADMIN}
ALL = set(Role)
# A Cedar student's credential: the district administrator (the policy's credential rows).
CEDAR_CRED = {R.DISTRICT_ADMIN}
IMPORTERS = {R.DISTRICT_ADMIN, R.SYSTEM_ADMIN}  # a district's rosters and learning tools

# What a refused POST with a foreign object must not have added, unless the case names
# its own models: the records people and actions make.
WRITES = (
    "evidence.Evidence",
    "evidence.EvidenceScore",
    "evidence.Artifact",
    "mastery.Determination",
    "mastery.Override",
    "mastery.PolicyVersion",
    "learners.ReassessmentRequest",
    "learners.Goal",
    "pace.SupportPlan",
    "classroom.ScoringTask",
    "classroom.TaskScore",
    "classroom.GroupSet",
    "moderation.Rater",
    "moderation.WorkSample",
    "moderation.Consensus",
    "moderation.Anchor",
    "frameworks.Item",
    "frameworks.Association",
    "frameworks.Exemplar",
)
EVIDENCE_ROWS = ("evidence.Evidence", "evidence.EvidenceScore", "mastery.Determination")
SCORE_ROWS = ("classroom.TaskScore", "classroom.TaskStudent", "evidence.Evidence")


def _w() -> Any:
    from tests.world import WorldView

    return WorldView()


def pk(name: str, attribute: str = "pk") -> Any:
    return lambda w: getattr(getattr(w, name), attribute)


def org(code: str) -> Any:
    return lambda w: w.org(code).pk


def world_task(w: Any) -> int:
    from proficio.classroom.models import ScoringTask

    return ScoringTask.objects.get(title="World task").pk


def target(w: Any) -> int:
    return w.target("MATH.1.2").pk


def competency(w: Any) -> int:
    return w.target("MATH.1").pk


def credential(name: str) -> Any:
    return lambda w: getattr(w, name).uuid


def status_list(name: str) -> Any:
    return lambda w: getattr(w, name).status_list.uuid


def sample(session: str, code: str = "S-01") -> Any:
    return lambda w: getattr(w, session).samples.get(code=code).pk


def replay(session_policy: str) -> Any:
    return lambda w: w.replay_of(session_policy).pk


def artifact(evidence: str) -> Any:
    return lambda w: getattr(w, evidence).artifacts.get().pk


def _case(path: Any) -> Any:
    return lambda w: "/ims/case/v1p1/" + path(w)


def draft_definition(relation: str) -> Any:
    """A CASE definition (or the licence, rubric, association) of the Lakeside draft."""

    def path(w: Any) -> str:
        from proficio.frameworks.models import Framework

        draft = Framework.objects.get(title=TITLES["lake_case_draft"])
        kind, obj = {
            "CFConcepts": ("CFConcepts", draft.concepts.get()),
            "CFSubjects": ("CFSubjects", draft.subjects.get()),
            "CFItemTypes": ("CFItemTypes", draft.item_types.get()),
            "CFAssociationGroupings": ("CFAssociationGroupings", draft.groupings.get()),
            "CFLicenses": ("CFLicenses", draft.license),
            "CFRubrics": ("CFRubrics", draft.rubrics.get()),
            "CFAssociations": ("CFAssociations", draft.associations.order_by("pk").first()),
            "CFPackages": ("CFPackages", draft),
            "CFItems": ("CFItems", w.lake_draft_target),
            "CFItemAssociations": ("CFItemAssociations", w.lake_draft_target),
        }[relation]
        return f"{kind}/{obj.identifier}"

    return _case(path)


def _evidence_json(identifier: Any) -> Any:
    def data() -> dict[str, Any]:
        return {
            "kind": "observation",
            "title": "Foreign check",
            "assessed_at": "2024-01-10T10:00:00Z",
            "scores": [{"target": str(identifier(_w())), "score": 3}],
        }

    return data


def _score(student: str, extra: dict[str, str]) -> Any:
    def data() -> dict[str, Any]:
        from proficio.classroom.models import ScoringTask

        task = ScoringTask.objects.get(title="World task")
        criterion = task.rubric.criteria.order_by("position", "pk").first()
        return {
            "student": str(getattr(_w(), student).pk),
            "criterion": str(criterion.pk),
            "version": "0",
            **extra,
        }

    return data


def _user_pk(field: str, username_or_school: str, more: dict[str, Any] | None = None) -> Any:
    """A body naming a person: by username, or the first teacher of a school (by code)."""

    def data() -> dict[str, Any]:
        from proficio.accounts.models import User

        people = User.objects.filter(username=username_or_school) or User.objects.filter(
            memberships__role="teacher", memberships__organization__code=username_or_school
        ).order_by("username")
        return {field: str(people[0].pk), **(more or {})}

    return data


def _item_body(field: str, name: str, more: dict[str, Any] | None = None) -> Any:
    def data() -> dict[str, Any]:
        return {field: str(getattr(_w(), name).pk), **(more or {})}

    return data


def _session_form(owner_code: str) -> Any:
    def data() -> dict[str, Any]:
        from proficio.frameworks.models import Rubric

        w = _w()
        return {
            "title": "Foreign owner",
            "kind": "moderation",
            "task": "Common task",
            "rubric": str(Rubric.objects.get(title="Number sense and operations rubric").pk),
            "owner": str(w.org(owner_code).pk),
            "design": "full",
            "raters_per_sample": "2",
        }

    return data


def _roster_upload(field: str, code: str) -> Any:
    """A roster upload (an empty zip, as a dry run) into the organization ``code``."""

    def data() -> dict[str, Any]:
        from django.core.files.uploadedfile import SimpleUploadedFile

        return {
            field: str(_w().org(code).pk),
            "dry_run": "true",
            "file": SimpleUploadedFile("roster.zip", b"PK\x05\x06" + b"\x00" * 18),
        }

    return data


def _alignment(code: str, target_code: str | None) -> Any:
    """An activity alignment in ``code``'s district, to a target of the district's own
    framework by its code, or (None) to another district's draft target by its identifier."""

    def data() -> dict[str, Any]:
        w = _w()
        target = target_code or str(w.lake_draft_target.identifier)
        return {
            "district": str(w.org(code).pk),
            "activity_id": "https://tool.example/foreign-check",
            "target": target,
        }

    return data


def _lake_criterion() -> dict[str, Any]:
    from proficio.frameworks.models import RubricCriterion

    criterion = RubricCriterion.objects.filter(
        rubric__framework__title=TITLES["lake_framework"]
    ).first()
    return {"criterion": str(criterion.pk)}


def _u(name: str, *args: Any) -> Any:
    from tests.permission_matrix import _u as reverse_with

    return reverse_with(name, *args)


def _url_cases() -> dict[str, list[RouteCase]]:
    """Cases whose URL names a foreign object (Cedar: ``SCHOOL``; Lakeside: ``DISTRICT``)."""
    c, lk = SCHOOL, DISTRICT
    cedar_kid, cedar_section = pk("cedar_kid"), pk("cedar_section")
    moderation = {
        name: [
            RouteCase(_u(name, pk("cedar_moderation")), CEDAR_SESSION_VIEWERS, foreign=c),
            RouteCase(_u(name, pk("lake_moderation")), LAKE_ORGANIZERS, foreign=lk),
        ]
        for name in (
            "moderation:detail",
            "moderation:discuss",
            "moderation:statistics",
            "moderation:feedback",
            "moderation:comparability",
        )
    }
    # Organizers' actions on a session in scoring: refused by its state (400) or done.
    organizing = {
        name: [
            RouteCase(
                _u(name, pk("cedar_moderation")),
                CEDAR_ORGANIZERS,
                ok=ok,
                method="post",
                data=data,
                foreign=c,
            ),
            RouteCase(
                _u(name, pk("lake_moderation")),
                LAKE_ORGANIZERS,
                ok=ok,
                method="post",
                data=data,
                foreign=lk,
            ),
        ]
        for name, ok, data in (
            ("moderation:add_rater", 400, _user_pk("user", "cedar-es")),
            ("moderation:add_sample", 400, {"description": "Another sample"}),
            ("moderation:draw_samples", 400, {"per_school": 2}),
            ("moderation:open", 400, {}),
            ("moderation:reveal", 400, {}),  # nobody has scored yet
            ("moderation:close", 400, {}),
        )
    }
    on_sample = {
        name: [
            RouteCase(
                _u(name, pk("cedar_moderation"), sample("cedar_moderation")),
                CEDAR_ORGANIZERS,
                ok=400,
                method="post",
                foreign=c,
            ),
            RouteCase(
                _u(name, pk("lake_moderation"), sample("lake_moderation")),
                LAKE_ORGANIZERS,
                ok=400,
                method="post",
                foreign=lk,
            ),
        ]
        for name in ("moderation:consensus", "moderation:anchor")
    }
    case_routes = {
        name: [RouteCase(draft_definition(kind), SYSADMIN, anonymous=404, foreign=lk)]
        for name, kind in (
            ("case:get_package", "CFPackages"),
            ("case:get_item", "CFItems"),
            ("case:get_item_associations", "CFItemAssociations"),
            ("case:get_association", "CFAssociations"),
            ("case:get_rubric", "CFRubrics"),
            ("case:get_license", "CFLicenses"),
            ("case:get_concept", "CFConcepts"),
            ("case:get_subject", "CFSubjects"),
            ("case:get_item_type", "CFItemTypes"),
            ("case:get_grouping", "CFAssociationGroupings"),
        )
    }
    draft, draft_target = pk("lake_case_draft"), pk("lake_draft_target")
    draft_competency = pk("lake_draft_competency")
    return {
        **moderation,
        **organizing,
        **on_sample,
        **case_routes,
        "web:student_detail": [
            RouteCase(_u("web:student_detail", cedar_kid), R_DISTRICT, foreign=c)
        ],
        "web:student_access": [
            RouteCase(_u("web:student_access", cedar_kid), {R.DISTRICT_ADMIN}, foreign=c)
        ],
        "web:section_detail": [
            RouteCase(_u("web:section_detail", cedar_section), R_DISTRICT, foreign=c)
        ],
        "web:organization_detail": [
            RouteCase(
                _u("web:organization_detail", org("cedar-es")),
                R_DISTRICT | {R.STATE_ANALYST, R.SYSTEM_ADMIN},
                foreign=c,
            )
        ],
        "api:get_student": [
            RouteCase(_u("api:get_student", cedar_kid), R_DISTRICT, anonymous=401, foreign=c)
        ],
        "api:get_section": [
            RouteCase(_u("api:get_section", cedar_section), R_DISTRICT, anonymous=401, foreign=c)
        ],
        "api:student_determinations": [
            RouteCase(
                _u("api:student_determinations", cedar_kid), R_DISTRICT, anonymous=401, foreign=c
            )
        ],
        "api:record_evidence": [
            RouteCase(
                _u("api:record_evidence", kid),
                allowed,
                ok=201,
                method="post",
                json=True,
                anonymous=401,
                data=_evidence_json(lambda w: w.target("MATH.1.2").identifier),
                foreign=where,
                unchanged=EVIDENCE_ROWS,
            )
            for kid, allowed, where in (
                (cedar_kid, {R.DISTRICT_ADMIN}, c),
                (pk("lake_kid"), set(), lk),
            )
        ],
        # Frameworks (and what hangs on them) are a district's: Lakeside's draft.
        "frameworks:export": [RouteCase(_u("frameworks:export", draft), SYSADMIN, foreign=lk)],
        "frameworks:history": [RouteCase(_u("frameworks:history", draft), SYSADMIN, foreign=lk)],
        "frameworks:item": [
            RouteCase(_u("frameworks:item", draft, draft_target), SYSADMIN, foreign=lk),
            # Another district's draft item under the district's own framework: not found.
            RouteCase(
                _u("frameworks:item", pk("district_framework"), draft_target), set(), foreign=lk
            ),
        ],
        "frameworks:item_edit": [
            RouteCase(_u("frameworks:item_edit", draft, draft_target), SYSADMIN, foreign=lk)
        ],
        "frameworks:prerequisite_add": [
            RouteCase(_u("frameworks:prerequisite_add", draft, draft_target), SYSADMIN, foreign=lk)
        ],
        "frameworks:level_statements": [
            RouteCase(
                _u("frameworks:level_statements", draft, draft_competency), SYSADMIN, foreign=lk
            )
        ],
        "frameworks:item_retire": [
            RouteCase(
                _u("frameworks:item_retire", draft, draft_target),
                SYSADMIN,
                ok=302,
                method="post",
                foreign=lk,
            )
        ],
        "frameworks:exemplar_add": [
            RouteCase(_u("frameworks:exemplar_add", draft, draft_competency), SYSADMIN, foreign=lk)
        ],
        "frameworks:exemplar_file": [
            RouteCase(
                _u(
                    "frameworks:exemplar_file",
                    lambda w: w.lake_draft_competency.exemplars.get().pk,
                ),
                SYSADMIN,
                foreign=lk,
            )
        ],
        "mastery:rollup_rule": [
            RouteCase(_u("mastery:rollup_rule", draft_competency), SYSADMIN, foreign=lk)
        ],
        "evidence:record": [
            RouteCase(_u("evidence:record", cedar_kid), {R.DISTRICT_ADMIN}, foreign=c)
        ],
        "evidence:review": [
            RouteCase(
                _u("evidence:review", pk("cedar_evidence")),
                {R.DISTRICT_ADMIN},
                ok=302,
                method="post",
                data={"decision": "accept"},
                foreign=c,
            ),
            RouteCase(
                _u("evidence:review", pk("lake_evidence")),
                set(),
                method="post",
                data={"decision": "accept"},
                foreign=lk,
            ),
        ],
        "evidence:artifact": [
            RouteCase(_u("evidence:artifact", artifact("cedar_evidence")), R_DISTRICT, foreign=c),
            RouteCase(_u("evidence:artifact", artifact("lake_evidence")), set(), foreign=lk),
        ],
        "mastery:student_target": [
            RouteCase(_u("mastery:student_target", cedar_kid, target), R_DISTRICT, foreign=c),
            # Ana's own record, on another district's draft target: not found.
            RouteCase(_u("mastery:student_target", pk("ana"), draft_target), set(), foreign=lk),
        ],
        "mastery:override": [
            RouteCase(
                _u("mastery:override", cedar_kid, target),
                {R.DISTRICT_ADMIN},
                ok=400,
                method="post",
                foreign=c,
            )
        ],
        "mastery:policy": [
            RouteCase(_u("mastery:policy", pk("cedar_policy")), POLICY_READERS, foreign=c)
        ],
        "mastery:policy_preview": [
            RouteCase(
                _u("mastery:policy_preview", pk("cedar_policy")),
                FRAMEWORK_EDITORS,
                method="post",
                foreign=c,
            ),
            RouteCase(
                _u("mastery:policy_preview", lambda w: w.policy("Lakeside default").pk),
                SYSADMIN,
                method="post",
                foreign=lk,
            ),
        ],
        "mastery:fit_bkt": [
            RouteCase(
                _u("mastery:fit_bkt", pk("cedar_policy")),
                FRAMEWORK_EDITORS,
                ok=302,
                method="post",
                foreign=c,
            ),
            RouteCase(
                _u("mastery:fit_bkt", lambda w: w.policy("Lakeside default").pk),
                SYSADMIN,
                ok=302,
                method="post",
                foreign=lk,
            ),
        ],
        "mastery:replay": [
            RouteCase(
                _u("mastery:replay", replay("Cedar school policy")), POLICY_READERS, foreign=c
            )
        ],
        "classroom:grid": [RouteCase(_u("classroom:grid", cedar_section), set(), foreign=c)],
        "classroom:grid_csv": [
            RouteCase(_u("classroom:grid_csv", cedar_section), set(), foreign=c)
        ],
        "classroom:tasks": [RouteCase(_u("classroom:tasks", cedar_section), set(), foreign=c)],
        "classroom:groups": [RouteCase(_u("classroom:groups", cedar_section), set(), foreign=c)],
        "classroom:scoring": [
            RouteCase(_u("classroom:scoring", cedar_section, pk("cedar_task")), set(), foreign=c),
            # Ms. Rivera's class with another school's task: not found.
            RouteCase(
                _u("classroom:scoring", pk("rivera_section"), pk("cedar_task")), set(), foreign=c
            ),
        ],
        "classroom:score": [
            RouteCase(
                _u("classroom:score", cedar_section, pk("cedar_task")),
                set(),
                method="post",
                data=_score("cedar_kid", {"score": "3"}),
                foreign=c,
                unchanged=SCORE_ROWS,
            ),
            RouteCase(
                _u("classroom:score", pk("lake_section"), pk("lake_task_foreign")),
                set(),
                method="post",
                data=_score("lake_kid", {"score": "3"}),
                foreign=lk,
                unchanged=SCORE_ROWS,
            ),
        ],
        "classroom:task_student": [
            RouteCase(
                _u("classroom:task_student", cedar_section, pk("cedar_task")),
                set(),
                method="post",
                data=_score("cedar_kid", {"attendance": "absent"}),
                foreign=c,
                unchanged=SCORE_ROWS,
            )
        ],
        "classroom:group_set": [
            RouteCase(
                _u("classroom:group_set", cedar_section, pk("cedar_groups")), set(), foreign=c
            ),
            RouteCase(
                _u("classroom:group_set", pk("rivera_section"), pk("cedar_groups")),
                set(),
                foreign=c,
            ),
            RouteCase(
                _u("classroom:group_set", pk("rivera_section"), pk("lake_groups_foreign")),
                set(),
                foreign=lk,
            ),
        ],
        "learners:goal_done": [
            RouteCase(
                _u("learners:goal_done", pk(name)),
                {R.STUDENT},
                ok=404,
                denied=403,
                method="post",
                foreign=where,
            )
            for name, where in (("cedar_goal", c), ("lake_goal", lk))
        ],
        "learners:decide": [
            RouteCase(
                _u("learners:decide", pk("lake_request")),
                set(),
                method="post",
                data={"r0-decision": "decline"},
                foreign=lk,
            )
        ],
        "learners:family_report": [
            RouteCase(_u("learners:family_report", cedar_kid), set(), foreign=c)
        ],
        "learners:family_report_pdf": [
            RouteCase(_u("learners:family_report_pdf", cedar_kid), set(), foreign=c)
        ],
        "moderation:score": [
            RouteCase(
                _u("moderation:score", pk("cedar_moderation"), sample("cedar_moderation")),
                set(),
                foreign=c,
            ),
            RouteCase(
                _u("moderation:score", pk("lake_moderation"), sample("lake_moderation")),
                set(),
                foreign=lk,
            ),
        ],
        "moderation:sample_file": [
            RouteCase(
                _u("moderation:sample_file", pk("cedar_moderation"), sample("cedar_moderation")),
                CEDAR_ORGANIZERS,
                foreign=c,
            ),
            RouteCase(
                _u("moderation:sample_file", pk("lake_moderation"), sample("lake_moderation")),
                LAKE_ORGANIZERS,
                foreign=lk,
            ),
            # The district's own session with another school's sample: not found.
            RouteCase(
                _u(
                    "moderation:sample_file",
                    pk("moderation_scoring"),
                    sample("cedar_moderation"),
                ),
                set(),
                foreign=c,
            ),
        ],
        "pace:plan": [RouteCase(_u("pace:plan", pk("cedar_plan")), {R.DISTRICT_ADMIN}, foreign=c)],
        "pace:new_plan": [RouteCase(_u("pace:new_plan", cedar_kid), {R.DISTRICT_ADMIN}, foreign=c)],
        "insights:dashboard": [
            RouteCase(
                _u("insights:dashboard", org("cedar-es")),
                R_DISTRICT | {R.STATE_ANALYST},
                foreign=c,
            )
        ],
        "insights:export": [
            RouteCase(
                _u("insights:export", org("cedar-es"), lambda w: "csv"),
                R_DISTRICT | {R.STATE_ANALYST},
                foreign=c,
            )
        ],
        "insights:state_export": [
            RouteCase(
                _u("insights:state_export", org("cedar-es")),
                R_DISTRICT | {R.STATE_ANALYST},
                foreign=c,
            )
        ],
        "classroom:gradebook_organization": [
            RouteCase(
                _u("classroom:gradebook_organization", org("cedar-es")),
                {R.DISTRICT_ADMIN},
                foreign=c,
            )
        ],
        "api:organization_aggregates": [
            RouteCase(
                _u("api:organization_aggregates", org("cedar-es")),
                R_DISTRICT | {R.STATE_ANALYST},
                anonymous=401,
                foreign=c,
            )
        ],
        # Credentials: a Cedar student's (Lakeside's are in permission_matrix_credentials).
        "credentials:download": [
            RouteCase(
                _u("credentials:download", credential("cedar_credential")), CEDAR_CRED, foreign=c
            )
        ],
        "credentials:change": [
            RouteCase(
                _u("credentials:change", credential("cedar_credential"), lambda w: "revoke"),
                CEDAR_CRED,
                ok=302,
                method="post",
                data={"reason": "Issued in error"},
                foreign=c,
            )
        ],
        "credentials:student": [
            RouteCase(_u("credentials:student", cedar_kid), CEDAR_CRED, foreign=c)
        ],
        "credentials:district": [
            RouteCase(_u("credentials:district", org("cedar-es")), FRAMEWORK_EDITORS, foreign=c)
        ],
        # Status lists and DID documents are public, so that anyone can verify: another
        # school's or district's list answers to all alike, and names nobody.
        "credentials:status_list": [
            RouteCase(
                _u("credentials:status_list", status_list(name)),
                ALL,
                anonymous=200,
                foreign=where,
            )
            for name, where in (("cedar_credential", c), ("lake_credential", lk))
        ],
        # Without a domain, no organization publishes a did:web: "not found" alike.
        "credentials:did_org": [
            RouteCase(
                _u("credentials:did_org", lambda w, code=code: code),
                set(),
                anonymous=404,
                foreign=where,
            )
            for code, where in (("cedar-es", c), ("lakeside", lk))
        ],
    }


def _body_cases() -> dict[str, list[RouteCase]]:
    """Cases whose body names a foreign object; the URL's own object is one the allowed
    roles reach, so their answer is the body's refusal, and nothing is saved."""
    c, lk = SCHOOL, DISTRICT
    rivera_section, ana, ben = pk("rivera_section"), pk("ana"), pk("ben")
    scorers, viewers = {R.TEACHER}, {R.TEACHER, R.SCHOOL_LEADER}
    supporters = {R.TEACHER, R.ADVISOR, R.SCHOOL_LEADER, R.DISTRICT_ADMIN}
    organizers = {R.DISTRICT_ADMIN, R.STATE_ANALYST, R.SYSTEM_ADMIN}
    return {
        "classroom:score": [
            RouteCase(
                _u("classroom:score", rivera_section, world_task),
                scorers,
                ok=404,
                method="post",
                data=_score(kid, {"score": "3"}),
                body_foreign=where,
                unchanged=SCORE_ROWS,
            )
            for kid, where in (("cedar_kid", c), ("lake_kid", lk))
        ],
        "classroom:task_student": [
            RouteCase(
                _u("classroom:task_student", rivera_section, world_task),
                scorers,
                ok=404,
                method="post",
                data=_score(kid, {"attendance": "absent", "comment": "Away"}),
                body_foreign=where,
                unchanged=SCORE_ROWS,
            )
            for kid, where in (("cedar_kid", c), ("lake_kid", lk))
        ],
        "classroom:groups": [
            RouteCase(
                _u("classroom:groups", rivera_section),
                viewers,
                ok=400,
                method="post",
                data=_item_body("target", "lake_target", {"title": "Foreign groups"}),
                body_foreign=lk,
                unchanged=("classroom.GroupSet", "classroom.GroupMember"),
            )
        ],
        "classroom:tasks": [
            RouteCase(
                _u("classroom:tasks", rivera_section),
                scorers,
                ok=400,
                method="post",
                data=lambda: {
                    "title": "Foreign rubric",
                    "kind": "performance_task",
                    "assessed_on": "2024-01-10",
                    "rubric": str(_w().lake_framework.rubrics.get().pk),
                },
                body_foreign=lk,
                unchanged=("classroom.ScoringTask",),
            )
        ],
        "evidence:record": [
            RouteCase(
                _u("evidence:record", ana),
                STUDENT_CHANGERS,
                ok=400,
                method="post",
                data=_item_body(
                    "target_1",
                    name,
                    {
                        "kind": "observation",
                        "title": "Foreign target",
                        "assessed_at": "2024-01-10 10:00",
                        "score_1": "3",
                    },
                ),
                body_foreign=lk,
                unchanged=EVIDENCE_ROWS,
            )
            for name in ("lake_target", "lake_draft_target")
        ],
        "api:record_evidence": [
            RouteCase(
                _u("api:record_evidence", ana),
                STUDENT_CHANGERS,
                ok=400,
                method="post",
                json=True,
                anonymous=401,
                data=_evidence_json(lambda w, name=name: getattr(w, name).identifier),
                body_foreign=lk,
                unchanged=EVIDENCE_ROWS,
            )
            for name in ("lake_target", "lake_draft_target")
        ],
        "learners:outside_learning": [
            RouteCase(
                _u("learners:outside_learning"),
                {R.STUDENT},
                ok=400,
                denied=403,
                method="post",
                data=_item_body(
                    "target",
                    "lake_target",
                    {
                        "title": "Foreign target",
                        "assessed_at": "2024-01-10",
                        "level": "3",
                        "description": "I did it",
                    },
                ),
                body_foreign=lk,
                unchanged=EVIDENCE_ROWS,
            )
        ],
        "learners:request_reassessment": [
            RouteCase(
                _u("learners:request_reassessment"),
                {R.STUDENT},
                ok=400,
                denied=403,
                method="post",
                data=_item_body("target", name, {"note": "I am ready."}),
                body_foreign=lk,
                unchanged=("learners.ReassessmentRequest",),
            )
            for name in ("lake_target", "lake_draft_target")
        ],
        "pace:new_plan": [
            RouteCase(
                _u("pace:new_plan", ben),
                supporters,
                ok=400,
                method="post",
                data=_user_pk(
                    "owner",
                    who,
                    {
                        "intervention": "Tutoring",
                        "start_on": "2024-01-10",
                        "check_in_on": "2024-02-10",
                    },
                ),
                body_foreign=where,
                unchanged=("pace.SupportPlan",),
            )
            for who, where in (("cedar-es", c), ("lake.teacher", lk))
        ],
        "pace:targets": [
            RouteCase(
                _u("pace:targets"),
                {R.DISTRICT_ADMIN},
                ok=400,
                denied=403,
                method="post",
                data=_item_body(
                    "competency",
                    "lake_draft_competency",
                    {
                        "grade_level": "7",
                        "kind": "term",
                        "level_code": "L5",
                        "due_on": "2030-06-01",
                    },
                ),
                body_foreign=lk,
                unchanged=("pace.PaceTarget",),
            )
        ],
        "moderation:add_rater": [
            # Maple's own session: a Cedar teacher may not sit on it.
            RouteCase(
                _u("moderation:add_rater", pk("maple_moderation")),
                organizers | {R.SCHOOL_LEADER},
                ok=400,
                method="post",
                data=_user_pk("user", "cedar-es"),
                body_foreign=c,
                unchanged=("moderation.Rater",),
            ),
            # The district's session: nobody of another district may.
            RouteCase(
                _u("moderation:add_rater", pk("moderation_setup")),
                organizers,
                ok=400,
                method="post",
                data=_user_pk("user", "lake.teacher"),
                body_foreign=lk,
                unchanged=("moderation.Rater",),
            ),
        ],
        "moderation:create": [
            RouteCase(
                _u("moderation:create"),
                MODERATION_CREATORS,
                ok=400,
                denied=403,
                method="post",
                data=_session_form("cedar-es"),
                body_foreign=c,
                unchanged=("moderation.ModerationSession",),
            ),
            RouteCase(
                _u("moderation:create"),
                MODERATION_CREATORS,
                ok=400,
                denied=403,
                method="post",
                data=_session_form("lakeside"),
                body_foreign=lk,
                unchanged=("moderation.ModerationSession",),
                # The system administrator organizes anywhere, another district included.
                answers={R.SYSTEM_ADMIN: 302},
            ),
        ],
        "moderation:anchor": [
            RouteCase(
                _u("moderation:anchor", pk("moderation_revealed"), sample("moderation_revealed")),
                organizers,
                ok=400,
                method="post",
                data=_lake_criterion,
                body_foreign=lk,
                unchanged=("moderation.Anchor", "frameworks.Exemplar"),
            )
        ],
        "frameworks:prerequisite_add": [
            RouteCase(
                _u("frameworks:prerequisite_add", pk("district_framework"), target),
                FRAMEWORK_EDITORS,
                ok=400,
                method="post",
                data=_item_body("prerequisite", "lake_draft_target"),
                body_foreign=lk,
                unchanged=("frameworks.Association",),
            )
        ],
        # Rosters import into a district the person administers: another district's
        # (or a school, which is no district) is refused; the system administrator's own.
        "roster:import": [
            RouteCase(
                _u("roster:import"),
                IMPORTERS,
                ok=400,
                denied=403,
                method="post",
                data=_roster_upload("district", code),
                body_foreign=where,
                unchanged=("roster.RosterImport",),
                answers=answers,
            )
            for code, where, answers in (
                ("cedar-es", c, {}),
                ("lakeside", lk, {R.SYSTEM_ADMIN: 302}),
            )
        ],
        "api:import_roster": [
            RouteCase(
                _u("api:import_roster"),
                IMPORTERS,
                ok=400,
                method="post",
                anonymous=401,
                data=_roster_upload("district_id", code),
                body_foreign=where,
                unchanged=("roster.RosterImport",),
                answers=answers,
            )
            for code, where, answers in (
                # A school is no district: refused (400) to those who may change it.
                ("cedar-es", c, {}),
                ("lakeside", lk, {R.SYSTEM_ADMIN: 202, R.DISTRICT_ADMIN: 404}),
            )
        ],
        # Learning-tool alignments: another district (or a school) is no choice; another
        # district's draft target is no target one may name.
        "lrs:home": [
            *(
                RouteCase(
                    _u("lrs:home"),
                    IMPORTERS,
                    ok=400,
                    denied=403,
                    method="post",
                    data=_alignment(code, "MATH.1.2"),
                    body_foreign=where,
                    unchanged=("lrs.ActivityAlignment",),
                    answers=answers,
                )
                for code, where, answers in (
                    ("cedar-es", c, {}),
                    ("lakeside", lk, {R.SYSTEM_ADMIN: 302}),
                )
            ),
            RouteCase(
                _u("lrs:home"),
                IMPORTERS,
                ok=400,
                denied=403,
                method="post",
                data=_alignment("riverbend", None),
                body_foreign=lk,
                unchanged=("lrs.ActivityAlignment",),
                # The system administrator reads every draft; intake still records nothing
                # for a target not assessable for the learner.
                answers={R.SYSTEM_ADMIN: 302},
            ),
        ],
        "mastery:rollup_rule": [
            RouteCase(
                _u("mastery:rollup_rule", competency),
                FRAMEWORK_EDITORS,
                ok=400,
                method="post",
                data=_item_body("required", "lake_target", {"method": "all"}),
                body_foreign=lk,
                unchanged=("mastery.RollupRuleModel",),
            )
        ],
    }


# Routes whose body carries an id: route -> (the field, whether only a district owns its
# kind). Learning targets, rubrics, criteria and competencies belong to frameworks.
BODY_IDS = {
    "classroom:score": ("student", False),
    "classroom:task_student": ("student", False),
    "classroom:groups": ("target", True),
    "classroom:tasks": ("rubric", True),
    "evidence:record": ("target_1", True),
    "api:record_evidence": ("scores[].target", True),
    "learners:outside_learning": ("target", True),
    "learners:request_reassessment": ("target", True),
    "pace:new_plan": ("owner", False),
    "pace:targets": ("competency", True),
    "moderation:add_rater": ("user", False),
    "moderation:create": ("owner", False),
    "moderation:anchor": ("criterion", True),
    "frameworks:prerequisite_add": ("prerequisite", True),
    "mastery:rollup_rule": ("required", True),
    "roster:import": ("district", False),
    "api:import_roster": ("district_id", False),
    "lrs:home": ("district, target", False),
    "api:define_requirement_set": ("owner_id", False),
    "api:record_rubric_result": ("requirement_id", True),
    "api:accept_alternative": ("requirement_id, outside_credential_id", False),
    "api:opt_in": ("requirement_set_id", True),
}


def _more_cases() -> dict[str, list[RouteCase]]:
    more = _url_cases()
    for name, cases in _body_cases().items():
        more.setdefault(name, []).extend(cases)
    return more


MORE_CASES = _more_cases()

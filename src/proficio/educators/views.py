"""Pages for educators as learners: the educator's own profile, growth, plan, submissions,
pathways and credentials; the building leader's plan approvals; the reviewer's queue and
review; the issuer's catalogue, reviewer pool, calibration, pathway reviews and payroll;
and the suppressed leader, district and state views. Views parse, ask the policy, call
an action or a read module, and render."""

from __future__ import annotations

import csv
from io import StringIO
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from proficio import policy
from proficio.accounts.models import User
from proficio.audit.log import record_object_reads
from proficio.credentials.models import IssuedCredential
from proficio.educators import actions, growth, progress, reports
from proficio.educators.models import (
    CatalogueStatus,
    EnrollmentStatus,
    GrowthPlan,
    IssuerKind,
    LicenseKind,
    MicroCredential,
    PartKind,
    Pathway,
    PathwayEnrollment,
    PlanStatus,
    Share,
    Submission,
    SubmissionArtifact,
    SubmissionStatus,
)
from proficio.frameworks.models import Category, Framework, Item, ItemKind, PublicationStatus
from proficio.orgs.models import Organization, OrganizationKind, RoleMembership, active_on
from proficio.pace.models import EducatorProfile, EducatorRole
from proficio.policy import Act, Subject

QUEUE_PAGE = 50


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": list(exc.messages)}


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _is_educator(user: Any) -> bool:
    return policy.may(user, Act.CHANGE, Subject.OWN_PRACTICE)


def _me(request: HttpRequest) -> EducatorProfile:
    if not _is_educator(request.user):
        raise PermissionDenied
    return actions.my_profile(request.user)


def _user_named(username: str) -> User | None:
    name = (username or "").strip()
    return User.objects.filter(username=name, is_active=True).first() if name else None


def _lists(request: HttpRequest, key: str) -> list[str]:
    return [v for v in request.POST.getlist(key) if v]


def _leads(user: Any, subject: Subject, act: Act = Act.VIEW) -> list[Organization]:
    """The highest organizations a person reaches for ``subject`` (their programme or
    dashboard entry points)."""
    orgs = list(
        policy.visible(user, subject, act)
        .exclude(kind=OrganizationKind.SCHOOL if subject == Subject.EDUCATOR_PROGRAM else "")
        .order_by("path")
    )
    tops: list[Organization] = []
    for org in orgs:
        if not any(org.path.startswith(t.path) for t in tops):
            tops.append(org)
    return tops


# ================================================================ the educator's home


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    educator = _is_educator(user)
    dashboards = _leads(user, Subject.EDUCATOR_AGGREGATE)
    programs = _leads(user, Subject.EDUCATOR_PROGRAM)
    if not (educator or dashboards or programs):
        raise PermissionDenied
    context: dict[str, Any] = {"dashboards": dashboards, "programs": programs, "educator": educator}
    if educator:
        profile = actions.my_profile(user)
        statuses = progress.statuses_of(user.pk)
        context.update(
            profile=profile,
            plans=GrowthPlan.objects.filter(educator=user).select_related("pathway")[:3],
            submissions=Submission.objects.filter(educator=user).select_related("micro_credential"),
            enrollments=[
                progress.of(e, statuses)
                for e in PathwayEnrollment.objects.filter(educator=user).select_related("pathway")
            ],
            credentials=IssuedCredential.objects.filter(educator=user).order_by("-issued_at"),
            notes=policy.visible(user, Subject.FEEDBACK_NOTE)
            .filter(educator=user)
            .select_related("author", "submission__micro_credential")[:10],
            plans_to_decide=policy.visible(user, Subject.GROWTH_PLAN, Act.CHANGE)
            .filter(status=PlanStatus.PROPOSED)
            .count(),
            to_review=policy.visible(user, Subject.REVIEW, Act.CHANGE)
            .filter(status=SubmissionStatus.IN_REVIEW)
            .count(),
            coaching=EducatorProfile.objects.filter(
                user_id__in=Share.objects.filter(
                    with_user=user, coach=True, revoked_at__isnull=True
                ).values("educator_id")
            ).select_related("user"),
        )
    return render(request, "educators/home.html", context)


# ================================================================ profile and license


def _supervisor_choices(profile: EducatorProfile) -> list[User]:
    place = profile.organization
    if place is None:
        return []
    above = [place.pk, *actions._ancestors(place)]
    return list(
        User.objects.filter(
            pk__in=RoleMembership.objects.filter(
                active_on(timezone.localdate()),
                organization_id__in=above,
                role__in=["school_leader", "district_admin"],
            ).values("user_id")
        )
        .exclude(pk=profile.user_id)
        .order_by("display_name", "username")
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest, profile_id: int) -> HttpResponse:
    found: EducatorProfile = policy.access(request.user, Subject.EDUCATOR_PROFILE, profile_id)
    can_edit = policy.can(request.user, Act.CHANGE, Subject.EDUCATOR_PROFILE, found)
    errors: dict[str, list[str]] = {}
    form = request.POST.get("form", "")
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        try:
            if form == "profile":
                supervisor_id = request.POST.get("supervisor") or ""
                supervisor = next(
                    (u for u in _supervisor_choices(found) if str(u.pk) == supervisor_id), None
                )
                if supervisor_id and supervisor is None:
                    raise ValidationError({"supervisor": _("Choose a leader from the list.")})
                actions.update_profile(
                    request.user,
                    found,
                    roles=_lists(request, "roles"),
                    years_experience=request.POST.get("years_experience", ""),
                    supervisor=supervisor,
                )
            elif form == "license":
                actions.add_license(
                    request.user,
                    found,
                    title=request.POST.get("title", ""),
                    number=request.POST.get("number", ""),
                    kind=request.POST.get("kind", ""),
                    issued_on=parse_date(request.POST.get("issued_on", "") or "x"),
                    expires_on=parse_date(request.POST.get("expires_on", "") or "x"),
                    renewal_credits_required=request.POST.get("renewal_credits_required", "0"),
                )
            elif form == "remove_license":
                license = found.licenses.filter(pk=request.POST.get("license") or 0).first()
                if license is None:
                    raise Http404(_("No such license"))
                actions.remove_license(request.user, license)
            elif form == "held":
                actions.add_credential_held(
                    request.user,
                    found,
                    title=request.POST.get("title", ""),
                    issuer_name=request.POST.get("issuer_name", ""),
                    earned_on=parse_date(request.POST.get("earned_on", "") or "x"),
                )
            else:
                raise ValidationError(_("Unknown form."))
            messages.success(request, _("Saved."))
            return redirect("educators:profile", found.pk)
        except ValidationError as exc:
            errors = _errors(exc)
        except ValueError:
            errors = {"__all__": [_("A date is not a real date (YYYY-MM-DD).")]}
    if found.user_id != request.user.pk:
        record_object_reads([found], purpose="educator profile")
    return render(
        request,
        "educators/profile.html",
        {
            "found": found,
            "can_edit": can_edit,
            "own": found.user_id == request.user.pk,
            "errors": errors,
            "form": form,
            "post": request.POST,
            "roles": EducatorRole.choices,
            "license_kinds": LicenseKind.choices,
            "supervisors": _supervisor_choices(found),
            "licenses": [reports.renewal_progress(lic) for lic in found.licenses.all()],
            "held": found.credentials_held.all(),
            "micro_credentials": IssuedCredential.objects.filter(
                educator_id=found.user_id, revoked_at__isnull=True
            ),
        },
        status=400 if errors else 200,
    )


@login_required
@require_GET
def license(request: HttpRequest, profile_id: int) -> HttpResponse:
    found: EducatorProfile = policy.access(request.user, Subject.EDUCATOR_PROFILE, profile_id)
    if found.user_id != request.user.pk:
        record_object_reads([found], purpose="educator license")
    today = timezone.localdate()
    return render(
        request,
        "educators/license.html",
        {
            "found": found,
            "today": today,
            "licenses": [
                (lic, reports.renewal_progress(lic), actions.in_force(lic, today))
                for lic in found.licenses.all()
            ],
        },
    )


# ================================================================ growth


def _educator_framework_items(profile: EducatorProfile) -> list[Item]:
    place = profile.organization
    above = [place.pk, *actions._ancestors(place)] if place is not None else []
    frameworks = Framework.objects.filter(status=PublicationStatus.PUBLISHED).filter(
        pk__in=Item.objects.filter(category=Category.EDUCATOR).values("framework_id")
    )
    frameworks = frameworks.filter(owner__isnull=True) | frameworks.filter(owner_id__in=above)
    return list(
        Item.objects.filter(
            framework__in=frameworks,
            category=Category.EDUCATOR,
            kind__in=[ItemKind.COMPETENCY, ItemKind.TARGET],
            archived_at__isnull=True,
        )
        .select_related("framework")
        .order_by("framework_id", "human_coding_scheme", "pk")
    )


@login_required
@require_http_methods(["GET", "POST"])
def growth_page(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            n = actions.self_assess(_user(request), _user(request), request.POST)
            messages.success(request, _("Self-assessment saved (%(n)s indicators).") % {"n": n})
            return redirect("educators:growth")
        except ValidationError as exc:
            errors = _errors(exc)
    items = _educator_framework_items(me)
    indicators = [i for i in items if i.kind == ItemKind.TARGET]
    standing = growth.growth_of(request.user, me.organization, indicators)
    latest_self = {}
    from proficio.educators.models import EducatorEvidence, EducatorEvidenceKind

    for indicator_id, score in (
        EducatorEvidence.objects.filter(
            educator=_user(request), kind=EducatorEvidenceKind.SELF_ASSESSMENT
        )
        .order_by("assessed_at", "pk")
        .values_list("indicator_id", "score")
    ):
        latest_self[indicator_id] = score
    competencies = []
    by_code = {i.human_coding_scheme: i for i in items if i.kind == ItemKind.COMPETENCY}
    for code, competency in by_code.items():
        rows = [
            {
                "item": i,
                "growth": standing[i.pk],
                "self": latest_self.get(i.pk),
                "values": growth.scale_values(i),
                "errors": errors.get(f"indicator-{i.pk}", []),
            }
            for i in indicators
            if (i.human_coding_scheme or "").startswith(f"{code}.")
        ]
        competencies.append({"competency": competency, "rows": rows})
    return render(
        request,
        "educators/growth.html",
        {"me": me, "competencies": competencies, "errors": errors},
        status=400 if errors else 200,
    )


@login_required
@require_GET
def growth_indicator(request: HttpRequest, indicator_id: int) -> HttpResponse:
    me = _me(request)
    item = next(
        (
            i
            for i in _educator_framework_items(me)
            if i.pk == indicator_id and growth.is_indicator(i)
        ),
        None,
    )
    if item is None:
        raise Http404(_("No such indicator"))
    found = growth.growth_of(request.user, me.organization, [item])[item.pk]
    from proficio.educators.models import EducatorEvidence

    evidence = {
        f"e{e.pk}": e
        for e in EducatorEvidence.objects.filter(educator=_user(request), indicator=item)
    }
    used = [{**u, "evidence": evidence.get(u["key"])} for u in found.explanation.get("used", [])]
    excluded = [
        {**x, "evidence": evidence.get(x["key"])} for x in found.explanation.get("excluded", [])
    ]
    return render(
        request,
        "educators/growth_indicator.html",
        {"item": item, "found": found, "used": used, "excluded": excluded},
    )


# ================================================================ plans


def _plan_context(user: Any) -> dict[str, Any]:
    catalogue = policy.visible(user, Subject.MICRO_CREDENTIAL).filter(
        status=CatalogueStatus.PUBLISHED
    )
    pathways = (
        policy.visible(user, Subject.PATHWAY)
        .filter(status=CatalogueStatus.PUBLISHED)
        .prefetch_related("members__micro_credential")
    )
    return {"catalogue": catalogue.select_related("item"), "pathways": pathways}


def _propose(request: HttpRequest, plan: GrowthPlan | None) -> GrowthPlan:
    return actions.propose_plan(
        request.user,
        _user(request),
        goals=(request.POST.get("goals") or "").splitlines(),
        micro_credentials=_lists(request, "micro_credentials"),
        pathway=request.POST.get("pathway") or None,
        electives=_lists(request, "electives"),
        plan=plan,
    )


@login_required
@require_http_methods(["GET", "POST"])
def plans(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    educator = _is_educator(user)
    deciding = policy.may(user, Act.CHANGE, Subject.GROWTH_PLAN)
    if not (educator or deciding):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if not educator:
            raise PermissionDenied
        try:
            plan = _propose(request, None)
            messages.success(request, _("Your plan was sent for approval."))
            return redirect("educators:plan", plan.pk)
        except ValidationError as exc:
            errors = _errors(exc)
    waiting = list(
        policy.visible(user, Subject.GROWTH_PLAN, Act.CHANGE)
        .filter(status=PlanStatus.PROPOSED)
        .select_related("educator", "school", "pathway")
        .order_by("proposed_at", "pk")
    )
    record_object_reads(waiting, purpose="growth plans to decide")
    return render(
        request,
        "educators/plans.html",
        {
            "mine": GrowthPlan.objects.filter(educator=user).select_related("pathway")
            if educator
            else [],
            "educator": educator,
            "waiting": waiting,
            "errors": errors,
            "post": request.POST,
            "chosen": set(_lists(request, "micro_credentials") + _lists(request, "electives")),
            **(_plan_context(user) if educator else {}),
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest, plan_id: int) -> HttpResponse:
    found: GrowthPlan = policy.access(request.user, Subject.GROWTH_PLAN, plan_id)
    own = found.educator_id == request.user.pk
    can_decide = policy.can(request.user, Act.CHANGE, Subject.GROWTH_PLAN, found)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            if request.POST.get("form") == "decide":
                decision = request.POST.get("decision")
                if decision not in ("approve", "return"):
                    raise ValidationError({"decision": _("Approve the plan or return it.")})
                actions.decide_plan(
                    request.user,
                    found,
                    approve=decision == "approve",
                    comment=request.POST.get("comment", ""),
                )
                messages.success(
                    request,
                    _("Plan approved.") if decision == "approve" else _("Plan returned."),
                )
            elif own:
                _propose(request, found)
                messages.success(request, _("Your plan was sent for approval."))
            else:
                raise PermissionDenied
            return redirect("educators:plan", found.pk)
        except ValidationError as exc:
            errors = _errors(exc)
    if not own:
        record_object_reads([found], purpose="growth plan")
    return render(
        request,
        "educators/plan.html",
        {
            "found": found,
            "own": own,
            "can_decide": can_decide and found.status == PlanStatus.PROPOSED,
            "decisions": found.decisions.select_related("decided_by"),
            "errors": errors,
            "post": request.POST,
            "chosen": {m.code for m in found.micro_credentials.all()}
            | {m.code for m in found.electives.all()},
            "plan_goals": "\n".join(found.goals),
            "plan_pathway": found.pathway.code if found.pathway else "",
            **(_plan_context(request.user) if own else {}),
        },
        status=400 if errors else 200,
    )


# ================================================================ the catalogue


def _authoring_orgs(user: Any) -> list[Organization]:
    return [
        o
        for o in policy.visible(user, Subject.EDUCATOR_PROGRAM, Act.CHANGE)
        .filter(kind__in=[OrganizationKind.DISTRICT, OrganizationKind.STATE])
        .order_by("path")
    ]


@login_required
@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Act.VIEW, Subject.MICRO_CREDENTIAL)
    entries = (
        policy.visible(request.user, Subject.MICRO_CREDENTIAL)
        .exclude(status=CatalogueStatus.ARCHIVED)
        .select_related("item", "issuer")
        .order_by("item__human_coding_scheme", "code")
    )
    return render(
        request,
        "educators/catalogue.html",
        {"entries": entries, "authoring": _authoring_orgs(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def micro_credential(request: HttpRequest, mc_id: int) -> HttpResponse:
    mc: MicroCredential = policy.access(request.user, Subject.MICRO_CREDENTIAL, mc_id)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            if request.POST.get("form") == "publish":
                actions.publish_micro_credential(request.user, mc)
                messages.success(request, _("Published."))
                return redirect("educators:micro_credential", mc.pk)
            if not _is_educator(request.user):
                raise PermissionDenied
            submission = actions.start_submission(_user(request), _user(request), mc)
            return redirect("educators:submission", submission.pk)
        except ValidationError as exc:
            errors = _errors(exc)
    mine = (
        Submission.objects.filter(educator=_user(request), micro_credential=mc).first()
        if request.user.is_authenticated
        else None
    )
    return render(
        request,
        "educators/micro_credential.html",
        {
            "mc": mc,
            "parts": mc.parts.all(),
            "mine": mine,
            "educator": _is_educator(request.user),
            "can_publish": mc.status == CatalogueStatus.DRAFT
            and policy.can(request.user, Act.CHANGE, Subject.MICRO_CREDENTIAL, mc),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


PART_ROWS = 4


@login_required
@require_http_methods(["GET", "POST"])
def catalogue_new(request: HttpRequest, org_id: int) -> HttpResponse:
    org: Organization = policy.access(
        request.user, Subject.EDUCATOR_PROGRAM, org_id, act=Act.CHANGE
    )
    errors: dict[str, list[str]] = {}
    items = list(
        Item.objects.filter(
            category=Category.EDUCATOR,
            kind__in=[ItemKind.COMPETENCY, ItemKind.TARGET],
            archived_at__isnull=True,
            framework__status=PublicationStatus.PUBLISHED,
        )
        .select_related("framework")
        .order_by("framework_id", "human_coding_scheme")
    )
    if request.method == "POST":
        parts = []
        for n in range(1, PART_ROWS + 1):
            row: dict[str, Any] = {
                k: request.POST.get(f"part{n}-{k}", "") for k in actions.PART_FIELDS
            }
            if any(row[k].strip() for k in ("title", "prompt", "met_criteria")):
                row["required"] = bool(request.POST.get(f"part{n}-required"))
                parts.append(row)
        item = next((i for i in items if str(i.pk) == request.POST.get("item")), None)
        try:
            mc = actions.create_micro_credential(
                request.user,
                issuer=org,
                code=request.POST.get("code", ""),
                title=request.POST.get("title", ""),
                item=item,
                key_method=request.POST.get("key_method", ""),
                method_description=request.POST.get("method_description", ""),
                research_basis=request.POST.get("research_basis", ""),
                issuer_kind=request.POST.get("issuer_kind", IssuerKind.DISTRICT),
                partner_name=request.POST.get("partner_name", ""),
                graduate_credit=request.POST.get("graduate_credit", ""),
                credit_value=request.POST.get("credit_value", "0.5"),
                supervisor_may_review=bool(request.POST.get("supervisor_may_review")),
                blind_review=bool(request.POST.get("blind_review")),
                parts=parts,
                publish=bool(request.POST.get("publish")),
            )
            messages.success(request, _("Added to the catalogue."))
            return redirect("educators:micro_credential", mc.pk)
        except ValidationError as exc:
            errors = _errors(exc)
    defaults = [
        (1, PartKind.OVERVIEW),
        (2, PartKind.WORK_EXAMPLE),
        (3, PartKind.STUDENT_EVIDENCE),
        (4, PartKind.REFLECTION),
    ]
    return render(
        request,
        "educators/catalogue_new.html",
        {
            "org": org,
            "items": items,
            "errors": errors,
            "post": request.POST,
            "part_rows": [
                {
                    "n": n,
                    "kind": request.POST.get(f"part{n}-kind", kind.value),
                    "title": request.POST.get(f"part{n}-title", ""),
                    "prompt": request.POST.get(f"part{n}-prompt", ""),
                    "met_criteria": request.POST.get(f"part{n}-met_criteria", ""),
                    "errors": [
                        m
                        for key, ms in errors.items()
                        if key.startswith(f"parts[{n}].")
                        for m in ms
                    ],
                }
                for n, kind in defaults
            ],
            "part_kinds": PartKind.choices,
            "issuer_kinds": IssuerKind.choices,
        },
        status=400 if errors else 200,
    )


@login_required
@require_GET
def catalogue_export(request: HttpRequest, org_id: int) -> HttpResponse:
    org: Organization = policy.access(request.user, Subject.EDUCATOR_PROGRAM, org_id)
    data = actions.export_catalogue(request.user, org)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = f'attachment; filename="{org.code}-micro-credentials.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def catalogue_import(request: HttpRequest, org_id: int) -> HttpResponse:
    org: Organization = policy.access(
        request.user, Subject.EDUCATOR_PROGRAM, org_id, act=Act.CHANGE
    )
    errors: list[str] = []
    report = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors = [_("Choose a catalogue file (JSON).")]
        elif (upload.size or 0) > 20 * 1024 * 1024:
            errors = [_("The file is larger than 20 MB.")]
        else:
            try:
                report = actions.import_catalogue(request.user, org, upload.read())
            except actions.CatalogueError as exc:
                errors = [f"{path}: {message}" for path, message in exc.problems]
            except ValidationError as exc:
                errors = [m for ms in _errors(exc).values() for m in ms]
    return render(
        request,
        "educators/catalogue_import.html",
        {"org": org, "errors": errors, "report": report},
        status=400 if errors else 200,
    )


# ================================================================ submissions


def _submitter_label(submission: Submission, viewer: Any) -> str:
    """Blind review: the reviewer sees a reference that names nobody."""
    if submission.educator_id == viewer.pk:
        return _("You")
    assigned = submission.assignments.filter(active=True, reviewer=viewer).exists()
    if submission.blind and assigned:
        return submission.reference
    return str(submission.educator)


@login_required
@require_GET
def submissions(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    asked = (
        policy.visible(request.user, Subject.SUBMISSION)
        .filter(feedback_requests__peer=request.user, feedback_requests__closed_at__isnull=True)
        .exclude(educator=_user(request))
        .select_related("micro_credential", "educator")
        .distinct()
    )
    record_object_reads(list(asked), purpose="peer feedback requests")
    return render(
        request,
        "educators/submissions.html",
        {
            "me": me,
            "mine": Submission.objects.filter(educator=_user(request)).select_related(
                "micro_credential"
            ),
            "asked": asked,
        },
    )


def _submission_context(request: HttpRequest, found: Submission) -> dict[str, Any]:
    own = found.educator_id == request.user.pk
    parts = list(found.micro_credential.parts.all())
    texts = dict(found.responses.values_list("part_id", "text"))
    files: dict[int, list[SubmissionArtifact]] = {}
    for a in found.artifacts.filter(removed_at__isnull=True):
        files.setdefault(a.part_id, []).append(a)
    versions = list(found.versions.order_by("-number").prefetch_related("reviews__scores__part"))
    editable = own and found.status in (SubmissionStatus.DRAFT, SubmissionStatus.RETURNED)
    latest = versions[0] if versions else None
    return {
        "found": found,
        "own": own,
        "editable": editable,
        "who": _submitter_label(found, request.user),
        "parts": [
            {
                "part": p,
                "text": texts.get(p.pk, ""),
                "files": files.get(p.pk, []),
                "submitted": {
                    "text": "",
                    "artifacts": [],
                    **(latest.content.get(str(p.pk), {}) if latest else {}),
                },
            }
            for p in parts
        ],
        "versions": versions,
        "notes": policy.visible(request.user, Subject.FEEDBACK_NOTE)
        .filter(submission=found)
        .select_related("author"),
        "peer": policy.may_give_peer_feedback(request.user, found),
        "requests": found.feedback_requests.select_related("peer") if own else [],
        "reviewing": found.assignments.filter(active=True, reviewer=_user(request)).exists(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def submission(request: HttpRequest, submission_id: int) -> HttpResponse:
    found: Submission = policy.access(request.user, Subject.SUBMISSION, submission_id)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        do = request.POST.get("do", "")
        try:
            if do == "peer_note":
                actions.leave_peer_feedback(request.user, found, request.POST.get("text", ""))
                messages.success(request, _("Your feedback was sent."))
                return redirect("educators:submission", found.pk)
            if found.educator_id != request.user.pk:
                raise PermissionDenied
            if do in ("save", "submit", "scrub"):
                result = actions.work_on(
                    request.user,
                    found,
                    texts={
                        k: request.POST.get(k, "") for k in request.POST if k.startswith("part-")
                    },
                    files={k: f for k, f in request.FILES.items() if k.startswith("file-")},
                    remove=request.POST.get("remove_file") or None,
                    then=do,
                )
                if request.POST.get("remove_file"):
                    messages.success(request, _("File removed from the draft."))
                elif do == "scrub":
                    messages.success(
                        request, _("Students' names replaced in %(n)s part(s).") % {"n": result}
                    )
                elif do == "submit":
                    messages.success(request, _("Submitted for review."))
                else:
                    messages.success(request, _("Draft saved."))
            elif do == "request_feedback":
                peer = _user_named(request.POST.get("peer", ""))
                if peer is None:
                    raise ValidationError(
                        {"peer": _("No educator of your district has that username.")}
                    )
                actions.request_peer_feedback(request.user, found, peer)
                messages.success(request, _("Feedback requested."))
            else:
                raise ValidationError(_("Unknown action."))
            return redirect("educators:submission", found.pk)
        except ValidationError as exc:
            errors = _errors(exc)
    if found.educator_id != request.user.pk:
        record_object_reads([found], purpose="micro-credential submission")
    context = _submission_context(request, found)
    if request.method == "POST" and errors:
        for row in context["parts"]:
            key = f"part-{row['part'].pk}"
            if key in request.POST:
                row["text"] = request.POST[key]
    for row in context["parts"]:
        row["errors"] = errors.get(f"part-{row['part'].pk}", [])
    context["errors"] = errors
    if context["editable"] and not errors:
        context["problems"] = actions.submission_problems(found)
    return render(request, "educators/submission.html", context, status=400 if errors else 200)


@login_required
@require_GET
def artifact(request: HttpRequest, submission_id: int, artifact_id: int) -> FileResponse:
    found: Submission = policy.access(request.user, Subject.SUBMISSION, submission_id)
    item = found.artifacts.filter(pk=artifact_id).first()
    if item is None:
        raise Http404(_("No such file"))
    if found.educator_id != request.user.pk:
        record_object_reads([found], purpose="micro-credential file")
    blind = found.blind and found.educator_id != request.user.pk
    response = FileResponse(
        item.file.open("rb"),
        as_attachment=True,
        filename=f"{found.reference}-{item.pk}{_extension(item)}" if blind else item.name,
        content_type=item.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _extension(item: SubmissionArtifact) -> str:
    from proficio.evidence.models import ALLOWED_ARTIFACT_TYPES

    return ALLOWED_ARTIFACT_TYPES.get(item.content_type, "")


# ================================================================ review


@login_required
@require_GET
def reviews(request: HttpRequest) -> HttpResponse:
    if not policy.may(request.user, Act.CHANGE, Subject.REVIEW):
        raise PermissionDenied
    queue = (
        policy.visible(request.user, Subject.REVIEW, Act.CHANGE)
        .filter(status=SubmissionStatus.IN_REVIEW)
        .select_related("micro_credential", "educator")
        .order_by("submitted_at", "pk")
    )
    page = Paginator(queue, QUEUE_PAGE).get_page(request.GET.get("page"))
    rows = [{"submission": s, "who": s.reference if s.blind else str(s.educator)} for s in page]
    record_object_reads([s for s in page if not s.blind], purpose="review queue")
    return render(request, "educators/reviews.html", {"page": page, "rows": rows})


def _for_review(request: HttpRequest, submission_id: int) -> Submission:
    """The submission, if assigned to this reviewer. A trained reviewer of its
    micro-credential knows submissions exist: they get 403; anyone else 404."""
    found = (
        policy.visible(request.user, Subject.REVIEW, Act.CHANGE)
        .select_related("micro_credential", "educator")
        .filter(pk=submission_id)
        .first()
    )
    if isinstance(found, Submission):
        return found
    other = Submission.objects.select_related("micro_credential").filter(pk=submission_id).first()
    if other is not None and policy.in_review_pool(request.user, other):
        raise PermissionDenied
    raise Http404(_("No such submission"))


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, submission_id: int) -> HttpResponse:
    found = _for_review(request, submission_id)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            if request.POST.get("do") == "declare":
                choice = request.POST.get("conflict")
                if choice not in ("none", "conflict"):
                    raise ValidationError(
                        {"conflict": _("Say whether you have a conflict of interest.")}
                    )
                actions.declare_conflict(
                    request.user,
                    found,
                    conflict=choice == "conflict",
                    note=request.POST.get("note", ""),
                )
                if choice == "conflict":
                    messages.success(
                        request, _("Conflict recorded: the work goes to another reviewer.")
                    )
                    return redirect("educators:reviews")
                return redirect("educators:review", found.pk)
            scores = {k: request.POST.get(k, "") for k in request.POST if k.startswith("part-")}
            feedback = {
                k.removeprefix("feedback-"): request.POST.get(k, "")
                for k in request.POST
                if k.startswith("feedback-part-")
            }
            result = actions.review_submission(
                request.user,
                found,
                scores=scores,
                feedback=feedback,
                comment=request.POST.get("comment", ""),
            )
            messages.success(
                request,
                _("Awarded: the credential was issued to the educator.")
                if result.met
                else _("Returned for revision, with your feedback."),
            )
            return redirect("educators:reviews")
        except ValidationError as exc:
            errors = _errors(exc)
    record_object_reads([] if found.blind else [found], purpose="micro-credential review")
    context = _submission_context(request, found)
    assignment = found.assignments.filter(active=True, reviewer=_user(request)).first()
    for row in context["parts"]:
        key = f"part-{row['part'].pk}"
        row["errors"] = errors.get(key, [])
        row["mark"] = request.POST.get(key, "")
        row["feedback"] = request.POST.get(f"feedback-{key}", "")
    context.update(
        errors=errors,
        post=request.POST,
        declared=bool(assignment and assignment.no_conflict_declared_at),
        scoring=found.status == SubmissionStatus.IN_REVIEW,
    )
    return render(request, "educators/review.html", context, status=400 if errors else 200)


# ================================================================ credentials (the holder's)


@login_required
@require_GET
def credentials(request: HttpRequest) -> HttpResponse:
    held = IssuedCredential.objects.filter(educator=_user(request)).order_by("-issued_at")
    if not held.exists() and not _is_educator(request.user):
        raise PermissionDenied
    return render(request, "educators/credentials.html", {"held": held})


@login_required
@require_GET
def credential_download(request: HttpRequest, credential_id: str) -> HttpResponse:
    try:
        found = IssuedCredential.objects.filter(uuid=credential_id).first()
    except ValidationError:
        found = None
    if found is None or not policy.holds_credential(request.user, found):
        raise Http404(_("No such credential"))
    response = HttpResponse(found.content, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{found.uuid}.json"'
    return response


# ================================================================ pathways


@login_required
@require_GET
def pathways(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Act.VIEW, Subject.PATHWAY)
    return render(
        request,
        "educators/pathways.html",
        {
            "pathways": policy.visible(request.user, Subject.PATHWAY)
            .exclude(status=CatalogueStatus.ARCHIVED)
            .select_related("issuer")
            .prefetch_related("members__micro_credential"),
            "mine": [
                progress.of(e)
                for e in PathwayEnrollment.objects.filter(educator=_user(request)).select_related(
                    "pathway"
                )
            ],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def pathway(request: HttpRequest, pathway_id: int) -> HttpResponse:
    found: Pathway = policy.access(request.user, Subject.PATHWAY, pathway_id)
    mine = PathwayEnrollment.objects.filter(educator=_user(request), pathway=found).first()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if mine is None:
            raise PermissionDenied
        try:
            actions.request_pathway_review(request.user, mine)
            messages.success(request, _("Pathway review requested."))
            return redirect("educators:pathway", found.pk)
        except ValidationError as exc:
            errors = _errors(exc)
    members = found.members.select_related("micro_credential__item")
    return render(
        request,
        "educators/pathway.html",
        {
            "found": found,
            "required": [m for m in members if m.required],
            "electives": [m for m in members if not m.required],
            "mine": progress.of(mine) if mine else None,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def enrollment(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    found: PathwayEnrollment = policy.access(
        request.user, Subject.PATHWAY_ENROLLMENT, enrollment_id
    )
    can_decide = policy.can(request.user, Act.CHANGE, Subject.PATHWAY_ENROLLMENT, found)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if not can_decide:
            raise PermissionDenied
        decision = request.POST.get("decision")
        try:
            if decision not in ("approve", "return"):
                raise ValidationError({"decision": _("Complete the pathway or return it.")})
            actions.decide_pathway_review(
                request.user,
                found,
                approve=decision == "approve",
                comment=request.POST.get("comment", ""),
            )
            messages.success(request, _("Pathway review recorded."))
            return redirect("educators:enrollment", found.pk)
        except ValidationError as exc:
            errors = _errors(exc)
    if found.educator_id != request.user.pk:
        record_object_reads([found], purpose="pathway review")
    return render(
        request,
        "educators/enrollment.html",
        {
            "found": found,
            "state": progress.of(found),
            "can_decide": can_decide and found.status == EnrollmentStatus.IN_REVIEW,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


# ================================================================ the issuer's programme


@login_required
@require_http_methods(["GET", "POST"])
def program(request: HttpRequest, org_id: int) -> HttpResponse:
    org: Organization = policy.access(request.user, Subject.EDUCATOR_PROGRAM, org_id)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        policy.require(request.user, Act.CHANGE, Subject.EDUCATOR_PROGRAM, org)
        do = request.POST.get("do", "")
        try:
            if do == "qualify":
                reviewer = _user_named(request.POST.get("reviewer", ""))
                if reviewer is None:
                    raise ValidationError({"reviewer": _("No educator with that username.")})
                mc = MicroCredential.objects.filter(
                    issuer=org, pk=request.POST.get("micro_credential") or 0
                ).first()
                actions.qualify_reviewer(
                    request.user,
                    org,
                    reviewer,
                    trained_on=parse_date(request.POST.get("trained_on", "") or "x")
                    or timezone.localdate(),
                    micro_credential=mc,
                )
                messages.success(request, _("Reviewer added to the pool."))
            elif do == "assign":
                found = (
                    reports.waiting_for_reviewer(org)
                    .filter(pk=request.POST.get("submission") or 0)
                    .first()
                )
                reviewer = _user_named(request.POST.get("reviewer", ""))
                if found is None:
                    raise Http404(_("No such submission"))
                if reviewer is None:
                    raise ValidationError({"reviewer": _("No educator with that username.")})
                actions.assign_reviewer(request.user, found, reviewer)
                messages.success(request, _("Reviewer assigned."))
            elif do == "calibrate":
                mc = MicroCredential.objects.filter(
                    issuer=org, pk=request.POST.get("micro_credential") or 0
                ).first()
                if mc is None:
                    raise ValidationError({"micro_credential": _("Choose a micro-credential.")})
                pool = list(policy.trained_reviewers(mc).order_by("pk"))
                versions = list(
                    mc.submissions.filter(versions_submitted__gt=0)
                    .order_by("-submitted_at")
                    .values_list("versions__pk", flat=True)[:4]
                )
                from proficio.educators.models import SubmissionVersion

                actions.start_calibration(
                    request.user,
                    mc,
                    reviewers=pool,
                    versions=list(SubmissionVersion.objects.filter(pk__in=versions)),
                )
                messages.success(request, _("Calibration round started in Moderation."))
            else:
                raise ValidationError(_("Unknown action."))
            return redirect("educators:program", org.pk)
        except ValidationError as exc:
            errors = _errors(exc)
        except ValueError:
            errors = {"trained_on": [_("Not a real date (YYYY-MM-DD).")]}
    pool = reports.reviewer_pool(org)
    reviews_waiting = list(
        PathwayEnrollment.objects.filter(
            pathway__issuer=org, status=EnrollmentStatus.IN_REVIEW
        ).select_related("educator", "pathway")
    )
    record_object_reads(reviews_waiting, purpose="pathway reviews to decide")
    agreement, drift = reports._calibration(org)
    return render(
        request,
        "educators/program.html",
        {
            "org": org,
            "can_change": policy.can(request.user, Act.CHANGE, Subject.EDUCATOR_PROGRAM, org),
            "pool": pool,
            "waiting": reports.waiting_for_reviewer(org)[:100],
            "reviews_waiting": reviews_waiting,
            "offered": MicroCredential.objects.filter(issuer=org).order_by("code"),
            "agreement": agreement,
            "drift": drift,
            "errors": errors,
            "today": timezone.localdate(),
        },
        status=400 if errors else 200,
    )


PAYROLL_COLUMNS = (
    "employee_id",
    "name",
    "school",
    "pathway",
    "completed_on",
    "stipend",
    "salary_step",
    "role_eligibility",
)


def _cell(value: Any) -> str:
    text = str(value)
    # A spreadsheet would run a cell starting like a formula: keep it text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
@require_GET
def payroll(request: HttpRequest, org_id: int) -> HttpResponse:
    org: Organization = policy.access(request.user, Subject.EDUCATOR_PROGRAM, org_id)
    rows = reports.payroll_rows(org)
    record_object_reads([r["enrollment"] for r in rows], purpose="payroll export")
    out = StringIO()
    writer = csv.writer(out)
    writer.writerow(PAYROLL_COLUMNS)
    for r in rows:
        writer.writerow(
            [
                _cell(r["employee"]),
                _cell(r["name"]),
                _cell(r["school"]),
                _cell(r["pathway"]),
                r["completed_on"],
                r["stipend"],
                r["salary_step"],
                _cell(r["role_eligibility"]),
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{org.code}-pathway-payroll.csv"'
    return response


# ================================================================ leader, district, state views


@login_required
@require_GET
def dashboard(request: HttpRequest, org_id: int) -> HttpResponse:
    org: Organization = policy.access(request.user, Subject.EDUCATOR_AGGREGATE, org_id)
    release = actions.leader_release(request.user, org)
    return render(
        request,
        "educators/dashboard.html",
        {
            "org": org,
            "release": release,
            "dash": reports.dashboard(org, reports.View(release.view)),
            "counts": reports.catalogue_counts(org),
        },
    )


@login_required
@require_GET
def pathway_dashboard(request: HttpRequest, org_id: int) -> HttpResponse:
    org: Organization = policy.access(request.user, Subject.EDUCATOR_AGGREGATE, org_id)
    release = actions.leader_release(request.user, org)
    return render(
        request,
        "educators/pathway_dashboard.html",
        {
            "org": org,
            "release": release,
            "tables": reports.pathway_progress(org, reports.View(release.view)),
            "threshold": reports.threshold(),
        },
    )


# ================================================================ sharing and coaching


@login_required
@require_http_methods(["GET", "POST"])
def sharing(request: HttpRequest) -> HttpResponse:
    _me(request)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            if request.POST.get("do") == "stop":
                share = Share.objects.filter(
                    educator=_user(request),
                    pk=request.POST.get("share") or 0,
                    revoked_at__isnull=True,
                ).first()
                if share is None:
                    raise Http404(_("No such share"))
                actions.stop_sharing(request.user, share)
                messages.success(request, _("Stopped sharing."))
            else:
                other = _user_named(request.POST.get("username", ""))
                if other is None:
                    raise ValidationError(
                        {"with_user": _("No educator of your district has that username.")}
                    )
                actions.share_with(
                    request.user,
                    _user(request),
                    with_user=other,
                    coach=bool(request.POST.get("coach")),
                )
                messages.success(request, _("Shared."))
            return redirect("educators:sharing")
        except ValidationError as exc:
            errors = _errors(exc)
    return render(
        request,
        "educators/sharing.html",
        {
            "shares": Share.objects.filter(
                educator=_user(request), revoked_at__isnull=True
            ).select_related("with_user"),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def coaching(request: HttpRequest, profile_id: int) -> HttpResponse:
    found: EducatorProfile = policy.access(
        request.user, Subject.COACHING, profile_id, act=Act.CHANGE
    )
    errors: dict[str, list[str]] = {}
    indicators = [i for i in _educator_framework_items(found) if i.kind == ItemKind.TARGET]
    if request.method == "POST":
        try:
            if request.POST.get("do") == "observe":
                item = next(
                    (i for i in indicators if str(i.pk) == request.POST.get("indicator")), None
                )
                if item is None:
                    raise ValidationError({"indicator": _("Choose an indicator.")})
                actions.record_observation(
                    request.user,
                    found,
                    indicator=item,
                    level=request.POST.get("level"),
                    note=request.POST.get("note", ""),
                )
                messages.success(request, _("Observation recorded."))
            else:
                actions.leave_coaching_note(request.user, found, request.POST.get("text", ""))
                messages.success(request, _("Note saved."))
            return redirect("educators:coaching", found.pk)
        except ValidationError as exc:
            errors = _errors(exc)
    record_object_reads([found], purpose="coaching")
    notes = (
        policy.visible(request.user, Subject.FEEDBACK_NOTE)
        .filter(educator=found.user)
        .select_related("author", "submission__micro_credential")
    )
    return render(
        request,
        "educators/coaching.html",
        {
            "found": found,
            "notes": notes,
            "indicators": indicators,
            "levels": growth.scale_values(indicators[0]) if indicators else (),
            "errors": errors,
            "post": request.POST,
        },
        status=400 if errors else 200,
    )

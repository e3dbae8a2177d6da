"""The only code that writes notifications and sends their emails.

Other apps' actions call ``notify`` (or ``notify_all``) inside their own transaction.
Nothing happens then: delivery is registered with ``transaction.on_commit``, so a write
that rolls back tells nobody. On commit, each recipient is checked against the
permission policy (``kinds.SPECS``: the subject and object they must be allowed to see)
and dropped if the policy would not show them the student or object; the notification
rows are written; immediate emails are handed to the task worker once those rows commit.
Emails are never sent inside a request.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, Max, Model, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from proficio import policy
from proficio.accounts.models import User
from proficio.accounts.roles import Role
from proficio.audit.context import acting
from proficio.audit.log import record_reads
from proficio.notifications import emails
from proficio.notifications.kinds import SPECS, default_email, kinds_for
from proficio.notifications.models import (
    EmailMode,
    EmailState,
    Kind,
    Notification,
    NotificationPreference,
)
from proficio.orgs.models import CaseloadAssignment, GuardianLink, Organization, Student, active_on
from proficio.policy import SYSTEM, Act, Actor, Subject, authorize

log = logging.getLogger(__name__)

# A guardian hears that a child's report has news at most once in this many days.
FAMILY_REPORT_EVERY = dt.timedelta(days=7)
# A plan's owner hears of a check-in this many days ahead (once per check-in date).
CHECK_IN_NOTICE = dt.timedelta(days=2)


@dataclass
class Event:
    """One thing that happened, about ``about`` (and, when it is one student's, ``student``),
    for ``recipients`` (None: everyone the policy lets see it, by ``policy.who_may``)."""

    about: Model
    student: Student | None = None
    recipients: Sequence[Any] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    key: str = ""


# --- Telling people -----------------------------------------------------------------------


def notify(
    actor: Actor,
    kind: str,
    about: Model,
    *,
    recipients: Sequence[Any] | None = None,
    student: Student | None = None,
    params: dict[str, Any] | None = None,
    key: str = "",
) -> None:
    """Tell ``recipients`` (or, when None, everyone the policy lets see ``about``) that
    ``kind`` happened, once the current transaction commits. The actor is never told
    about their own act."""
    notify_all(actor, kind, [Event(about, student, recipients, params or {}, key)])


def notify_all(actor: Actor, kind: str, events: Iterable[Event]) -> None:
    """``notify`` for many events of one kind at once (the daily job's)."""
    spec = SPECS[Kind(kind)]
    plan = []
    for e in events:
        if spec.guard == "student" and e.student is None:
            raise ValueError(f"a {kind} notification needs the student it is about")
        plan.append(
            (
                ContentType.objects.get_for_model(e.about).pk,
                e.about.pk,
                e.student.pk if e.student is not None else None,
                None if e.recipients is None else [u.pk for u in e.recipients if u is not None],
                e.params,
                e.key,
            )
        )
    if not plan:
        return
    actor_id = None if actor is SYSTEM else actor.pk
    transaction.on_commit(lambda: _deliver(actor_id, Kind(kind), plan), robust=True)


@transaction.atomic
def _deliver(actor_id: int | None, kind: Kind, plan: list[tuple[Any, ...]]) -> list[Notification]:
    """Write the notifications of committed events, for the recipients the policy allows."""
    spec = SPECS[kind]
    objects: dict[tuple[int, int], Model] = {}
    by_type: dict[int, set[int]] = defaultdict(set)
    for ct_id, obj_id, *_rest in plan:
        by_type[ct_id].add(obj_id)
    for ct_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        assert model is not None
        objects.update(
            {(ct_id, pk): obj for pk, obj in model._default_manager.in_bulk(ids).items()}
        )
    students = Student.objects.in_bulk({p[2] for p in plan if p[2] is not None})

    def guard_id(ct_id: int, obj_id: int, student_id: int | None) -> int | None:
        return student_id if spec.guard == "student" else obj_id

    # Who each event is for, before the policy has its say.
    wanted: list[tuple[int, tuple[Any, ...]]] = []
    for entry in plan:
        ct_id, obj_id, student_id, recipient_ids, _params, _key = entry
        obj = objects.get((ct_id, obj_id))
        if obj is None or (student_id is not None and student_id not in students):
            continue  # gone since (nothing to tell)
        if recipient_ids is None:
            guard = students[student_id] if spec.guard == "student" and student_id else obj
            recipient_ids = list(
                policy.who_may(Act.VIEW, spec.subject, guard).values_list("pk", flat=True)
            )
        wanted += [(uid, entry) for uid in recipient_ids if uid != actor_id]
    if not wanted:
        return []
    users = User.objects.filter(is_active=True).in_bulk({uid for uid, _entry in wanted})
    # The policy, asked once per recipient for all of their events.
    guards_of: dict[int, set[int]] = defaultdict(set)
    for uid, entry in wanted:
        gid = guard_id(entry[0], entry[1], entry[2])
        if uid in users and gid is not None:
            guards_of[uid].add(gid)
    allowed = {
        uid: set(
            policy.visible(users[uid], spec.subject)
            .filter(pk__in=gids)
            .values_list("pk", flat=True)
        )
        for uid, gids in guards_of.items()
    }
    keys = {entry[5] for _, entry in wanted if entry[5]}
    told = (
        set(Notification.objects.filter(kind=kind, key__in=keys).values_list("recipient_id", "key"))
        if keys
        else set()
    )
    modes = _email_modes(kind, [users[uid] for uid in allowed])
    rows: list[Notification] = []
    for uid, (ct_id, obj_id, student_id, _r, params, key) in wanted:
        if guard_id(ct_id, obj_id, student_id) not in allowed.get(uid, set()):
            continue
        if key and (uid, key) in told:
            continue
        told.add((uid, key))
        user = users[uid]
        student = students.get(student_id) if student_id is not None else None
        own = student is not None and student.user_id == uid
        mode = modes[uid]
        rows.append(
            Notification(
                recipient=user,
                kind=kind,
                content_type_id=ct_id,
                object_id=obj_id,
                student=student,
                params=params,
                link=spec.link(objects[(ct_id, obj_id)], student, own),
                key=key,
                email=_initial_state(user, mode),
            )
        )
    created = Notification.objects.bulk_create(rows)
    immediate = [n.pk for n in created if n.email == EmailState.IMMEDIATE]
    if immediate:
        transaction.on_commit(lambda: _enqueue_emails(immediate), robust=True)
    return created


def _enqueue_emails(ids: list[int]) -> None:
    from proficio.notifications.tasks import send_notification_email

    for pk in ids:
        send_notification_email.enqueue(pk)


def _initial_state(user: Any, mode: str) -> str:
    if not user.email or mode == EmailMode.NEVER:
        return EmailState.NONE
    return EmailState.IMMEDIATE if mode == EmailMode.IMMEDIATE else EmailState.DIGEST


def _email_modes(kind: str, users: list[Any]) -> dict[int, str]:
    chosen = dict(
        NotificationPreference.objects.filter(kind=kind, user__in=users).values_list(
            "user_id", "email"
        )
    )
    return {u.pk: chosen.get(u.pk) or default_email(kind, policy.who(u).roles) for u in users}


def student_and_guardians(student: Student) -> list[Any]:
    """The student (when they have a login) and their guardians."""
    people = [student.user] if student.user_id else []
    return people + [
        link.guardian
        for link in GuardianLink.objects.filter(student=student).select_related("guardian")
    ]


def _person_name(actor: Actor) -> str:
    return "Proficio" if actor is SYSTEM else str(actor)


def _target_code(target: Any) -> str:
    # The code only: it reads the same in every language (the page it links to has the rest).
    return str(target.human_coding_scheme or target.pk)


# --- The hook points (called by other apps' actions, inside their transaction) -----------


def reassessment_decided(actor: Actor, request: Any) -> None:
    """A teacher scheduled, declined or recorded a reassessment: the student and family."""
    kind = {
        "scheduled": Kind.REASSESSMENT_SCHEDULED,
        "declined": Kind.REASSESSMENT_DECLINED,
        "accepted": Kind.REASSESSMENT_ACCEPTED,
    }[request.status]
    params: dict[str, Any] = {
        "student": request.student.display_name,
        "target": _target_code(request.target),
        "teacher": _person_name(actor),
    }
    if request.scheduled_for is not None:
        params["day"] = request.scheduled_for.isoformat()
    if kind == Kind.REASSESSMENT_DECLINED:
        params["reason"] = request.reason[:200]
    notify(
        actor,
        kind,
        request,
        recipients=student_and_guardians(request.student),
        student=request.student,
        params=params,
    )


def work_returned(actor: Actor, evidence: Any) -> None:
    """An educator returned a submission with feedback: the student and family."""
    notify(
        actor,
        Kind.WORK_RETURNED,
        evidence,
        recipients=student_and_guardians(evidence.student),
        student=evidence.student,
        params={
            "student": evidence.student.display_name,
            "title": evidence.title[:120],
            "teacher": _person_name(actor),
        },
    )


def work_resubmitted(actor: Actor, evidence: Any, *, teachers: Sequence[Any], version: int) -> None:
    """Returned work came back with a new version: the educators who returned it (the
    policy still decides, at sending, whether each may see the student)."""
    if not teachers:
        return
    notify(
        actor,
        Kind.WORK_RESUBMITTED,
        evidence,
        recipients=list({t.pk: t for t in teachers}.values()),
        student=evidence.student,
        params={
            "student": evidence.student.display_name,
            "title": evidence.title[:120],
            "version": version,
        },
    )


def samples_assigned(actor: Actor, session: Any) -> None:
    """Scoring opened: each rater, with how many samples are theirs (no student named)."""
    from django.db.models import Count

    raters = session.raters.select_related("user").annotate(n=Count("assignments"))
    notify_all(
        actor,
        Kind.SAMPLES_ASSIGNED,
        [
            Event(session, None, [r.user], {"count": r.n, "session": session.title})
            for r in raters
            if r.n
        ],
    )


def advisees_newly_off_pace(actor: Actor, flags: Iterable[Any], today: dt.date) -> None:
    """The daily job opened these off-pace flags: each student's current advisors."""
    flags = list(flags)
    advisors: dict[int, list[Any]] = defaultdict(list)
    for a in CaseloadAssignment.objects.filter(
        active_on(today), student_id__in=[f.student_id for f in flags]
    ).select_related("advisor"):
        advisors[a.student_id].append(a.advisor)
    students = Student.objects.in_bulk([f.student_id for f in flags])
    notify_all(
        actor,
        Kind.OFF_PACE,
        [
            Event(
                f,
                students[f.student_id],
                advisors[f.student_id],
                {"student": students[f.student_id].display_name},
                key=f"flag:{f.pk}",
            )
            for f in flags
            if advisors.get(f.student_id)
        ],
    )


# --- The daily job: events found by looking, not by a write -------------------------------


def daily_notices(
    actor: Actor, district: Organization, *, today: dt.date | None = None
) -> dict[str, int]:
    """Support check-ins due and new family reports in one district (the daily job)."""
    if actor is not SYSTEM:
        raise PermissionDenied
    today = today or timezone.localdate()
    with transaction.atomic():
        due = check_ins_due(actor, district, today)
        reports = family_reports_ready(actor, district, timezone.now())
    return {"check_ins": due, "family_reports": reports}


def check_ins_due(actor: Actor, district: Organization, today: dt.date) -> int:
    """Open support plans whose check-in is due within ``CHECK_IN_NOTICE`` (or overdue):
    the plan's owner, once per check-in date."""
    from proficio.pace.models import SupportPlan

    plans = list(
        SupportPlan.objects.filter(
            student__school__path__startswith=district.path,
            closed_on__isnull=True,
            check_in_on__lte=today + CHECK_IN_NOTICE,
        ).select_related("student", "owner")
    )
    notify_all(
        actor,
        Kind.CHECK_IN_DUE,
        [
            Event(
                plan,
                plan.student,
                [plan.owner],
                {
                    "student": plan.student.display_name,
                    "intervention": plan.intervention[:60],
                    "day": plan.check_in_on.isoformat(),
                },
                key=f"plan:{plan.pk}:{plan.check_in_on.isoformat()}",
            )
            for plan in plans
        ],
    )
    return len(plans)


def family_reports_ready(actor: Actor, district: Organization, now: dt.datetime) -> int:
    """What "a new family report" means: a child's determinations changed after both the
    guardian's last reading of the report and the last time they were told, and they were
    last told at least ``FAMILY_REPORT_EVERY`` ago. A guardian who has never read the report
    and never been told hears about changes of the last ``FAMILY_REPORT_EVERY``."""
    from proficio.learners.models import FamilyReportView
    from proficio.mastery.models import DeterminationHistory

    in_district = {"student__school__path__startswith": district.path}
    links = list(
        GuardianLink.objects.filter(guardian__is_active=True, **in_district).select_related(
            "guardian", "student"
        )
    )
    last_change = dict(
        DeterminationHistory.objects.filter(
            computed_at__lte=now, computed_at__gt=now - dt.timedelta(days=366), **in_district
        )
        .values_list("student_id")
        .annotate(at=Max("computed_at"))
    )
    last_read = {
        (g, s): at
        for g, s, at in FamilyReportView.objects.filter(**in_district)
        .values_list("guardian_id", "student_id")
        .annotate(at=Max("at"))
    }
    last_told = {
        (g, s): at
        for g, s, at in Notification.objects.filter(kind=Kind.FAMILY_REPORT, **in_district)
        .values_list("recipient_id", "student_id")
        .annotate(at=Max("created_at"))
    }
    events = []
    for link in links:
        pair = (link.guardian_id, link.student_id)
        changed = last_change.get(link.student_id)
        told = last_told.get(pair)
        if changed is None or (told is not None and told > now - FAMILY_REPORT_EVERY):
            continue
        seen = [t for t in (last_read.get(pair), told) if t is not None]
        since = max(seen) if seen else now - FAMILY_REPORT_EVERY
        if changed > since:
            events.append(
                Event(
                    link.student,
                    link.student,
                    [link.guardian],
                    {"student": link.student.display_name},
                    key=f"report:{link.student_id}:{now.date().isoformat()}",
                )
            )
    notify_all(actor, Kind.FAMILY_REPORT, events)
    return len(events)


# --- Reading and marking (the notifications pages) -----------------------------------------


def _still_visible(user: Any) -> Q:
    """Notifications whose student or object the policy still shows ``user`` (a teacher who
    left the school, or a guardian unlinked, no longer reads about that student)."""
    groups: dict[tuple[Subject, str], list[str]] = defaultdict(list)
    for kind, spec in SPECS.items():
        groups[(spec.subject, spec.guard)].append(kind)
    q = Q(pk__in=[])
    for (subject, guard), kinds in groups.items():
        ids = policy.visible(user, subject).values("pk")
        column = "student_id__in" if guard == "student" else "object_id__in"
        q |= Q(kind__in=kinds, **{column: ids})
    return q


def visible_notifications(user: Any) -> QuerySet[Notification]:
    """A person's own notifications, about what they may still see: newest first."""
    return (
        policy.visible(user, Subject.NOTIFICATION)
        .filter(_still_visible(user))
        .order_by("-created_at", "-id")
    )


def unread_count(user: Any) -> int:
    return visible_notifications(user).filter(read_at__isnull=True).count()


def unread_subquery() -> Exists:
    """Whether any notification addressed to the person (``OuterRef("pk")``) is unread,
    visible or not: the query that reads each request's user carries it
    (``policy.load_person``), for :func:`header_count`."""
    return Exists(Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True))


def header_count(user: Any) -> int:
    """The unread count in every page's header: :func:`unread_count`, or 0 with no query
    when the person's own row, read at the start of the request, had nothing unread
    addressed to them at all (the visible unread are some of those). Marking one unread
    in the request forgets that (:func:`mark_unread`); nothing else makes one unread for
    the person acting (a delivery is never to the actor, and happens after commit)."""
    if getattr(user, "_proficio_unread_possible", True) is False:
        return 0
    return unread_count(user)


def page_read(user: Any, notifications: Iterable[Notification]) -> None:
    """Audit a page of notifications shown: one read per named student not the reader."""
    record_reads(
        [n.student_id for n in notifications if n.student_id is not None],
        purpose="notifications",
    )


def access_notification(actor: Actor, notification_id: Any) -> Notification:
    """One of the actor's own notifications, or 404 (anyone else's is a 404 too)."""
    found: Notification = policy.access(
        actor, Subject.NOTIFICATION, notification_id, act=Act.CHANGE
    )
    if not visible_notifications(actor).filter(pk=found.pk).exists():
        from django.http import Http404

        raise Http404("No such notification")
    return found


@transaction.atomic
def mark_read(actor: Actor, notification: Notification) -> Notification:
    authorize(actor, Act.CHANGE, Subject.NOTIFICATION, notification)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def mark_unread(actor: Actor, notification: Notification) -> Notification:
    authorize(actor, Act.CHANGE, Subject.NOTIFICATION, notification)
    notification.read_at = None
    notification.save(update_fields=["read_at"])
    # What the request's user row said (nothing unread) is no longer so: count again.
    if getattr(actor, "_proficio_unread_possible", None) is False:
        actor._proficio_unread_possible = True
    return notification


@transaction.atomic
def mark_all_read(actor: Actor) -> int:
    if actor is SYSTEM:
        raise PermissionDenied
    return (
        policy.visible(actor, Subject.NOTIFICATION, Act.CHANGE)
        .filter(read_at__isnull=True)
        .update(read_at=timezone.now())
    )


# --- Preferences --------------------------------------------------------------------------


def preferences(user: Any) -> list[tuple[str, str]]:
    """(kind, email choice) for every kind addressed to the person's roles."""
    roles: list[Role] = policy.who(user).roles
    chosen = dict(user.notification_preferences.values_list("kind", "email"))
    return [(k, chosen.get(k) or default_email(k, roles)) for k in kinds_for(roles)]


@transaction.atomic
def set_preferences(actor: Actor, choices: dict[str, str]) -> int:
    """A person's own email choices. Only kinds addressed to their roles; a choice equal to
    the role's default is stored as no row, so a better default reaches them later."""
    if actor is SYSTEM or not actor.is_authenticated:
        raise PermissionDenied
    roles = policy.who(actor).roles
    mine = kinds_for(roles)
    errors = {
        kind: _("Choose how to be told.")
        for kind, mode in choices.items()
        if kind not in mine or mode not in EmailMode.values
    }
    if errors:
        raise ValidationError(errors)
    changed = 0
    for kind, mode in choices.items():
        if mode == default_email(kind, roles):
            changed += NotificationPreference.objects.filter(user=actor, kind=kind).delete()[0]
        else:
            NotificationPreference.objects.update_or_create(
                user=actor, kind=kind, defaults={"email": mode}
            )
            changed += 1
    return changed


# --- Email ------------------------------------------------------------------------------------


def email_notification(actor: Actor, notification_id: int) -> bool:
    """Send one notification's email now (the worker, for immediate ones). Returns whether
    an email went out. A notification already emailed, or whose student or object the
    recipient may no longer see, is not sent."""
    if actor is not SYSTEM:
        raise PermissionDenied
    with transaction.atomic():
        n = (
            Notification.objects.select_for_update()
            .filter(pk=notification_id, email=EmailState.IMMEDIATE)
            .first()
        )
        if n is None:
            return False
        recipient = n.recipient
        if not (recipient.is_active and recipient.email) or not _shown_to(recipient, [n]):
            n.email = EmailState.DROPPED
            n.save(update_fields=["email"])
            return False
        emails.compose(recipient, [n], digest=False).send()
        _audit_email(recipient, [n])
        n.email, n.emailed_at = EmailState.SENT, timezone.now()
        n.save(update_fields=["email", "emailed_at"])
    return True


def send_digests(actor: Actor) -> dict[str, int]:
    """The daily digest: one email per person with notifications waiting for it, grouped
    by kind. Ones read in the app meanwhile, or no longer theirs to see, are left out."""
    if actor is not SYSTEM:
        raise PermissionDenied
    people = (
        Notification.objects.filter(email=EmailState.DIGEST)
        .values_list("recipient_id", flat=True)
        .distinct()
        .order_by("recipient_id")
    )
    totals = {"emails": 0, "notifications": 0}
    for uid in list(people):
        try:
            sent = _send_digest(uid)
        except Exception:  # one person's failure (their mail server) must not stop the rest
            log.exception("digest for user %s failed", uid)
            continue
        if sent:
            totals["emails"] += 1
            totals["notifications"] += sent
    return totals


@transaction.atomic
def _send_digest(user_id: int) -> int:
    waiting = list(
        Notification.objects.select_for_update()
        .filter(recipient_id=user_id, email=EmailState.DIGEST)
        .order_by("created_at", "id")
    )
    if not waiting:
        return 0
    user = User.objects.get(pk=user_id)
    shown = set(
        visible_notifications(user)
        .filter(pk__in=[n.pk for n in waiting], read_at__isnull=True)
        .values_list("pk", flat=True)
        if user.is_active and user.email
        else []
    )
    keep = [n for n in waiting if n.pk in shown]
    now = timezone.now()
    Notification.objects.filter(pk__in=[n.pk for n in waiting if n.pk not in shown]).update(
        email=EmailState.DROPPED
    )
    if keep:
        emails.compose(user, keep, digest=True).send()
        _audit_email(user, keep)
        Notification.objects.filter(pk__in=[n.pk for n in keep]).update(
            email=EmailState.SENT, emailed_at=now
        )
    return len(keep)


def _shown_to(user: Any, notifications: list[Notification]) -> bool:
    return visible_notifications(user).filter(pk__in=[n.pk for n in notifications]).count() == len(
        notifications
    )


def _audit_email(user: Any, notifications: list[Notification]) -> None:
    """An email naming students is a read of their record by its recipient."""
    with acting(user, route="email", purpose="notification email"):
        record_reads(
            [n.student_id for n in notifications if n.student_id is not None],
            purpose="notification email",
        )


def site_url() -> str:
    return str(settings.PROFICIO_SITE_URL).rstrip("/")

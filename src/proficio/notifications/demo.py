"""A few notifications for the demo's named people, made by the real actions (called by
the demo generator, after the evidence history and pace)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from proficio.accounts.models import User
from proficio.audit.context import acting
from proficio.notifications import actions
from proficio.notifications.models import Kind
from proficio.orgs.models import CaseloadAssignment, Organization, Student
from proficio.policy import SYSTEM


def seed_notifications(district: Organization, *, today: dt.date) -> None:
    from proficio.evidence import actions as evidence
    from proficio.learners import actions as learners
    from proficio.pace.models import FlagReason, SupportFlag

    ana = Student.objects.filter(user__username="ana").select_related("user").first()
    rivera = User.objects.filter(username="rivera").first()
    if ana is None or rivera is None:
        return
    # Ana asks to be reassessed; Ms. Rivera schedules it: Ana and Marisol García are told.
    target = learners.reassessable_targets(ana).filter(human_coding_scheme="MATH.1.4").first()
    if target is not None:
        with acting(ana.user, route="demo: notifications"):
            request = learners.request_reassessment(
                ana.user,
                student=ana,
                target=target,
                note="I practised dividing fractions with the strip model every day this week.",
            )
        with acting(rivera, route="demo: notifications"):
            learners.schedule_reassessment(
                rivera, request, on=max(today, timezone.localdate()) + dt.timedelta(days=3)
            )
    # Ana shares learning from outside school; Ms. Rivera returns it with feedback.
    math = learners.reassessable_targets(ana).filter(human_coding_scheme="MATH.1.2").first()
    if math is not None:
        with acting(ana.user, route="demo: notifications"):
            shared = learners.submit_outside_learning(
                ana.user,
                student=ana,
                title="Budget for the class trip",
                target=math,
                level=3,
                assessed_at=timezone.now() - dt.timedelta(days=2),
                partner_organization="Riverbend Youth Club",
                url="https://example.org/ana/class-trip-budget",
            )
        with acting(rivera, route="demo: notifications"):
            evidence.return_evidence(
                rivera,
                shared,
                feedback="Show how you worked out the cost per person, then send it again.",
            )
    # Support check-ins due in the next days: their owners (Ms. Rivera owns Ben's).
    actions.check_ins_due(SYSTEM, district, today)
    # Mr. Chen: two students on his caseload newly behind pace.
    counselor = User.objects.filter(username="counselor").first()
    if counselor is not None:
        caseload = CaseloadAssignment.objects.filter(advisor=counselor).values("student")
        flags = SupportFlag.objects.filter(
            student__in=caseload, reason=FlagReason.OFF_PACE, resolved_on__isnull=True
        ).order_by("student_id")[:2]
        actions.advisees_newly_off_pace(SYSTEM, list(flags), today)
    # Marisol García: Ana's report has news (the daily job would say so once a week).
    for link in ana.guardian_links.select_related("guardian"):
        actions.notify(
            SYSTEM,
            Kind.FAMILY_REPORT,
            ana,
            recipients=[link.guardian],
            student=ana,
            params={"student": ana.display_name},
        )

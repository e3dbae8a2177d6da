"""Notifications in the test world, one per kind of owner the permission matrix needs:
Marisol García's (Ana's guardian) and Lee Lake's (a Lakeside guardian), both through
``notify``; Ms. Rivera's and a Cedar Elementary teacher's come from world_moderation
(scoring opened, each rater told how many samples are theirs)."""

from __future__ import annotations

from proficio.accounts.models import User
from proficio.audit.context import acting
from proficio.notifications import actions
from proficio.notifications.models import Kind, Notification
from proficio.orgs.models import Student
from proficio.policy import SYSTEM


def build() -> None:
    with acting(None, route="tests: world"):
        for username, guardian in (("ana", "garcia.family"), ("lake.kid", "lake.parent")):
            student = Student.objects.get(user__username=username)
            actions.notify(
                SYSTEM,
                Kind.FAMILY_REPORT,
                student,
                recipients=[User.objects.get(username=guardian)],
                student=student,
                params={"student": student.display_name},
            )


def _first_for(username: str) -> Notification | None:
    return Notification.objects.filter(recipient__username=username).order_by("pk").first()


def lookup(name: str) -> Notification | None:
    if name == "guardian_notification":
        return _first_for("garcia.family")
    if name == "lake_notification":
        return _first_for("lake.parent")
    if name == "rivera_notification":
        return _first_for("rivera")
    if name == "cedar_notification":
        from tests.world_moderation import third_rater

        return _first_for(third_rater().username)
    return None

"""Role-aware navigation: each person sees the home pages of the roles they hold, and the
lists their roles open to them."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from proficio import policy
from proficio.accounts.roles import Role
from proficio.policy import Act, Subject

_SELF_ROLES = {Role.STUDENT, Role.GUARDIAN}


def serves_others(user: Any) -> bool:
    """Staff: someone holding a role other than student or guardian (the style guide and the
    lists of other people's records are for them)."""
    return user.is_authenticated and any(r not in _SELF_ROLES for r in policy.who(user).roles)


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {
            "nav_roles": [],
            "nav_students": False,
            "nav_audit": False,
            "nav_frameworks": False,
            "nav_policies": False,
            "nav_moderation": False,
            "nav_queue": False,
            "nav_wallet": False,
            "nav_roster": False,
            "nav_people": False,
            "nav_graduation_mine": False,
            "nav_family_transcript": False,
            "nav_graduation_caseload": False,
            "nav_educators": False,
            "nav_design": False,
        }
    w = policy.who(user)
    staff = serves_others(user)
    return {
        "nav_roles": [
            {"url": reverse("web:role_home", args=[r.value]), "label": r.label, "key": r.value}
            for r in w.roles
        ],
        "nav_students": staff and policy.may(user, Act.VIEW, Subject.STUDENT),
        "nav_audit": staff and policy.may(user, Act.VIEW, Subject.AUDIT_LOG),
        "nav_frameworks": policy.may(user, Act.VIEW, Subject.FRAMEWORK),
        "nav_policies": policy.may(user, Act.VIEW, Subject.POLICY),
        "nav_moderation": policy.may(user, Act.VIEW, Subject.MODERATION),
        "nav_queue": policy.may(user, Act.CHANGE, Subject.REASSESSMENT),
        "nav_wallet": Role.STUDENT in w.roles,
        # District and system administrators: roster imports and learning-tool alignments.
        "nav_roster": policy.may(user, Act.CHANGE, Subject.LRS),
        "nav_people": policy.may(user, Act.VIEW, Subject.PERSON),
        "nav_graduation_mine": bool(_SELF_ROLES & set(w.roles)),
        # A guardian reads their children's transcripts (the student has "My transcript").
        "nav_family_transcript": Role.GUARDIAN in w.roles
        and policy.may(user, Act.VIEW, Subject.TRANSCRIPT),
        "nav_graduation_caseload": staff and policy.may(user, Act.VIEW, Subject.GRADUATION),
        "nav_design": staff,
        # Professional learning: educators' own, and leaders' suppressed views.
        "nav_educators": policy.may(user, Act.CHANGE, Subject.OWN_PRACTICE)
        or policy.may(user, Act.VIEW, Subject.EDUCATOR_AGGREGATE),
    }

"""The policy's reverse question ("who may?") agrees with the permission matrix."""

from __future__ import annotations

import pytest

from proficio import policy
from proficio.accounts.roles import Role
from proficio.frameworks import actions as frameworks
from proficio.frameworks import definitions
from proficio.policy import Act, Subject
from tests.permission_matrix import OBJECT_MATRIX
from tests.world import ROLE_USERS


@pytest.mark.parametrize(
    ("subject", "act", "name"),
    [
        (Subject.STUDENT, Act.VIEW, "ana"),
        (Subject.STUDENT, Act.CHANGE, "ben"),
        (Subject.SECTION, Act.VIEW, "rivera_section"),
        (Subject.STUDENT, Act.VIEW, "lake_kid"),
    ],
)
def test_who_may_names_exactly_the_roles_the_matrix_allows(world, subject, act, name):
    obj = getattr(world, name)
    allowed_users = {ROLE_USERS[r] for r in OBJECT_MATRIX[(subject, act)][name]}
    found = set(policy.who_may(act, subject, obj).values_list("username", flat=True))
    # The world has more people than one per role: compare on the role users only.
    assert found & set(ROLE_USERS.values()) == allowed_users
    assert "nobody" not in found


def test_readable_frameworks_from_the_cache_are_the_ones_the_policy_shows(world):
    """The API's evidence write finds its targets' frameworks readable through the
    definitions cache (``policy.readable_framework_ids``): for every role, the same
    frameworks as the policy's queryset, and a publication is seen at the next request."""
    users = [world.user(name) for name in ROLE_USERS.values()] + [policy.SYSTEM]

    def shown(user):
        return set(policy.visible(user, Subject.FRAMEWORK).values_list("pk", flat=True))

    for user in users:
        with definitions.request_scope():
            assert policy.readable_framework_ids(user) == shown(user), user
    draft = world.riverbend_draft
    teacher = world.user(ROLE_USERS[Role.TEACHER])
    with definitions.request_scope():
        assert draft.pk not in policy.readable_framework_ids(teacher)
    frameworks.add_item(draft, full_statement="A target to publish", kind="target")
    frameworks.publish_framework(draft)
    for user in users:
        with definitions.request_scope():
            assert policy.readable_framework_ids(user) == shown(user), user
    with definitions.request_scope():
        assert draft.pk in policy.readable_framework_ids(teacher)

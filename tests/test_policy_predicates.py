"""The policy's reverse question ("who may?") agrees with the permission matrix."""

from __future__ import annotations

import pytest

from proficio import policy
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

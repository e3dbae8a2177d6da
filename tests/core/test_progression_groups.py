"""Flexible groups: every student in exactly one group, each group's rule holds."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from proficio.core.progression.groups import GroupKind, form_groups, place

STATUSES = ["not_assessed", "insufficient", "not_yet", "proficient", "advanced"]
TARGET = "T"
PREREQS = ["P1", "P2", "P3"]


@st.composite
def classes(draw):
    students = draw(st.lists(st.integers(0, 60), max_size=30, unique=True))
    prereqs = draw(st.lists(st.sampled_from(PREREQS), max_size=3, unique=True))
    statuses = {}
    for s in students:
        for t in [TARGET, *PREREQS]:
            status = draw(st.sampled_from([*STATUSES, None]))
            if status is not None:
                statuses[(s, t)] = status
    return students, prereqs, statuses


@given(classes())
def test_every_student_is_in_exactly_one_group(data):
    students, prereqs, statuses = data
    groups = form_groups(students, TARGET, prereqs, statuses)
    members = [m for g in groups for m in g.members]
    assert sorted(members) == sorted(students)
    assert len(members) == len(set(members))


@given(classes())
def test_each_group_obeys_its_rule(data):
    students, prereqs, statuses = data
    for group in form_groups(students, TARGET, prereqs, statuses):
        for s in group.members:
            own = statuses.get((s, TARGET), "not_assessed")
            if group.kind == GroupKind.EXTEND:
                assert own in ("proficient", "advanced")
            elif group.kind == GroupKind.RETEACH:
                assert own not in ("proficient", "advanced")
                assert group.prerequisite in prereqs
                assert statuses.get((s, group.prerequisite)) == "not_yet"
            elif group.kind == GroupKind.PRACTICE:
                assert own == "not_yet"
                assert all(statuses.get((s, p)) != "not_yet" for p in prereqs)
            else:
                assert own in ("not_assessed", "insufficient")
                assert all(statuses.get((s, p)) != "not_yet" for p in prereqs)


@given(classes())
def test_fixed_groups_always_present_and_reteach_groups_never_empty(data):
    students, prereqs, statuses = data
    groups = form_groups(students, TARGET, prereqs, statuses)
    kinds = [g.kind for g in groups]
    assert kinds[:2] == [GroupKind.READY, GroupKind.PRACTICE]
    assert kinds[-1] == GroupKind.EXTEND
    assert all(g.members for g in groups if g.kind == GroupKind.RETEACH)
    # Reteach groups follow the prerequisites' order and name each at most once.
    named = [g.prerequisite for g in groups if g.kind == GroupKind.RETEACH]
    assert named == [p for p in prereqs if p in named]


@given(classes(), st.sampled_from(PREREQS))
def test_mastering_a_prerequisite_never_sends_a_student_to_reteach_it(data, prereq):
    students, prereqs, statuses = data
    for s in students:
        better = {**statuses, (s, prereq): "proficient"}
        kind, named = place(s, TARGET, prereqs, better)
        assert not (kind == GroupKind.RETEACH and named == prereq)


def test_worked_example():
    statuses = {
        ("ana", "T"): "proficient",
        ("ben", "T"): "not_yet",
        ("ben", "P1"): "not_yet",
        ("cy", "T"): "not_yet",
        ("di", "T"): "insufficient",
        ("ed", "P1"): "proficient",
    }
    groups = form_groups(["ana", "ben", "cy", "di", "ed"], "T", ["P1"], statuses)
    by_kind = {(g.kind, g.prerequisite): g.members for g in groups}
    assert by_kind == {
        (GroupKind.READY, None): ("di", "ed"),
        (GroupKind.PRACTICE, None): ("cy",),
        (GroupKind.RETEACH, "P1"): ("ben",),
        (GroupKind.EXTEND, None): ("ana",),
    }


def test_target_is_not_its_own_prerequisite_and_duplicates_are_ignored():
    statuses = {("a", "T"): "not_yet"}
    groups = form_groups(["a", "a"], "T", ["T"], statuses)
    assert [(g.kind, g.members) for g in groups] == [
        (GroupKind.READY, ()),
        (GroupKind.PRACTICE, ("a",)),
        (GroupKind.EXTEND, ()),
    ]

"""Flexible groups for one learning target, from current determinations and the
prerequisite graph.

Each student lands in exactly one group, by the first rule that fits:

1. **extend**: already proficient or advanced on the target, ready to move on;
2. **reteach** on prerequisite *P*: not yet proficient on the target, and shown "not yet
   proficient" on a direct prerequisite *P* (the first such prerequisite, in the order the
   caller gives them), so the gap is in *P*, not in the target;
3. **practice**: shown "not yet proficient" on the target itself;
4. **ready**: no evidence yet, or not enough, and no prerequisite gap: ready to be assessed.

Statuses are the determination statuses as strings; a missing status means "not yet
assessed". A prerequisite that was never assessed is not counted as a gap: the groups act
on what the evidence shows.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

S = TypeVar("S", bound=Hashable)  # a student key
T = TypeVar("T", bound=Hashable)  # a target key

PROFICIENT = frozenset({"proficient", "advanced"})
NOT_YET = "not_yet"
NOT_ASSESSED = "not_assessed"


class GroupKind(StrEnum):
    READY = "ready"
    PRACTICE = "practice"
    RETEACH = "reteach"
    EXTEND = "extend"


@dataclass(frozen=True)
class Group(Generic[S, T]):
    kind: GroupKind
    members: tuple[S, ...]
    prerequisite: T | None = None  # named for reteach groups only


def _status(statuses: Mapping[tuple[S, T], str], student: S, target: T) -> str:
    return statuses.get((student, target), NOT_ASSESSED)


def _place(
    student: S, target: T, prerequisites: Sequence[T], statuses: Mapping[tuple[S, T], str]
) -> tuple[GroupKind, int]:
    """The group, and for a reteach group the index of its prerequisite (else -1)."""
    own = _status(statuses, student, target)
    if own in PROFICIENT:
        return GroupKind.EXTEND, -1
    for i, prerequisite in enumerate(prerequisites):
        if _status(statuses, student, prerequisite) == NOT_YET:
            return GroupKind.RETEACH, i
    if own == NOT_YET:
        return GroupKind.PRACTICE, -1
    return GroupKind.READY, -1


def place(
    student: S, target: T, prerequisites: Sequence[T], statuses: Mapping[tuple[S, T], str]
) -> tuple[GroupKind, T | None]:
    """The group one student belongs in, and the prerequisite for a reteach group."""
    kind, index = _place(student, target, prerequisites, statuses)
    return kind, prerequisites[index] if index >= 0 else None


def form_groups(
    students: Sequence[S],
    target: T,
    prerequisites: Sequence[T],
    statuses: Mapping[tuple[S, T], str],
) -> list[Group[S, T]]:
    """Every student in exactly one group, in the order: ready, practice, one reteach group
    per prerequisite with members (in prerequisite order), extend. Members keep the order
    of ``students``. The ready, practice and extend groups are always present, even empty,
    so a page shows the same headings for every target."""
    prereqs: list[T] = list(dict.fromkeys(p for p in prerequisites if p != target))
    fixed: dict[GroupKind, list[S]] = {k: [] for k in GroupKind if k != GroupKind.RETEACH}
    reteach: dict[T, list[S]] = {p: [] for p in prereqs}
    for student in dict.fromkeys(students):
        kind, index = _place(student, target, prereqs, statuses)
        if kind == GroupKind.RETEACH:
            reteach[prereqs[index]].append(student)
        else:
            fixed[kind].append(student)
    groups: list[Group[S, T]] = [
        Group(GroupKind.READY, tuple(fixed[GroupKind.READY])),
        Group(GroupKind.PRACTICE, tuple(fixed[GroupKind.PRACTICE])),
    ]
    groups += [
        Group(GroupKind.RETEACH, tuple(members), prerequisite=p)
        for p, members in reteach.items()
        if members
    ]
    groups.append(Group(GroupKind.EXTEND, tuple(fixed[GroupKind.EXTEND])))
    return groups

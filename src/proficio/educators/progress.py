"""Where an educator stands on a pathway (reads only): which required micro-credentials
and chosen electives are earned, what comes next in a sequenced pathway, and whether the
pathway review can be asked for."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from proficio.educators.models import (
    MicroCredential,
    PathwayEnrollment,
    Submission,
    SubmissionStatus,
)


@dataclass
class Step:
    micro_credential: MicroCredential
    required: bool
    status: str  # a SubmissionStatus value, or "" when not started
    awarded: bool


@dataclass
class Progress:
    enrollment: PathwayEnrollment
    steps: list[Step] = field(default_factory=list)

    @property
    def required_done(self) -> int:
        return sum(1 for s in self.steps if s.required and s.awarded)

    @property
    def required_total(self) -> int:
        return sum(1 for s in self.steps if s.required)

    @property
    def electives_done(self) -> int:
        return sum(1 for s in self.steps if not s.required and s.awarded)

    @property
    def electives_total(self) -> int:
        return self.enrollment.pathway.choose_k

    @property
    def done(self) -> bool:
        return (
            self.required_done == self.required_total
            and self.electives_done >= self.electives_total
        )

    @property
    def missing_text(self) -> str:
        missing = [s.micro_credential.code for s in self.steps if not s.awarded]
        return "Still to earn: " + ", ".join(missing) + "." if missing else ""

    @property
    def next_step(self) -> Step | None:
        for s in self.steps:
            if not s.awarded:
                return s
        return None


def of(enrollment: PathwayEnrollment, statuses: dict[int, str] | None = None) -> Progress:
    """The enrollment's progress; ``statuses`` (micro-credential id → submission status)
    saves a query when the caller read them for many enrollments."""
    pathway = enrollment.pathway
    members = list(
        pathway.members.select_related("micro_credential").order_by("-required", "position")
    )
    chosen = {m.pk for m in enrollment.electives.all()}
    if statuses is None:
        statuses = statuses_of(enrollment.educator_id)
    steps = []
    for m in members:
        if not m.required and m.micro_credential_id not in chosen:
            continue
        status = statuses.get(m.micro_credential_id, "")
        steps.append(
            Step(m.micro_credential, m.required, status, status == SubmissionStatus.AWARDED)
        )
    return Progress(enrollment, steps)


def statuses_of(educator_id: Any) -> dict[int, str]:
    return dict(
        Submission.objects.filter(educator_id=educator_id).values_list(
            "micro_credential_id", "status"
        )
    )

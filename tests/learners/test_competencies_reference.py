"""The standings read (``learners.reports.competencies``) says exactly what it said before it
was made faster: compared, field by field, with the previous implementation kept in
``tests/learners/reference_competencies.py``, for Riverbend students after a year of
evidence history, in English and in Spanish, with and without a "changed since" moment,
with an override and a self-assessment in play."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone, translation

from proficio.audit.context import acting
from proficio.evidence import actions as evidence_actions
from proficio.evidence.models import EvidenceKind
from proficio.frameworks import definitions
from proficio.learners import reports
from proficio.mastery import actions as mastery_actions
from proficio.mastery.models import Override
from tests.learners.reference_competencies import competencies as reference
from tests.test_continuum_consistency import history

__all__ = ["history"]

pytestmark = pytest.mark.django_db


def _level(level: Any) -> tuple[Any, ...] | None:
    if level is None:
        return None
    return (level.pk, level.position, str(level.label), str(level.description))


def _item(item: Any) -> tuple[Any, ...]:
    return (
        item.pk,
        item.human_coding_scheme,
        str(item.full_statement),
        str(item.abbreviated_statement or ""),
        getattr(item.full_statement, "fallback", None),
        item.framework.title,
        item.framework.scale_id,
        item.scale_id,
        _level(item.level),
    )


def _picture(rows: list[reports.CompetencyRow], suggested: list[Any]) -> list[Any]:
    """Everything a surface can show from the read, as plain values."""
    out: list[Any] = []
    for r in rows:
        s = r.shown
        out.append(
            (
                _item(r.competency),
                r.status,
                r.met,
                r.of,
                _level(r.level_now),
                _level(r.level_next),
                str(r.statement_now),
                str(r.statement_next),
                str(r.home_support),
                [(e.pk, str(e.title), e.level_id) for e in r.exemplars],
                None
                if s is None
                else (
                    s.status,
                    s.text,
                    s.proficient,
                    _level(s.level),
                    _level(s.next_level),
                    _level(s.expected),
                    s.due,
                    sorted(s.standing.met, key=str),
                    sorted(s.standing.inferred, key=str),
                ),
                [
                    (
                        _item(t.target),
                        t.status,
                        str(t.level_label),
                        t.level_value,
                        t.before_status,
                        str(t.before_label),
                        _level(t.inferred_through),
                        str(t.self_label),
                    )
                    for t in r.targets
                ],
                [t.target.pk for t in r.changed],
            )
        )
    out.append([_item(t) for t in suggested])
    return out


def test_the_read_says_what_it_said_before(history, world):
    _district, students = history
    # A sample of the district (each read twice, in two languages, with and without a moment).
    students = [*students[:12], world.ana]
    # An override and a self-assessment on Ana's record, so both paths are compared.
    with acting(None, route="tests: competencies reference"):
        mastery_actions.override_determination(
            world.user("rivera"),
            world.ana,
            world.target("MATH.1.1"),
            level_value=4.0,
            rationale="Shown in a conference the record does not hold.",
        )
        evidence_actions.record_evidence(
            world.user("rivera"),
            student=world.ana,
            kind=EvidenceKind.SELF_ASSESSMENT,
            title="How I think I am doing",
            assessed_at=timezone.now() - dt.timedelta(days=1),
            scores=[evidence_actions.ScoreInput(world.target("MATH.1.2"), 2.0)],
        )
    assert Override.objects.filter(student=world.ana, withdrawn_at__isnull=True).exists()
    since = timezone.now() - dt.timedelta(days=60)
    compared = 0
    for language in ("en", "es"):
        with translation.override(language):
            for student in students:
                for moment in (None, since):
                    # Each read in its own request scope, as a page would make it.
                    with definitions.request_scope():
                        now_read = reports.competencies(student, since=moment)
                    with definitions.request_scope():
                        before = reference(student, since=moment)
                    assert _picture(*now_read) == _picture(*before), (language, student.pk)
                    compared += 1
    assert compared == 4 * len(students)
    # The comparison is not empty: the history leaves standings, levels and changes to show.
    rows, _ = reports.competencies(world.ana)
    assert any(r.level_now is not None for r in rows)
    assert any(t.self_label for r in rows for t in r.targets)
    assert any(t.status == "advanced" or t.level_value == 4.0 for r in rows for t in r.targets)


def test_cached_framework_items_are_copied_not_shared(world):
    """A page translates the read's items in place; the cached framework tree keeps its
    English text, and a second read in another language gets its own copies."""
    with definitions.request_scope(), translation.override("es"):
        rows, _ = reports.competencies(world.ana)
        spanish = {r.competency.pk: str(r.competency.full_statement) for r in rows}
        cached = definitions.tree(rows[0].competency.framework_id).items[rows[0].competency.pk]
        assert cached is not rows[0].competency
        assert cached.level is None or cached.level is not rows[0].competency.level
    with definitions.request_scope(), translation.override("en"):
        rows, _ = reports.competencies(world.ana)
        english = {r.competency.pk: str(r.competency.full_statement) for r in rows}
        first = rows[0].competency
        cached_text = str(definitions.tree(first.framework_id).items[first.pk].full_statement)
    assert spanish != english, "the world's framework has Spanish text"
    assert english[first.pk] == cached_text


def test_cached_statements_and_labels_keep_their_english(world):
    """Level statements, help at home, exemplars and scale labels are read in the reader's
    language from the cached rows, without copying them: a Spanish read leaves the cached
    rows as the database holds them."""
    from proficio.frameworks.models import Exemplar, HomeSupport, LevelStatement, ScaleLevel

    def cached_texts() -> list[tuple[str, int, str]]:
        out = []
        for model, field in (
            (LevelStatement, "statement"),
            (HomeSupport, "text"),
            (Exemplar, "title"),
            (ScaleLevel, "label"),
        ):
            for key, rows in definitions._shared[1].items():
                if isinstance(key, tuple) and key[0] in (
                    f"report-{model.__name__}",
                    "report-scale-levels",
                ):
                    out += [(key[0], r.pk, getattr(r, field)) for r in rows if type(r) is model]
        return out

    with definitions.request_scope(), translation.override("es"):
        rows, _ = reports.competencies(world.ana)
    read = cached_texts()
    assert {k for k, *_ in read} >= {"report-LevelStatement", "report-scale-levels"}
    for key, pk, text in read:
        model = {
            "report-LevelStatement": LevelStatement,
            "report-HomeSupport": HomeSupport,
            "report-Exemplar": Exemplar,
            "report-scale-levels": ScaleLevel,
        }[key]
        field = {"report-scale-levels": "label", "report-HomeSupport": "text"}.get(
            key, "title" if model is Exemplar else "statement"
        )
        assert text == model.objects.values_list(field, flat=True).get(pk=pk)
        assert not getattr(text, "fallback", False), (key, pk)
    # The Spanish read did put Spanish on what it showed.
    assert any(r.statement_next and r.statement_next != "" for r in rows)

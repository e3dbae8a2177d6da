"""BKT in mastery policies: the fitted version records its parameter space, variants and fit;
the determination page names the model; the policy editor offers the space with its reason."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from proficio.audit.context import acting
from proficio.core.mastery.bkt import BKTParams, simulate
from proficio.evidence import actions as evidence
from proficio.evidence.models import ItemResponse
from proficio.mastery import actions as mastery
from proficio.mastery.models import Determination, Method, PolicyVersion, ScopeKind
from proficio.orgs.models import Student
from proficio.policy import SYSTEM


def quiz_history(world, target_code: str) -> tuple[list[Student], object]:
    """25 students, each answering two quizzes of four items on the target."""
    target = world.target(target_code)
    students = list(Student.objects.filter(school__parent__code="riverbend").order_by("pk")[:25])
    ids, answers = simulate(
        BKTParams(prior=0.2, learn=0.2, guess=0.2, slip=0.1), len(students), 8, seed=3
    )
    now = timezone.now()
    with acting(world.user("rivera"), route="test"):
        for i, student in enumerate(students):
            mine = answers[ids == i]
            for quiz, (title, days) in enumerate((("Quiz A", 3), ("Quiz B", 1))):
                evidence.record_evidence(
                    SYSTEM,  # a quiz platform's import
                    student=student,
                    kind="quiz",
                    title=title,
                    assessed_at=now - dt.timedelta(days=days),
                    responses=[
                        evidence.ResponseInput(target, bool(a))
                        for a in mine[quiz * 4 : quiz * 4 + 4]
                    ],
                )
    return students, target


def target_policy(world, target):
    return mastery.create_policy(
        SYSTEM,
        name=f"BKT for {target.human_coding_scheme}",
        scope=ScopeKind.TARGET,
        owner=world.org("riverbend"),
        item=target,
        params={"method": Method.DECAYING_AVERAGE},
    )


@pytest.mark.parametrize(
    ("space", "variants", "label"),
    [
        ("identifiable", [], "standard BKT · Identifiable: guess and slip below 0.5"),
        (
            "unconstrained",
            ["forgets", "multigs", "multilearn", "multiprior"],
            "BKT with forgetting, guess and slip per quiz item, learning rate per quiz,"
            " prior per school · Unconstrained: any guess and slip (pyBKT&#x27;s space)",
        ),
    ],
)
def test_a_fitted_version_records_its_space_variants_and_fit(
    world, client, django_capture_on_commit_callbacks, space, variants, label
):
    students, target = quiz_history(world, "MATH.1.3")
    policy = target_policy(world, target)
    with django_capture_on_commit_callbacks(execute=True):
        version = mastery.fit_bkt_version(
            SYSTEM, policy, target, restarts=2, space=space, variants=variants
        )
    params = version.bkt_params
    assert params["space"] == space
    assert params["variants"] == variants
    assert params["fit"]["converged"] is True
    assert params["fit"]["responses"] == 200
    assert params["fit"]["students"] == 25
    assert params["fit"]["log_likelihood"] < 0
    assert space in version.note
    if "multigs" in variants:
        positions = ItemResponse.objects.filter(target=target).values_list("position", flat=True)
        items = {f"Quiz {q} #{i}" for q in "AB" for i in set(positions)}
        assert set(params["item_guess"]) == items
        assert len(items) == 8
        assert set(params["class_learn"]) == {"Quiz A", "Quiz B"}
        assert set(params["cohort_prior"]) == {str(s.school_id) for s in students}
    det = Determination.objects.get(student=students[0], target=target)
    assert det.policy_version_id == version.pk
    assert det.explanation["bkt"]["variants"] == variants
    assert det.explanation["bkt"]["space"] == space
    assert 0 < det.explanation["bkt"]["p_correct_next"] < 1
    assert 0 <= det.value <= 1
    client.force_login(world.user("district.admin"))
    page = client.get(reverse("mastery:student_target", args=[students[0].pk, target.pk]))
    text = page.content.decode()
    assert label in text
    assert "Chance of a correct answer next" in text


def test_an_unknown_space_or_variant_is_refused(world):
    _, target = quiz_history(world, "MATH.1.4")
    policy = target_policy(world, target)
    with pytest.raises(ValidationError, match="Unknown parameter space 'pyBKT'"):
        mastery.fit_bkt_version(SYSTEM, policy, target, space="pyBKT")
    with pytest.raises(ValidationError, match="Unknown BKT variant 'multipair'"):
        mastery.fit_bkt_version(SYSTEM, policy, target, variants=["multipair"])
    with pytest.raises(ValidationError, match="Unknown parameter space 'pyBKT'"):
        mastery.request_bkt_fit(SYSTEM, policy, space="pyBKT")
    with pytest.raises(ValidationError, match="Unknown BKT variant 'multipair'"):
        mastery.request_bkt_fit(SYSTEM, policy, variants=["multipair"])
    assert policy.versions.count() == 1


def test_the_policy_editor_offers_the_space_with_its_reason(
    world, client, django_capture_on_commit_callbacks
):
    _, target = quiz_history(world, "MATH.1.3")
    policy = target_policy(world, target)
    client.force_login(world.user("district.admin"))
    url = reverse("mastery:policy", args=[policy.pk])
    page = client.get(url).content.decode()
    assert "Parameter space" in page
    assert "so a correct answer is always evidence of knowing the skill" in page
    # The default is chosen (whatever else the design system's radio puts on the input).
    radio = re.search(r'<input[^>]*value="identifiable"[^>]*>', page)
    assert radio is not None
    assert 'id="id_space_0"' in radio.group(0)
    assert " checked" in radio.group(0)
    others = re.findall(r'<input[^>]*name="space"[^>]*>', page)
    assert len(others) > 1
    assert sum(" checked" in tag for tag in others) == 1
    fit = reverse("mastery:fit_bkt", args=[policy.pk])
    refused = client.post(fit, {"space": "pyBKT"}, follow=True)
    assert "Choose a parameter space and known variants" in refused.content.decode()
    assert policy.versions.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(fit, {"space": "unconstrained", "variants": ["forgets"]})
    newest = PolicyVersion.objects.filter(policy=policy).order_by("-version").first()
    assert newest.version == 2
    assert newest.bkt_params["space"] == "unconstrained"
    assert newest.bkt_params["variants"] == ["forgets"]
    assert np.isfinite(newest.bkt_params["fit"]["log_likelihood"])

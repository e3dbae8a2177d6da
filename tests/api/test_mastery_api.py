"""Evidence and determinations over the JSON API, with targets named by CASE identifier."""

from __future__ import annotations

import json

from django.utils import timezone


def _post(client, student, body):
    return client.post(
        f"/api/v1/students/{student.pk}/evidence", json.dumps(body), content_type="application/json"
    )


def test_record_evidence_and_read_determinations(world, client):
    client.force_login(world.user("rivera"))
    target = world.target("MATH.3.2")
    body = {
        "kind": "observation",
        "title": "Measuring with a ruler",
        "assessed_at": (timezone.now() - timezone.timedelta(days=1)).isoformat(),
        "scores": [{"target": str(target.identifier), "score": 3}],
    }
    made = _post(client, world.ana, body)
    assert made.status_code == 201
    dets = made.json()["determinations"]
    assert dets[0]["target"] == str(target.identifier)
    assert dets[0]["status"] == "insufficient"
    listed = client.get(f"/api/v1/students/{world.ana.pk}/determinations").json()
    assert str(target.identifier) in {d["target"] for d in listed}


def test_api_bad_input_is_a_clear_400_or_422(world, client):
    client.force_login(world.user("rivera"))
    target = world.target("MATH.3.2")
    when = (timezone.now() - timezone.timedelta(days=1)).isoformat()
    unknown = _post(
        client,
        world.ana,
        {
            "kind": "observation",
            "title": "x",
            "assessed_at": when,
            "scores": [{"target": "00000000-0000-4000-8000-000000000000", "score": 3}],
        },
    )
    assert unknown.status_code == 400
    assert unknown.json()["detail"] == (
        "Learning target (its CASE identifier): No learning target has the identifier "
        "00000000-0000-4000-8000-000000000000."
    )
    outside = _post(
        client,
        world.ana,
        {
            "kind": "observation",
            "title": "x",
            "assessed_at": when,
            "scores": [{"target": str(target.identifier), "score": 9}],
        },
    )
    assert outside.status_code == 400
    assert outside.json()["detail"].startswith("Scores: Score 1 (9) is outside the scale")
    bad_kind = _post(
        client, world.ana, {"kind": "exam", "title": "x", "assessed_at": when, "scores": []}
    )
    assert bad_kind.status_code == 422


def test_api_respects_the_policy(world, client):
    client.force_login(world.user("garcia.family"))
    assert client.get(f"/api/v1/students/{world.ana.pk}/determinations").status_code == 200
    assert client.get(f"/api/v1/students/{world.ben.pk}/determinations").status_code == 404
    assert _post(client, world.ana, {}).status_code in (404, 422)


def _body(when, **more):
    return {"kind": "observation", "title": "x", "assessed_at": when, "scores": [], **more}


def test_every_refusal_of_a_body_is_labelled_and_located_never_a_raw_name(world, client):
    """What the action refuses comes back with the field's label (its title in the schema)
    and its JSON path; no message starts with a bare field name."""
    from proficio.mastery.api import EvidenceIn

    client.force_login(world.user("rivera"))
    target = str(world.target("MATH.3.2").identifier)
    yesterday = (timezone.now() - timezone.timedelta(days=1)).isoformat()
    future = (timezone.now() + timezone.timedelta(days=3)).isoformat()
    unknown = "00000000-0000-4000-8000-000000000000"
    cases = {
        "future": (
            _body(future, scores=[{"target": target, "score": 3}]),
            [("$.assessed_at", "When the learning was shown")],
        ),
        "no scores": (_body(yesterday), [("$.scores", "Scores")]),
        "extended, no partner": (
            _body(yesterday, kind="extended_learning", scores=[{"target": target, "score": 3}]),
            [("$.partner_organization", "Partner organization")],
        ),
        "blank title": (
            _body(yesterday, title="  ", scores=[{"target": target, "score": 3}]),
            [("$.title", "Title")],
        ),
        "second target unknown": (
            _body(
                yesterday,
                scores=[{"target": target, "score": 3}, {"target": unknown, "score": 2}],
            ),
            [("$.scores[1].target", "Learning target (its CASE identifier)")],
        ),
    }
    raw = set(EvidenceIn.model_fields)
    for name, (body, expected) in cases.items():
        answer = _post(client, world.ana, body)
        assert answer.status_code == 400, name
        got = answer.json()
        assert [(e["path"], e["label"]) for e in got["errors"]] == expected, name
        assert got["detail"].split(":")[0] == expected[0][1], name
        for e in got["errors"]:
            assert e["loc"][0] == "body"
            assert e["msg"].split(":")[0] not in raw, name
        assert not any(got["detail"].startswith(f"{field}:") for field in raw), name


def test_labels_follow_nested_schemas_and_the_whole_request():
    from django.core.exceptions import ValidationError

    from proficio.api import problems
    from proficio.mastery.api import EvidenceIn

    assert problems.json_path(("scores", 2, "score")) == "$.scores[2].score"
    assert problems.label_of(EvidenceIn, ("scores", 2, "score")) == "Score"
    assert problems.label_of(EvidenceIn, ()) == "The request"
    whole = problems.from_validation_error(ValidationError("Not now."), EvidenceIn)
    assert whole.problems == [
        {"loc": ["body"], "path": "$", "label": "The request", "msg": "Not now."}
    ]
    odd = problems.from_validation_error(ValidationError({"status": ["Closed."]}), EvidenceIn)
    assert odd.detail == "The request: Closed."

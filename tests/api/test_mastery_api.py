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
    assert "no learning target" in unknown.json()["detail"]
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
    assert "outside the scale" in outside.json()["detail"]
    bad_kind = _post(
        client, world.ana, {"kind": "exam", "title": "x", "assessed_at": when, "scores": []}
    )
    assert bad_kind.status_code == 422


def test_api_respects_the_policy(world, client):
    client.force_login(world.user("garcia.family"))
    assert client.get(f"/api/v1/students/{world.ana.pk}/determinations").status_code == 200
    assert client.get(f"/api/v1/students/{world.ben.pk}/determinations").status_code == 404
    assert _post(client, world.ana, {}).status_code in (404, 422)

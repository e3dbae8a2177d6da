"""The learning-tools page: a district's alignments, and the pulls' reports."""

from __future__ import annotations

from django.urls import reverse

from proficio.lrs.models import ActivityAlignment, LrsPull, PullStatus


def test_district_admin_aligns_an_activity_by_target_code(world, client):
    client.force_login(world.user("district.admin"))
    page = client.get(reverse("lrs:home")).content.decode()
    assert "https://tool.example/world/riverbend" in page
    assert "https://tool.example/world/lakeside" not in page  # another district's
    response = client.post(
        reverse("lrs:home"),
        {
            "district": world.org("riverbend").pk,
            "activity_id": "https://tool.example/quiz/9",
            "target": "MATH.1.2",
        },
    )
    assert response.status_code == 302
    alignment = ActivityAlignment.objects.get(activity_id="https://tool.example/quiz/9")
    assert alignment.target == world.target("MATH.1.2")
    again = client.post(
        reverse("lrs:home"),
        {
            "district": world.org("riverbend").pk,
            "activity_id": "https://tool.example/quiz/9",
            "target": "MATH.1.2",
        },
    )
    assert again.status_code == 400
    assert "already aligned" in again.content.decode()


def test_pull_report_lists_unmapped_activities_and_problems(world, client):
    from django.utils import timezone

    LrsPull.objects.create(
        started_at=timezone.now(),
        endpoint="http://127.0.0.1:8100/xAPI",
        status=PullStatus.DONE,
        counts={"fetched": 3, "evidence": 1, "unmapped": 1, "malformed": 1},
        unmapped={"https://tool.example/free": 1},
        problems=[{"statement": "0f0e", "message": "result.success must be true or false."}],
    )
    client.force_login(world.user("admin"))
    page = client.get(reverse("lrs:home")).content.decode()
    assert "<code>https://tool.example/free</code>: 1" in page
    assert "<code>0f0e</code>: result.success must be true or false." in page

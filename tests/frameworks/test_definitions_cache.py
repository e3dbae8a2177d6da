"""The definitions cache (issue 19 section 2): read once per request, kept between requests
until a definition changes, and never older than the token it is kept under.

"Another worker" is played by clearing the process's copy (a worker that has not yet
read anything) or by keeping it (a worker that read before the change): either way the
next request must see the change, because the change replaced the token in the database.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from proficio.frameworks import definitions
from proficio.frameworks.models import DefinitionStamp, ScaleLevel
from proficio.mastery import actions as mastery
from proficio.mastery import engine
from proficio.mastery.models import ScopeKind
from proficio.policy import SYSTEM

pytestmark = pytest.mark.django_db


def _token() -> str:
    return DefinitionStamp.objects.get(pk=1).token


def test_a_request_reads_the_token_once_and_each_value_once(world):
    target = world.target("MATH.1.1")
    loads = []

    def load() -> str:
        loads.append(1)
        return "value"

    with definitions.request_scope():
        with CaptureQueriesContext(connection) as first:
            assert definitions.cached(("test", "once"), load) == "value"
            engine.policy_for(world.ana, target)
        with CaptureQueriesContext(connection) as again:
            for _ in range(3):
                assert definitions.cached(("test", "once"), load) == "value"
                engine.policy_for(world.ana, target)
                engine.scale_for(target)
                engine.parent_of(target)
    assert len(loads) == 1
    tokens_read = [q for q in first.captured_queries if "definitionstamp" in q["sql"]]
    assert len(tokens_read) == 1
    assert again.captured_queries == []


def test_a_second_request_reuses_the_workers_copy_for_one_query(world):
    target = world.target("MATH.1.1")
    with definitions.request_scope():
        engine.policy_for(world.ana, target)
        engine.scale_for(target)
    with definitions.request_scope(), CaptureQueriesContext(connection) as ctx:
        engine.policy_for(world.ana, target)
        engine.scale_for(target)
        engine.children_of(engine.parent_of(target))
    assert [q["sql"] for q in ctx.captured_queries if "definitionstamp" not in q["sql"]] == []
    assert len(ctx.captured_queries) == 1  # the token


def test_a_new_policy_is_seen_by_the_next_request_in_every_worker(world):
    target = world.target("MATH.1.1")
    with definitions.request_scope():
        before = engine.policy_for(world.ana, target)
    token = _token()
    policy = mastery.create_policy(
        SYSTEM,
        name="Cache test: newest score on this target",
        scope=ScopeKind.TARGET,
        owner=world.ana.school.parent,
        item=target,
        params={"method": "latest"},
    )
    assert _token() != token  # the write replaced it, in the same transaction
    with definitions.request_scope():  # a worker that read before the change
        after = engine.policy_for(world.ana, target)
    definitions._shared = (None, {})  # a worker that has read nothing yet
    with definitions.request_scope():
        fresh = engine.policy_for(world.ana, target)
    assert before is None or before.policy_id != policy.pk
    assert after is not None
    assert after.policy_id == policy.pk
    assert fresh is not None
    assert fresh.policy_id == policy.pk
    # A new version of it is a new token too, and the newest version applies.
    version = mastery.new_policy_version(SYSTEM, policy, {"method": "mean"})
    with definitions.request_scope():
        newest = engine.policy_for(world.ana, target)
    assert newest is not None
    assert newest.pk == version.pk


def test_a_change_that_rolls_back_leaves_the_old_token_and_values(world):
    target = world.target("MATH.1.1")
    scale = engine.scale_for(target)
    assert scale is not None
    with definitions.request_scope():
        before = engine.core_scale(scale)
    token = _token()
    level = ScaleLevel.objects.filter(scale=scale).order_by("-position").first()
    assert level is not None

    inside = []

    class Undo(Exception):
        pass

    def change_and_undo() -> None:
        with transaction.atomic():
            level.value = level.value + 10
            level.save()
            with definitions.request_scope():
                inside.append(engine.core_scale(scale))  # the writer sees its own change
            raise Undo

    with pytest.raises(Undo):
        change_and_undo()
    assert inside[0].values[-1] == before.values[-1] + 10
    assert _token() == token
    with definitions.request_scope():
        assert engine.core_scale(scale) == before


def test_a_scale_change_reaches_the_mastery_engine(world):
    """The scale used to be kept per process with no way to forget it: a changed level
    was not seen until a restart."""
    target = world.target("MATH.1.1")
    scale = engine.scale_for(target)
    assert scale is not None
    with definitions.request_scope():
        before = engine.core_scale(scale)
    level = ScaleLevel.objects.filter(scale=scale).order_by("-position").first()
    assert level is not None
    level.value = level.value + 10
    level.save()
    with definitions.request_scope():
        after = engine.core_scale(scale)
    assert after.values[-1] == before.values[-1] + 10


def test_bulk_writes_inside_changing_replace_the_token_before_and_after(world):
    token = _token()
    seen = []
    with definitions.changing():
        seen.append(_token())
        ScaleLevel.objects.filter(pk=-1).update(label="x")  # a bulk write sends no signal
        seen.append(_token())
    assert token not in seen
    assert seen[0] == seen[1]  # no token per row inside the block
    assert _token() not in (token, seen[0])


def test_without_a_request_every_read_checks_the_token(world):
    target = world.target("MATH.1.1")
    engine.policy_for(world.ana, target)
    with CaptureQueriesContext(connection) as ctx:
        engine.policy_for(world.ana, target)
    # The tree and the policies: each cached read checks the token, and reads nothing else.
    assert [q["sql"] for q in ctx.captured_queries if "definitionstamp" not in q["sql"]] == []
    assert len(ctx.captured_queries) == 2


def test_a_new_continuum_setting_is_read_by_the_next_request(world):
    from proficio.mastery import continuum

    district = world.ana.school.parent
    with definitions.request_scope():
        before = continuum.infers_lower_levels(district)
    mastery.set_continuum_setting(SYSTEM, district, infer_lower_levels=not before)
    with definitions.request_scope():
        assert continuum.infers_lower_levels(district) is (not before)

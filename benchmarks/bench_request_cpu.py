"""CPU per request of the load mix's endpoints (issue 19), in process: each endpoint is
requested through the Django test client (the whole request: middleware, session, policy,
queries, audit, rendering) by the people ``bench_load.py`` would send, on the same demo
district, and the process's CPU time is divided by the number of requests.

    python benchmarks/bench_request_cpu.py                          # SQLite
    python tools/with_postgres.py -- python benchmarks/bench_request_cpu.py

On PostgreSQL the figure is the app's own CPU (the database's is another process's), the
part of the server's CPU that gunicorn's workers spend. CPU time, unlike wall-clock time,
stays steady on a shared machine; the baseline, measured in the same run, is a fixed
pure-Python workload, so the ratio also evens out a slower or faster core. Each endpoint
is measured in rounds, and the round that took the least CPU is shown.

To compare two versions of the code, run this script against each (``PYTHONPATH``), one
after the other, and compare the ratios. For the class grid's Python (``classroom.grid``
and the ``mastery.continuum`` it calls) ``--ab --cut grid-python --grid-before REV`` does
it in one process, against that git revision's modules.

``--prepared`` (PostgreSQL) compares prepared statements off and on (the setting
``PROFICIO_PREPARED_STATEMENTS``) in alternating rounds, and adds the database backend's
own CPU per request, which is where that setting's gain is.

The garbage collector is set as ``proficio serve`` sets it in its workers (what is loaded
before the first request frozen out of its sight, the youngest generation collected after
50,000 new objects): with Python's defaults, collections walking the district just seeded
land in whatever code runs at that moment, and a profile blames it for them.
``--python-gc`` keeps Python's defaults.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if "DATABASE_URL" not in os.environ:
    os.environ["PROFICIO_DATA_DIR"] = tempfile.mkdtemp(prefix="proficio-bench-cpu-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proficio.settings")
os.environ["PROFICIO_DEBUG"] = "0"  # as in production

import django

django.setup()

from _serving import prepare  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' references
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from tests.template_loops import (  # noqa: E402
    CHART_ROWS_LOOP,
    grid_standings_loop,
    target_rows_loop,
)


def baseline_ms() -> float:
    """CPU milliseconds of a fixed pure-Python workload (sorting and formatting)."""
    rng = random.Random(0)
    data = [rng.random() for _ in range(20_000)]
    started = time.process_time()
    for _ in range(20):
        sorted(data)
        ",".join(f"{x:.3f}" for x in data[:5_000])
    return (time.process_time() - started) * 1000 / 20


# The loops the cuts replaced, as they were (the byte-for-byte tests' reference too).
TARGET_ROWS_LOOP = target_rows_loop("row.targets")
GRID_STANDINGS_LOOP = grid_standings_loop("r.row.standings")
# template: (the tag, the loop before it, its libraries now, its libraries before)
SWAPS = {
    "learners/_competency.html": (
        "{% target_rows row.targets student.pk %}",
        TARGET_ROWS_LOOP,
        "{% load i18n framework_text target_rows %}",
        "{% load i18n framework_text mastery_status routes %}",
    ),
    "web/_chart.html": (
        "{% chart_table_rows chart.rows %}",
        CHART_ROWS_LOOP,
        "{% load i18n chart_table %}",
        "{% load i18n %}",
    ),
    "classroom/grid.html": ("{{ r.standings }}", GRID_STANDINGS_LOOP, "", ""),
}


# template name → (as it is, with the loop before its tag): each compiled once, so that
# switching makes no garbage (its collection would land in the next timed round).
_VERSIONS: dict[str, tuple[Any, Any]] = {}


def _template(name: str, on: bool) -> None:
    """Template ``name`` in the template cache: as it is (on), or with the rows its tag
    writes written by the template loop (off, as before)."""
    from django.template import engines

    engine = engines["django"].engine  # type: ignore[attr-defined]
    cache = engine.template_loaders[0].get_template_cache  # the cached loader's
    if name not in _VERSIONS:
        now = engine.get_template(name)
        tag, loop, libraries, libraries_before = SWAPS[name]
        assert tag in now.source
        assert libraries in now.source
        source = now.source.replace(tag, loop).replace(libraries, libraries_before)
        _VERSIONS[name] = (now, engine.from_string(source))
    now, before = _VERSIONS[name]
    cache[name] = now if on else before


CUTS = (
    "person-query",
    "header-count",
    "target-rows",
    "chart-rows",
    "grid-standings",
    "grid-python",
)

# The class grid's functions as they are, and as they were at ``--grid-before REV``.
_GRID_FUNCTIONS = ("section_columns", "build_rows", "attach_standings")
_GRID_VERSIONS: dict[bool, dict[str, Any]] = {}


def _module_at(rev: str, path: str, name: str) -> Any:
    """The module at ``path`` as it was at git revision ``rev``, loaded beside today's
    under ``name`` (the models it imports are today's: the same tables)."""
    import subprocess
    import types

    root = Path(__file__).resolve().parent.parent
    source = subprocess.run(
        ["git", "show", f"{rev}:{path}"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    module = types.ModuleType(name)
    module.__file__ = f"{rev}:{path}"
    sys.modules[name] = module  # the dataclasses look their module up
    exec(compile(source, module.__file__, "exec"), module.__dict__)  # noqa: S102 - our code
    return module


def load_grid_before(rev: str) -> None:
    """The grid-python cut's "off": ``classroom.grid``'s reading and standings, with the
    ``mastery.continuum`` they call, as at ``rev``."""
    from proficio.classroom import grid

    continuum = _module_at(rev, "src/proficio/mastery/continuum.py", "_before_continuum")
    before = _module_at(rev, "src/proficio/classroom/grid.py", "_before_grid")
    before.continuum = continuum
    _GRID_VERSIONS[True] = {f: getattr(grid, f) for f in _GRID_FUNCTIONS}
    _GRID_VERSIONS[False] = {f: getattr(before, f) for f in _GRID_FUNCTIONS}


def cuts(on: bool, which: tuple[str, ...] = CUTS) -> None:
    """Issue 19's cuts of per-request CPU that can be switched in a running process: the
    person's query compiled once per connection (off: built and compiled by the ORM each
    request, as before), the header's unread count skipped when nothing is unread (off:
    always counted, as before), and the student home's target rows, the chart tables'
    rows and the class grid's standings written in Python (off: by a template loop, as
    before), and the class grid's Python (off: as at ``--grid-before``, when given)."""
    from django.db import connections

    from proficio.notifications import actions, context_processors

    if "header-count" in which:
        context_processors.header_count = actions.header_count if on else actions.unread_count  # type: ignore[attr-defined]
    if "person-query" in which:
        # On the connection object itself (``django.db.connection`` is a stand-in for it).
        for compiled in connections["default"].__dict__.get("_proficio_person_query", {}).values():
            compiled.usable = on
    if "target-rows" in which:
        _template("learners/_competency.html", on)
    if "chart-rows" in which:
        _template("web/_chart.html", on)
    if "grid-standings" in which:
        _template("classroom/grid.html", on)
    if "grid-python" in which and _GRID_VERSIONS:
        from proficio.classroom import grid

        for name, function in _GRID_VERSIONS[on].items():
            setattr(grid, name, function)


def ab(
    endpoints: dict[str, Any], requests: int, rounds: int, vendor: str, which: tuple[str, ...]
) -> None:
    """Each endpoint with the cuts ``which`` off and on, ``rounds`` times in turn (which
    goes first alternating from round to round): the least CPU of each, and after /
    before (the same process, data and moment, so the ratio is steady). The other cuts
    stay on; an endpoint none of them touches shows the run's noise."""
    print(f"[{vendor}] cuts switched: {', '.join(which)}")
    for name, (person, call, status) in endpoints.items():
        client = client_for(person)
        for _ in range(3):
            assert call(client).status_code == status
        least = {False: float("inf"), True: float("inf")}
        for r in range(rounds):
            # Off first in one round, on first in the next: neither gains from going second.
            for on in (False, True) if r % 2 == 0 else (True, False):
                cuts(on, which)
                started = time.process_time()
                for _ in range(requests):
                    response = call(client)
                    assert response.status_code == status, (name, response.status_code)
                ms = (time.process_time() - started) * 1000 / requests
                least[on] = min(least[on], ms)
        same = ""
        if name in PAGES:  # a page read twice shows the same, cut or not
            pages = []
            for on in (False, True):
                cuts(on, which)
                pages.append(_comparable(call(client).content.decode()))
            assert pages[0] == pages[1], f"{name}: the page differs with the cuts"
            same = "; the same page with and without"
        print(
            f"[{vendor}] {name}: before {least[False]:.1f} ms CPU per request, after "
            f"{least[True]:.1f} ms; after / before {least[True] / least[False]:.3f}{same}"
        )
    cuts(True)


def _backend_cpu_ms() -> float:
    """CPU time (user + system) of this connection's PostgreSQL backend so far, read from
    /proc: the server must run on this machine (as ``tools/with_postgres.py``'s does)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def prepared(endpoints: dict[str, Any], requests: int, rounds: int) -> None:
    """Prepared statements (``PROFICIO_PREPARED_STATEMENTS``: server-side binding, and
    psycopg preparing a statement the second time it runs) off and on, in alternating
    rounds of one run on PostgreSQL. Each endpoint's figures are the app's CPU and the
    database backend's CPU per request, the least of the rounds."""
    options = connection.settings_dict.setdefault("OPTIONS", {})
    on_options = {"server_side_binding": True, "prepare_threshold": 2}

    def switch(on: bool) -> None:
        connection.close()  # the next query opens a connection with these options
        for key, value in on_options.items():
            if on:
                options[key] = value
            else:
                options.pop(key, None)

    for name, (person, call, status) in endpoints.items():
        client = client_for(person)
        least = {on: [float("inf"), float("inf")] for on in (False, True)}
        for r in range(rounds):
            for on in (False, True) if r % 2 == 0 else (True, False):
                switch(on)
                for _ in range(8):  # a new connection: let the statements be prepared
                    assert call(client).status_code == status
                db = _backend_cpu_ms()
                started = time.process_time()
                for _ in range(requests):
                    response = call(client)
                    assert response.status_code == status, (name, response.status_code)
                app = (time.process_time() - started) * 1000 / requests
                db = (_backend_cpu_ms() - db) / requests
                least[on] = [min(least[on][0], app), min(least[on][1], db)]
        (app0, db0), (app1, db1) = least[False], least[True]
        print(
            f"[postgresql] {name}: prepared statements off: app {app0:.1f} + database "
            f"{db0:.1f} ms CPU per request; on: app {app1:.1f} + database {db1:.1f} ms; "
            f"database on / off {db1 / db0:.2f}, both {(app1 + db1) / (app0 + db0):.2f}"
        )
    switch(True)


PAGES = ("student home", "class grid", "leader home")
ENDPOINTS = ("autosave", "API write", *PAGES)
# What differs between two renderings of one page: the form token, a chart's element id.
_VARYING = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*|(chart-)[0-9a-f]{12}')


def _comparable(page: str) -> str:
    return _VARYING.sub(lambda m: m.group(1) or m.group(2), page)


def client_for(person: dict[str, Any]) -> Client:
    client = Client(enforce_csrf_checks=True, HTTP_X_CSRFTOKEN=person["csrf"])
    for part in person["cookie"].split("; "):
        name, value = part.split("=", 1)
        client.cookies[name] = value
    return client


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--requests", type=int, default=40, help="per endpoint and round")
    parser.add_argument("--rounds", type=int, default=3, help="the least CPU of these is shown")
    parser.add_argument(
        "--ab",
        action="store_true",
        help="the request cuts of issue 19 off and on, in alternating rounds of one run",
    )
    parser.add_argument(
        "--cut",
        action="append",
        choices=CUTS,
        help="with --ab, switch only this cut (repeatable; default: all)",
    )
    parser.add_argument(
        "--endpoint",
        action="append",
        choices=ENDPOINTS,
        help="measure only this endpoint (repeatable; default: all)",
    )
    parser.add_argument(
        "--grid-before",
        metavar="REV",
        help="with --ab, the grid-python cut's before: the class grid's Python at this git "
        "revision",
    )
    parser.add_argument(
        "--prepared",
        action="store_true",
        help="PostgreSQL only: prepared statements off and on, app and database CPU",
    )
    parser.add_argument("--profile", metavar="DIR", help="write cProfile files there instead")
    parser.add_argument(
        "--python-gc", action="store_true", help="Python's collector defaults, not the server's"
    )
    args = parser.parse_args()
    plan_path = Path(tempfile.mkdtemp(prefix="proficio-bench-cpu-plan-")) / "plan.json"
    prepare(args.students, 4, plan_path)
    if not args.python_gc:  # as the server's workers have it
        from proficio.web.management.commands.serve import GC_THRESHOLDS

        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
    plan = json.loads(plan_path.read_text())
    teacher, student, leader = plan["teachers"][0], plan["students"][0], plan["leaders"][0]
    rng = random.Random(1)
    versions: dict[tuple[int, int], int] = {}
    score_url = f"/sections/{teacher['section']}/scoring/{teacher['tasks'][0]}/score/"

    def autosave(client: Client) -> Any:
        key = (rng.choice(teacher["students"]), rng.choice(teacher["criteria"]))
        response = client.post(
            score_url,
            {
                "student": key[0],
                "criterion": key[1],
                "score": str(rng.randint(1, 4)),
                "version": str(versions.get(key, 0)),
            },
            HTTP_HX_REQUEST="true",
        )
        found = response.content.decode().split('data-version="', 1)
        if len(found) == 2:
            versions[key] = int(found[1].split('"', 1)[0])
        return response

    titles = iter(range(10**9))

    def api_write(client: Client) -> Any:
        body = {
            "kind": "quiz",
            "title": f"cpu bench write {next(titles)}",
            "assessed_at": "2026-01-05T10:00:00+00:00",
            "scores": [
                {"target": t, "score": float(rng.randint(1, 4))}
                for t in rng.sample(teacher["targets"], rng.choice((1, 2)))
            ],
        }
        return client.post(
            f"/api/v1/students/{rng.choice(teacher['students'])}/evidence",
            json.dumps(body),
            content_type="application/json",
        )

    endpoints = {
        "autosave": (teacher, autosave, 200),
        "API write": (teacher, api_write, 201),
        "student home": (student, lambda c: c.get("/home/student/"), 200),
        "class grid": (teacher, lambda c: c.get(f"/sections/{teacher['section']}/grid/"), 200),
        "leader home": (leader, lambda c: c.get("/home/school_leader/"), 200),
    }
    if args.endpoint:
        endpoints = {name: e for name, e in endpoints.items() if name in args.endpoint}
    vendor = connection.vendor
    if args.profile:  # one cProfile file per endpoint, for pstats
        import cProfile

        for name, (person, call, status) in endpoints.items():
            client = client_for(person)
            for _ in range(3):
                assert call(client).status_code == status
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.requests):
                call(client)
            profiler.disable()
            profiler.dump_stats(str(Path(args.profile) / f"{name.replace(' ', '_')}.prof"))
        print(f"profiles in {args.profile}")
        return
    if args.prepared:
        assert vendor == "postgresql", "--prepared compares PostgreSQL settings"
        prepared(endpoints, args.requests, args.rounds)
        return
    if args.ab:
        if args.grid_before:
            load_grid_before(args.grid_before)
        ab(endpoints, args.requests, args.rounds, vendor, tuple(args.cut or CUTS))
        return
    base = min(baseline_ms() for _ in range(3))
    print(f"[{vendor}] baseline (fixed pure-Python workload): {base:.2f} ms CPU")
    total = 0.0
    for name, (person, call, status) in endpoints.items():
        client = client_for(person)
        for _ in range(3):  # warm the caches (templates, translations, the connection)
            response = call(client)
            assert response.status_code == status, (name, response.status_code)
        queries: list[str] = []

        def count(execute: Any, sql: str, *rest: Any, seen: list[str] = queries) -> Any:
            seen.append(sql)
            return execute(sql, *rest)

        with connection.execute_wrapper(count):
            assert call(client).status_code == status
        rounds = []
        for _ in range(args.rounds):
            started = time.process_time()
            for _ in range(args.requests):
                response = call(client)
                assert response.status_code == status, (name, response.status_code)
            rounds.append((time.process_time() - started) * 1000 / args.requests)
        ms = min(rounds)  # the steadiest figure on a shared machine
        total += ms
        print(
            f"[{vendor}] {name}: {ms:.1f} ms CPU per request ({ms / base:.2f} x baseline), "
            f"{len(queries)} queries"
        )
    mean = total / len(endpoints)
    print(f"[{vendor}] mean over the endpoints: {mean:.1f} ms CPU ({mean / base:.2f} x baseline)")
    assert not settings.DEBUG


if __name__ == "__main__":
    main()

"""Fuzz the JSON API with schemathesis, as every demo role, against a real server.

    python tools/fuzz_api.py                  # `make fuzz`: every role, full phases
    python tools/fuzz_api.py --smoke          # the bounded run `make test` does
    python tools/fuzz_api.py --roles rivera,ana --max-examples 20

It seeds the demo district into a fresh database (SQLite in a temporary folder; on the
PostgreSQL cluster named by DATABASE_URL, a throwaway database created there), serves it with
`proficio serve` (gunicorn) on a free loopback port, and then, for each demo login and for
an anonymous client, logs in through the login page as a browser would (the session cookie,
then the CSRF cookie sent back in the X-CSRFToken header on writes) and runs `schemathesis
run` on /api/v1/openapi.json with that session.

Server errors are counted from the server's own access log (every answer of 500 or more while
that role ran), next to the cases schemathesis generated and the failures its checks found.
It prints one line per role and a total, and exits 1 if any role saw a server error or a
failed check.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.request import HTTPCookieProcessor, Request, build_opener

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ANONYMOUS = "(anonymous)"
# Answers a check may flag beyond a server error: undocumented status codes or content types,
# and bodies that do not match the documented schema.
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance"
)
AGENT = "proficio-fuzz/"
# gunicorn's default access log line: ... "GET /path HTTP/1.1" 200 123 "referer" "user agent"
ACCESS_LINE = re.compile(
    r'"[A-Z]+ (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3}) .*"'
    + re.escape(AGENT)
    + r'(?P<role>[^"]+)"$'
)


@dataclass
class RoleResult:
    role: str
    cases: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    statuses: Counter[str] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return bool(self.server_errors) or bool(self.failures)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def database(env: dict[str, str]):
    """A fresh database for the server: SQLite in the data folder, or a throwaway PostgreSQL
    database on the cluster that DATABASE_URL names."""
    url = env.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        env.pop("DATABASE_URL", None)
        yield "SQLite"
        return
    import psycopg

    name = f"proficio_fuzz_{secrets.token_hex(4)}"
    parts = urllib.parse.urlsplit(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    try:
        yield "PostgreSQL"
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def server(env: dict[str, str], data: Path, students: int):
    cli = [sys.executable, "-m", "proficio.cli"]
    started = time.monotonic()
    subprocess.run([*cli, "migrate", "-v0"], env=env, check=True)
    subprocess.run(
        [*cli, "demo", "--students", str(students), "--seed", "0", "-v0"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"Seeded the demo district in {time.monotonic() - started:.0f} s", flush=True)
    port = free_port()
    log = data / "access.log"
    errors = open(data / "server.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [*cli, "serve", f"127.0.0.1:{port}", "--workers", "2", "--access-log"],
        env=env,
        stdout=open(log, "w"),  # noqa: SIM115 - the server owns it
        stderr=errors,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((data / "server.log").read_text()) from None
                time.sleep(0.3)
        yield url, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        errors.close()


# Real identifiers from the seeded database, offered to schemathesis beside the values it
# makes up, so that routes taking an id reach their logic (and foreign objects get tested).
KNOWN_IDS = """
import json
from proficio.frameworks.models import ImportJob, Item
from proficio.orgs.models import Organization, Section, Student
ids = lambda qs: list(qs.order_by("pk").values_list("pk", flat=True))
print(json.dumps({
    "students": ids(Student.objects.all()),
    "sections": ids(Section.objects.all()),
    "organizations": ids(Organization.objects.all()),
    "imports": ids(ImportJob.objects.all()) + [1, 2, 3],
    "targets": [str(i) for i in Item.objects.filter(kind="target")
                .order_by("pk").values_list("identifier", flat=True)],
    "scores": [1, 2, 3, 4, 2.5, 0, 5],
}))
"""
BINDINGS = {
    "path.student_id": "students",
    "path.section_id": "sections",
    "path.org_id": "organizations",
    "path.job_id": "imports",
    "body.scores[*].target": "targets",
    "body.scores[*].score": "scores",
}


def write_config(env: dict[str, str], path: Path) -> None:
    """A schemathesis.toml whose dictionaries hold the database's real identifiers."""
    found = subprocess.run(
        [sys.executable, "-m", "proficio.cli", "shell", "--no-imports", "-c", KNOWN_IDS],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    known = json.loads(found.stdout.strip().splitlines()[-1])
    lines = []
    for name, values in known.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}", ""]
    lines.append("[parameters]")
    for key, name in BINDINGS.items():
        lines.append(f'"{key}" = {{ dictionary = "{name}", probability = 0.7 }}')
    path.write_text("\n".join(lines) + "\n")


def log_in(base: str, username: str, password: str) -> tuple[str, str]:
    """Log in through the login page; return the Cookie header and the CSRF token."""
    jar = CookieJar()
    opener = build_opener(HTTPCookieProcessor(jar))
    opener.open(f"{base}/accounts/login/", timeout=30).read()
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    form = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": csrf}
    ).encode()
    opener.open(Request(f"{base}/accounts/login/", data=form), timeout=30).read()  # noqa: S310
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise RuntimeError(f"could not log in as {username}")
    # Logging in rotates the CSRF token.
    return "; ".join(f"{k}={v}" for k, v in cookies.items()), cookies["csrftoken"]


def fuzz_role(
    base: str, role: str, password: str, opts: argparse.Namespace, out: Path
) -> RoleResult:
    """Run schemathesis as ``role``. Its requests carry a User-Agent naming the role, which
    the server's access log records, so roles can run side by side and still be told apart."""
    result = RoleResult(role)
    headers = ["-H", f"User-Agent: {AGENT}{role}"]
    if role != ANONYMOUS:
        cookie, csrf = log_in(base, role, password)
        headers += ["-H", f"Cookie: {cookie}", "-H", f"X-CSRFToken: {csrf}"]
    report = out / f"{role}.json"
    started = time.monotonic()
    command = [
        str(BIN / "schemathesis"),
        "--config-file",
        str(out / "schemathesis.toml"),
        "run",
        f"{base}/api/v1/openapi.json",
        *headers,
        "--checks",
        CHECKS,
        "--max-examples",
        str(opts.max_examples),
        "--seed",
        str(opts.seed),
        "--phases",
        opts.phases,
        # One thread per run: Python 3.11's ast module is not thread-safe, and Hypothesis
        # parses lambdas with it. Roles run side by side as processes instead.
        "--workers",
        "1",
        "--continue-on-failure",
        # Generous: on a busy machine two sync workers may queue a request for a while.
        "--request-timeout",
        "60",
        "--no-color",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    with open(out / f"{role}.log", "w") as log:
        # In the scratch folder: schemathesis keeps a cache of crashes where it runs.
        subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False, cwd=out)
    result.seconds = time.monotonic() - started
    try:
        data = json.loads(report.read_text())
    except (OSError, ValueError):
        result.failures["schemathesis did not finish"] = 1
        return result
    result.cases = int(data["test_cases"]["generated"])
    for failure in data.get("failures", []):
        result.failures[failure["title"]] = int(failure["count"])
    for error in data.get("errors", []):
        result.failures[f"error: {error.get('title', error)}"] = 1
    return result


def count_answers(access_log: Path, results: dict[str, RoleResult]) -> None:
    """Tally the server's answers per role from its access log (the User-Agent names it)."""
    for line in access_log.read_text().splitlines():
        m = ACCESS_LINE.search(line)
        if m is None or m["role"] not in results:
            continue
        r = results[m["role"]]
        status = m["status"]
        r.statuses[status[0] + "xx"] += 1
        if status >= "500":
            r.server_errors.append(f"{status} {m['path']}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a bounded run for make test")
    parser.add_argument("--roles", help="comma-separated usernames (default: every demo login)")
    parser.add_argument("--max-examples", type=int, default=None)
    parser.add_argument("--phases", default=None)
    parser.add_argument("--students", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--parallel", type=int, default=2, help="roles fuzzed side by side")
    parser.add_argument("--keep", action="store_true", help="keep the reports and logs")
    opts = parser.parse_args(argv)
    if opts.smoke:
        opts.max_examples = opts.max_examples or 3
        opts.phases = opts.phases or "coverage,fuzzing"
        opts.students = opts.students or 12
        opts.roles = opts.roles or "district.admin,rivera,ana"
        opts.parallel = max(opts.parallel, 3)
    opts.max_examples = opts.max_examples or 50
    opts.phases = opts.phases or "examples,coverage,fuzzing,stateful"
    opts.students = opts.students or 60

    data = Path(tempfile.mkdtemp(prefix="proficio-fuzz-"))
    env = {
        **os.environ,
        "PROFICIO_DATA_DIR": str(data),
        "DJANGO_SETTINGS_MODULE": "proficio.settings",
        "PROFICIO_DEBUG": "0",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("PROFICIO_SECRET_KEY", None)
    os.environ["PROFICIO_DATA_DIR"] = str(data)
    os.environ["DJANGO_SETTINGS_MODULE"] = "proficio.settings"
    import django

    django.setup()
    from proficio.demo.generate import DEMO_LOGINS, DEMO_PASSWORD

    roles = opts.roles.split(",") if opts.roles else [d.username for d in DEMO_LOGINS]
    if not opts.roles:
        roles.append(ANONYMOUS)
    results: list[RoleResult] = []
    try:
        with database(env) as engine, server(env, data, opts.students) as (base, access_log):
            write_config(env, data / "schemathesis.toml")
            print(
                f"Fuzzing {base}/api/v1 ({engine}, demo of {opts.students} students) as "
                f"{len(roles)} roles: phases {opts.phases}, up to {opts.max_examples} "
                "examples per operation",
                flush=True,
            )
            with ThreadPoolExecutor(max_workers=opts.parallel) as pool:
                runs = [
                    pool.submit(fuzz_role, base, role, DEMO_PASSWORD, opts, data) for role in roles
                ]
                results = [run.result() for run in runs]
            time.sleep(1)  # the last answers reach the access log
            count_answers(access_log, {r.role: r for r in results})
            for r in results:
                statuses = ", ".join(f"{k} {v}" for k, v in sorted(r.statuses.items()))
                failures = ", ".join(f"{k}: {v}" for k, v in r.failures.items()) or "none"
                print(
                    f"  {r.role:<16} {r.cases:>6} cases  {len(r.server_errors):>3} server errors"
                    f"  ({statuses}; failed checks: {failures}; {r.seconds:.0f} s)",
                    flush=True,
                )
                for line in sorted(set(r.server_errors))[:10]:
                    print(f"      {line}")
    finally:
        if not opts.keep and not any(r.failed for r in results):
            shutil.rmtree(data, ignore_errors=True)
        else:
            print(f"Reports and server logs kept in {data}")
    cases = sum(r.cases for r in results)
    errors = sum(len(r.server_errors) for r in results)
    failed = [r.role for r in results if r.failed]
    print(f"TOTAL {cases} cases, {errors} server errors, {len(failed)} roles with failures")
    return 1 if failed or len(results) < len(roles) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

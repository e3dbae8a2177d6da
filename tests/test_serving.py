"""Serving for real (issue 19 section 3, issue 11 section 5): `proficio serve` (gunicorn) and
`proficio run` as subprocesses on free loopback ports, talked to over HTTP.

- gunicorn starts the documented number of workers and WhiteNoise serves static files;
- a disallowed Host is a 400, for a page and for the API;
- a request too large is refused before its body is read;
- while the database cannot be reached, pages answer a friendly 503 and the API a JSON 503,
  both with Retry-After; once it is back, the same server answers normally again (a real
  PostgreSQL cluster stopped and restarted under the running server);
- `proficio run` serves with debug off and friendly pages unless `--debug` is given.
"""

from __future__ import annotations

import http.client
import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "proficio.cli"]

pytestmark = pytest.mark.slow


def _with_postgres():
    spec = importlib.util.spec_from_file_location("with_postgres", ROOT / "tools/with_postgres.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(data: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "PROFICIO_DATA_DIR": str(data),
        "DJANGO_SETTINGS_MODULE": "proficio.settings",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    for name in ("PROFICIO_DEBUG", "PROFICIO_SECRET_KEY"):
        if name not in extra:
            env.pop(name, None)
    if "DATABASE_URL" not in extra:
        env.pop("DATABASE_URL", None)
    return env


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> dict:
        assert self.headers.get("content-type", "").startswith("application/json"), self.headers
        return json.loads(self.body)


@dataclass
class Server:
    port: int
    proc: subprocess.Popen
    log: Path

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> Answer:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body or None, headers=headers or {})
            r = conn.getresponse()
            headers: dict[str, str] = {}
            for k, v in r.getheaders():  # several Set-Cookie headers are joined
                headers[k.lower()] = f"{headers[k.lower()]}, {v}" if k.lower() in headers else v
            return Answer(r.status, headers, r.read())
        finally:
            conn.close()

    def get(self, path: str, **headers: str) -> Answer:
        return self.request("GET", path, {k.replace("_", "-"): v for k, v in headers.items()})


@contextmanager
def serving(command: list[str], env: dict[str, str], data: Path) -> Iterator[Server]:
    port = _free_port()
    log = data / f"server-{port}.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [*command, f"127.0.0.1:{port}"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    server = Server(port, proc, log)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(log.read_text()) from None
                time.sleep(0.3)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _seed(env: dict[str, str], students: int = 10) -> None:
    subprocess.run([*CLI, "migrate", "-v0"], env=env, check=True)
    subprocess.run(
        [*CLI, "demo", "--students", str(students), "--no-history", "-v0"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _log_in(server: Server, username: str) -> dict[str, str]:
    """Log in through the login form; return the cookies (sessionid, csrftoken)."""
    page = server.get("/accounts/login/")
    csrf = page.headers["set-cookie"].split("csrftoken=", 1)[1].split(";", 1)[0]
    form = f"username={username}&password=proficio-demo&csrfmiddlewaretoken={csrf}"
    done = server.request(
        "POST",
        "/accounts/login/",
        {"Cookie": f"csrftoken={csrf}", "Content-Type": "application/x-www-form-urlencoded"},
        form.encode(),
    )
    assert done.status == 302, done.text[:500]
    cookies = {}
    for header in done.headers["set-cookie"].split(", "):
        name, _, rest = header.partition("=")
        if name.strip() in ("sessionid", "csrftoken"):
            cookies[name.strip()] = rest.split(";", 1)[0]
    assert "sessionid" in cookies
    return cookies


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    data = tmp_path_factory.mktemp("serve")
    env = _env(data)
    _seed(env)
    return data, env


@pytest.fixture(scope="module")
def gunicorn(seeded) -> Iterator[Server]:
    data, env = seeded
    with serving([*CLI, "serve", "--workers", "2"], env, data) as server:
        yield server


def test_serve_runs_gunicorn_with_the_workers_asked_for(gunicorn):
    login = gunicorn.get("/accounts/login/")
    assert login.status == 200
    assert login.headers["server"].startswith("gunicorn")
    assert "no-store" in login.headers["cache-control"]
    deadline = time.monotonic() + 30
    while gunicorn.log.read_text().count("Booting worker") < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    log = gunicorn.log.read_text()
    assert log.count("Booting worker") == 2
    assert "Using worker: sync" in log


def test_static_files_come_from_whitenoise(gunicorn):
    css = gunicorn.get("/static/proficio/proficio.css")
    assert css.status == 200
    assert css.headers["content-type"].startswith("text/css")
    assert b".badge-insufficient" in css.body
    assert "no-store" not in css.headers.get("cache-control", "")
    system = gunicorn.get("/static/vendor/uswds/css/uswds.min.css")  # collected from node_modules
    assert system.status == 200
    assert b".usa-header" in system.body


def test_default_workers_follow_the_cores():
    from proficio.core.machine import usable_cores
    from proficio.web.management.commands.serve import default_workers

    assert usable_cores() == len(os.sched_getaffinity(0))
    assert default_workers() == 2 * usable_cores() + 1


def test_a_disallowed_host_is_a_400(gunicorn):
    page = gunicorn.get("/", Host="evil.example")
    assert page.status == 400
    assert "That request could not be understood" in page.text
    assert "evil.example" not in page.text
    api = gunicorn.get("/api/v1/me", Host="evil.example")
    assert api.status == 400
    assert api.json() == {"detail": "The request is not valid."}


def test_friendly_pages_with_debug_off(gunicorn):
    missing = gunicorn.get("/no/such/page/")
    assert missing.status == 404
    assert "Page not found" in missing.text
    assert "URLconf" not in missing.text  # Django's debug page lists the URL patterns
    assert gunicorn.get("/api/v1/nope").json() == {"detail": "Not found."}


def test_a_request_too_large_is_refused_before_its_body_is_read(gunicorn):
    """The declared length alone is enough: the server answers without waiting for a body
    that never comes."""
    cookies = _log_in(gunicorn, "district.admin")
    with socket.create_connection(("127.0.0.1", gunicorn.port), timeout=30) as s:
        s.sendall(
            b"POST /api/v1/frameworks/imports HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=xyz\r\n"
            b"Content-Length: 10000000000\r\n"
            + f"Cookie: sessionid={cookies['sessionid']}; csrftoken={cookies['csrftoken']}\r\n"
            f"X-CSRFToken: {cookies['csrftoken']}\r\n\r\n".encode()
            + b"--xyz\r\n"
        )
        started = time.monotonic()
        head = s.recv(4096).decode()
    assert head.startswith("HTTP/1.1 413"), head[:200]
    assert time.monotonic() - started < 20


def test_the_api_answers_503_json_while_the_database_is_unreachable(tmp_path):
    """A server pointed at a PostgreSQL socket where nothing listens starts anyway, and
    answers every request that needs the database with a 503 and Retry-After."""
    dead = tmp_path / "no-server-here"
    dead.mkdir()
    url = f"postgres://postgres@{str(dead).replace('/', '%2F')}/proficio"
    env = _env(tmp_path, DATABASE_URL=url)
    with serving([*CLI, "serve", "--workers", "1"], env, tmp_path) as server:
        cookie = {"Cookie": "sessionid=abcdefghijklmnopqrstuvwxyz012345"}
        api = server.request("GET", "/api/v1/me", cookie)
        assert api.status == 503
        assert api.headers["retry-after"] == "10"
        assert api.json() == {
            "detail": "The service is briefly unavailable. Try again in a moment."
        }
        page = server.request("GET", "/", cookie)
        assert page.status == 503
        assert page.headers["retry-after"] == "10"
        assert "Proficio is briefly unavailable" in page.text
        assert "no-store" in page.headers["cache-control"]
        # What a load balancer's health check asks for still answers.
        assert server.get("/accounts/login/").status == 200
    log = server.log.read_text()
    assert "The database cannot be reached yet" in log


def test_a_database_stopped_under_a_running_server(tmp_path):
    """A real PostgreSQL cluster is stopped while the server runs (holding persistent
    connections), then started again: 503 with Retry-After meanwhile, never a 500, and the
    same workers recover on their own."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("runs in the PostgreSQL stage (make pytest-postgres)")
    with_postgres = _with_postgres()
    bindir = with_postgres.find_bindir()
    assert bindir is not None, "the PostgreSQL stage has the server binaries"
    cluster = with_postgres.Cluster(bindir)
    try:
        cluster.start()
        env = _env(tmp_path, DATABASE_URL=cluster.url)
        _seed(env)
        with serving([*CLI, "serve", "--workers", "1"], env, tmp_path) as server:
            cookies = _log_in(server, "rivera")
            session = {"Cookie": f"sessionid={cookies['sessionid']}"}
            me = server.request("GET", "/api/v1/me", session)
            assert me.status == 200
            assert me.json()["username"] == "rivera"
            cluster.stop()
            statuses = []
            for path in ("/api/v1/me", "/api/v1/students", "/", "/students/"):
                answer = server.request("GET", path, session)
                statuses.append(answer.status)
                assert answer.status == 503, (path, answer.status, answer.text[:300])
                assert answer.headers["retry-after"] == "10"
                if path.startswith("/api/"):
                    assert answer.json()["detail"].startswith("The service is briefly")
                else:
                    assert "Proficio is briefly unavailable" in answer.text
            cluster.start()
            back = server.request("GET", "/api/v1/me", session)
            assert back.status == 200, back.text[:300]
            assert back.json()["username"] == "rivera"
        assert " 500 " not in server.log.read_text()
    finally:
        cluster.remove()


def test_run_serves_with_debug_off_unless_asked(seeded):
    data, env = seeded
    with serving([*CLI, "run"], env, data) as server:
        missing = server.get("/no/such/page/")
        assert missing.status == 404
        assert "Page not found" in missing.text
        assert "URLconf" not in missing.text
        css = server.get("/static/proficio/proficio.css")
        assert css.status == 200, "static files are served with debug off too"
    assert "debug off" in server.log.read_text()
    with serving([*CLI, "run", "--debug"], env, data) as server:
        missing = server.get("/no/such/page/")
        assert missing.status == 404
        assert "URLconf" in missing.text  # Django's technical 404 page
    assert "debug ON" in server.log.read_text()

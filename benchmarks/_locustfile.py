"""The load mix of issue 19, for locust (run by benchmarks/bench_load.py, headless, against
`proficio serve` on a loopback port). The people come signed in: the plan (from
``_serving.py prepare``) gives each a session cookie and a CSRF secret, so logins (and
their deliberately slow password hashing) are not part of the mix.

- teachers autosave scores on their class's scoring sheet, now and then open the class
  grid;
- API clients (teachers' sessions) post evidence on one or two learning targets;
- students open their home page;
- school leaders open their home page (the school dashboard).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import re
from pathlib import Path
from typing import Any

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

PLAN: dict[str, list[dict[str, Any]]] = json.loads(
    Path(os.environ["PROFICIO_LOAD_PLAN"]).read_text()
)
WRITE_TITLE = "load write"
_VERSION = re.compile(r'data-version="(\d+)"')
LEVEL = int(os.environ.get("PROFICIO_LOAD_LEVEL", "0"))  # each level scores its own task
# Each person's pause between two requests, in seconds (bench_load.py --think). With the
# default 1 to 3 s, 100 people send at most about 50 requests/s whatever the server does.
THINK = tuple(float(x) for x in os.environ.get("PROFICIO_LOAD_THINK", "1,3").split(","))
_counters = {kind: itertools.count() for kind in (*PLAN, "api")}
_titles = itertools.count()


def _pick(kind: str, counter: str = "") -> dict[str, Any]:
    people = PLAN[kind]
    return people[next(_counters[counter or kind]) % len(people)]


class Signed(FastHttpUser):
    abstract = True
    wait_time = between(THINK[0], THINK[1])
    kind = ""
    counter = ""

    def on_start(self) -> None:
        self.me = _pick(self.kind, self.counter)
        self.headers = {"Cookie": self.me["cookie"], "X-CSRFToken": self.me["csrf"]}
        self.rng = random.Random(id(self))

    def page(self, url: str, name: str) -> None:
        """A page that must answer 200 itself (a redirect to the login page is a failure)."""
        with self.client.get(
            url, headers=self.headers, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")


class Teacher(Signed):
    weight = 4
    kind = "teachers"

    def on_start(self) -> None:
        super().on_start()
        self.versions: dict[tuple[int, int], int] = {}
        task = self.me["tasks"][LEVEL % len(self.me["tasks"])]
        self.score_url = f"/sections/{self.me['section']}/scoring/{task}/score/"

    @task(5)
    def autosave(self) -> None:
        student = self.rng.choice(self.me["students"])
        criterion = self.rng.choice(self.me["criteria"])
        key = (student, criterion)
        with self.client.post(
            self.score_url,
            data={
                "student": student,
                "criterion": criterion,
                "score": str(self.rng.randint(1, 4)),
                "version": str(self.versions.get(key, 0)),
            },
            headers={**self.headers, "HX-Request": "true"},
            name="autosave",
            catch_response=True,
        ) as response:
            found = _VERSION.search(response.text or "") if response.status_code == 200 else None
            if found is None:
                response.failure(f"HTTP {response.status_code}")
            else:
                self.versions[key] = int(found.group(1))

    @task(1)
    def class_grid(self) -> None:
        self.page(f"/sections/{self.me['section']}/grid/", "class grid")


class ApiWriter(Signed):
    weight = 2
    kind = "teachers"
    counter = "api"  # its own turn through the classes: the teachers keep one each

    @task
    def write(self) -> None:
        student = self.rng.choice(self.me["students"])
        targets = self.rng.sample(self.me["targets"], self.rng.choice((1, 2)))
        body = {
            "kind": "quiz",
            "title": f"{WRITE_TITLE} {os.getpid()}-{next(_titles)}",
            "assessed_at": (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat(),
            "scores": [{"target": t, "score": float(self.rng.randint(1, 4))} for t in targets],
        }
        with self.client.post(
            f"/api/v1/students/{student}/evidence",
            data=json.dumps(body),
            headers={**self.headers, "Content-Type": "application/json"},
            name="API write",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"HTTP {response.status_code}")


class StudentHome(Signed):
    weight = 3
    kind = "students"

    @task
    def home(self) -> None:
        self.page("/home/student/", "student home")


class Leader(Signed):
    weight = 1
    kind = "leaders"

    @task
    def dashboard(self) -> None:
        self.page("/home/school_leader/", "leader dashboard")

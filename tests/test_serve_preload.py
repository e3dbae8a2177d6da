"""`proficio serve` loads the application once, in gunicorn's master, before it forks the
workers, and freezes it out of the garbage collector's sight (issue 19: the server's CPU
per request; see the command's docstring).

It runs in a fresh interpreter, as the command does, with gunicorn's ``run`` replaced by a
look at what the master would fork the workers with, so no server starts and the test
process's own collector is left alone.
"""

from __future__ import annotations

from pathlib import Path

from tests.fresh_interpreter import run_as_server

_MASTER = """
import gc, json, sys
import django
django.setup()
from django.core.management import call_command
from gunicorn.app.base import BaseApplication

seen = {}

def run(self):
    seen["views_before"] = "proficio.classroom.views" in sys.modules
    seen["preload"] = self.cfg.preload_app
    application = self.load()
    seen["callable"] = callable(application)
    seen["views_after"] = "proficio.classroom.views" in sys.modules
    seen["frozen"] = gc.get_freeze_count()
    seen["young_left"] = gc.get_count()[0]
    seen["threshold"] = list(gc.get_threshold())
    self.cfg.pre_fork(None, None)
    seen["frozen_at_fork"] = gc.get_freeze_count()

BaseApplication.run = run
call_command("serve", "127.0.0.1:0")
print(json.dumps(seen))
"""


def test_the_master_loads_the_application_and_freezes_it_before_forking(tmp_path: Path):
    from proficio.web.management.commands.serve import GC_THRESHOLDS

    seen = run_as_server(_MASTER, tmp_path)
    assert seen["preload"] is True
    assert seen["callable"]
    # The views come with the URL configuration, loaded by the master, not by each worker.
    assert not seen["views_before"]
    assert seen["views_after"]
    # What the master holds (Django, every app, the views) is frozen: far more than the
    # young objects left outside it.
    assert seen["frozen"] > 50_000
    assert seen["frozen"] > 10 * seen["young_left"]
    assert seen["frozen_at_fork"] >= seen["frozen"]
    assert seen["threshold"] == list(GC_THRESHOLDS)

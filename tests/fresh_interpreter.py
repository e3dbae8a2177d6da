"""Run a script in a fresh interpreter the way ``proficio serve`` starts (production
settings, a throwaway data directory, no database), and read the JSON it prints last.

For tests of what a server process holds before its first request
(``test_worker_imports.py``, ``test_serve_preload.py``): the test process has long
imported everything, so only a new interpreter shows what starting one loads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def run_as_server(script: str, data_dir: Path, *args: str) -> Any:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "proficio.settings",  # what ``proficio serve`` runs
        "PROFICIO_DATA_DIR": str(data_dir),
    }
    env.pop("DATABASE_URL", None)  # loading the application touches no database
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])

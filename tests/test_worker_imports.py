"""An idle web worker does not carry the batch and solver libraries.

A gunicorn worker imports the URL configuration and the WSGI application before its first
request. pandas and pyarrow (the state batch and submission packages) and SciPy and HiGHS
(the publication audit's solvers, the reliability statistics) made an idle worker about
70 MiB larger (``benchmarks/bench_login_memory.py --server``), and only a few pages or
tasks ever use them: the modules that need them import them on first use. This checks it
in a fresh interpreter, as a worker starts.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.fresh_interpreter import run_as_server

HEAVY = ("pandas", "pyarrow", "scipy", "highspy")

_WORKER = """
import importlib, json, sys
import django
django.setup()
from django.conf import settings
from django.urls import get_resolver
importlib.import_module(settings.ROOT_URLCONF)
get_resolver().url_patterns  # every app's routes, the API's included
from proficio.wsgi import application
loaded = sorted({name.split(".")[0] for name in sys.modules} & set(json.loads(sys.argv[1])))
print(json.dumps({"loaded": loaded, "numpy": "numpy" in sys.modules}))
"""


def test_the_url_configuration_and_wsgi_application_load_no_heavy_library(tmp_path: Path):
    found = run_as_server(_WORKER, tmp_path, json.dumps(HEAVY))
    # The check itself can see a module: numpy is imported by the kernels the pages use.
    assert found["numpy"]
    assert found["loaded"] == [], f"an idle worker imported {found['loaded']}"

# One command per job, the same locally and in CI.
#   make run    set everything up and serve the demo district on http://127.0.0.1:8000
#   make test   lint, types, layer contracts, tests on SQLite and PostgreSQL, browser tests
#   make lint   ruff, mypy and import-linter only
#   make bench  the benchmark scripts (figures and ratios, not pass/fail)
#   make fuzz   schemathesis against a real server, as every demo role (long)

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
# Ralph (the LRS) has its own virtualenv: its pins differ from ours.
LRS_VENV := .venv-lrs
LRS_STAMP := $(LRS_VENV)/.installed
export PYTHONDONTWRITEBYTECODE := 1
PYTEST := $(BIN)/python -m pytest -p no:cacheprovider
WORKERS ?= 2

.PHONY: install run test lint coverage-core pytest-sqlite pytest-postgres pytest-browser fuzz fuzz-smoke bench chromium pango java messages clean pybkt pybkt-if-possible

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e ".[dev]"
	touch $@

$(NODE_STAMP): package.json package-lock.json tools/jsonld_contexts.cjs
	npm ci --no-audit --no-fund --loglevel=error
	node tools/jsonld_contexts.cjs node_modules/.proficio/jsonld-contexts.json
	touch $@

$(LRS_STAMP): requirements-lrs.lock
	$(PYTHON) -m venv $(LRS_VENV)
	$(LRS_VENV)/bin/pip install --quiet --upgrade pip
	$(LRS_VENV)/bin/pip install --quiet --no-deps -r requirements-lrs.lock
	touch $@

install: $(STAMP) $(NODE_STAMP) $(LRS_STAMP) pango java

run: install
	$(BIN)/proficio run

lint: install
	$(BIN)/ruff check src tests tools benchmarks
	$(BIN)/ruff format --check src tests tools benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

pytest-sqlite: install
	$(PYTEST) -n $(WORKERS) -m "not browser"

pytest-postgres: install
	$(BIN)/python tools/with_postgres.py -- $(PYTEST) -n $(WORKERS) -m "not browser"

pytest-browser: install chromium
	$(PYTEST) -m browser

test: lint pybkt-if-possible pytest-sqlite pytest-postgres fuzz-smoke pytest-browser

# pyBKT (the C++ build) in its own virtualenv, for the BKT comparison test and
# benchmarks/bench_bkt_vs_pybkt.py. It needs numpy < 2 and a C++ compiler with OpenMP.
PYBKT := .pybkt
PYBKT_STAMP := $(PYBKT)/.installed
$(PYBKT_STAMP): benchmarks/pybkt-requirements.txt
	rm -rf $(PYBKT)
	$(PYTHON) -m venv $(PYBKT)
	$(PYBKT)/bin/pip install --quiet --upgrade pip setuptools wheel
	$(PYBKT)/bin/pip install --quiet -c benchmarks/pybkt-requirements.txt numpy
	$(PYBKT)/bin/pip install --quiet -c benchmarks/pybkt-requirements.txt \
	  --no-binary pyBKT --no-build-isolation -r benchmarks/pybkt-requirements.txt
	$(PYBKT)/bin/python -c "import pyBKT.fit.E_step"  # the C++ extension, not the fallback
	touch $@

pybkt: $(PYBKT_STAMP)

# make test tries to build it so the comparison runs; without it that one test skips.
pybkt-if-possible:
	@$(MAKE) --no-print-directory pybkt || echo "pyBKT could not be built: the pyBKT comparison test will be skipped"

# The JSON API fuzzed by schemathesis against `proficio serve` seeded with the demo district,
# logged in as each demo role (and anonymous): 0 server errors allowed. `fuzz` is the long run
# (every role, every phase); `fuzz-smoke`, a bounded one for `make test` (three roles).
fuzz: install
	$(BIN)/python tools/fuzz_api.py

coverage-core: install
	$(BIN)/python -m coverage run --source=proficio.core -m pytest -p no:cacheprovider -q tests/core
	$(BIN)/python -m coverage report --show-missing --skip-covered --fail-under=100

fuzz-smoke: install
	$(BIN)/python tools/fuzz_api.py --smoke


# Debian's Chromium drives the browser tests; browser downloads are impossible here.
CHROMIUM ?= $(or $(PROFICIO_CHROMIUM),/usr/bin/chromium)
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Chromium is missing: install Debian's 'chromium' package (sudo apt-get install chromium)"; exit 1; \
	  fi; \
	fi

# WeasyPrint (the family report's PDF) draws text with Debian's Pango and its fonts.
pango:
	@if ! ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0.so.0; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null; \
	  else \
	    echo "Pango is missing: install Debian's libpango-1.0-0 and libpangoft2-1.0-0 for PDF reports"; exit 1; \
	  fi; \
	fi

# The state's batch on Apache Spark (pyspark) needs a Java runtime: Debian's OpenJDK 17.
java:
	@if ! command -v java >/dev/null 2>&1 && [ -z "$$JAVA_HOME" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	  else \
	    echo "Java is missing: install Debian's 'openjdk-17-jre-headless' package for the Spark batch"; exit 1; \
	  fi; \
	fi

# Refresh the Spanish catalogue: extract strings, fill them from our translations.json,
# compile. It prints any string still untranslated.
messages: install
	cd src/proficio && ../../$(BIN)/django-admin makemessages -l es --no-obsolete --no-wrap -i "core/*"
	$(BIN)/python tools/fill_translations.py src/proficio/locale/es/LC_MESSAGES/django.po src/proficio/locale/es/translations*.json
	cd src/proficio && ../../$(BIN)/django-admin compilemessages

bench: install
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) $(PYBKT) $(LRS_VENV) node_modules var test-artifacts

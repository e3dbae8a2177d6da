"""Production settings pass Django's deployment checks, and refuse a weak secret."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import connection


def _check(env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "proficio.settings.production", **env_extra}
    return subprocess.run(
        [sys.executable, "-m", "proficio.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )


def test_check_deploy_is_clean():
    result = _check({"PROFICIO_SECRET_KEY": "k" * 20 + "-Zx9!q@w#e$r%t^y&u*i(o)p_a+s=d-f" * 2})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_missing_secret():
    result = _check({"PROFICIO_SECRET_KEY": ""})
    assert result.returncode != 0
    assert "PROFICIO_SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_database_is_the_one_asked_for():
    """The PostgreSQL run really runs on PostgreSQL (and the default on SQLite)."""
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith("postgres") else "sqlite"
    assert connection.vendor == expected

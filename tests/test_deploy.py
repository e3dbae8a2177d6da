"""Production settings pass Django's deployment checks, and refuse a weak secret."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection


def _check(env_extra: dict[str, str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "proficio.settings.production",
        "PROFICIO_DATA_DIR": str(data_dir),
        **env_extra,
    }
    return subprocess.run(
        [sys.executable, "-m", "proficio.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )


def test_check_deploy_is_clean(tmp_path):
    result = _check(
        {"PROFICIO_SECRET_KEY": "k" * 20 + "-Zx9!q@w#e$r%t^y&u*i(o)p_a+s=d-f" * 2}, tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_missing_secret(tmp_path):
    result = _check({"PROFICIO_SECRET_KEY": ""}, tmp_path)
    assert result.returncode != 0
    assert "PROFICIO_SECRET_KEY" in result.stderr
    assert not (tmp_path / "secret_key").exists(), "production never makes a key up"


def test_production_reads_the_key_file(tmp_path):
    (tmp_path / "secret_key").write_text(secrets.token_urlsafe(64) + "\n")
    result = _check({"PROFICIO_SECRET_KEY": ""}, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def _settings_value(env_extra: dict[str, str], data_dir: Path, expr: str) -> str:
    env = {**os.environ, "PROFICIO_DATA_DIR": str(data_dir)}
    env["DJANGO_SETTINGS_MODULE"] = "proficio.settings"
    env.pop("PROFICIO_SECRET_KEY", None)
    env.pop("PROFICIO_DEBUG", None)
    code = f"from django.conf import settings; print({expr})"
    result = subprocess.run(
        [sys.executable, "-m", "proficio.cli", "shell", "--no-imports", "-c", code],
        env={**env, **env_extra},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_the_embedded_default_makes_a_secret_key_on_first_run(tmp_path):
    first = _settings_value({}, tmp_path, "settings.SECRET_KEY")
    path = tmp_path / "secret_key"
    assert path.read_text().strip() == first
    assert len(first) >= 50
    assert path.stat().st_mode & 0o077 == 0, "only its owner may read the key"
    assert _settings_value({}, tmp_path, "settings.SECRET_KEY") == first, "kept, not remade"
    elsewhere = tmp_path / "other"
    assert _settings_value({}, elsewhere, "settings.SECRET_KEY") != first, "random per install"
    from_env = _settings_value({"PROFICIO_SECRET_KEY": "e" * 60}, tmp_path, "settings.SECRET_KEY")
    assert from_env == "e" * 60


def test_debug_is_off_unless_asked_for(tmp_path):
    assert _settings_value({}, tmp_path, "settings.DEBUG") == "False"
    assert _settings_value({"PROFICIO_DEBUG": "1"}, tmp_path, "settings.DEBUG") == "True"


def test_database_connections_are_kept_and_checked(tmp_path):
    expr = "settings.DATABASES['default']['CONN_MAX_AGE'], "
    expr += "settings.DATABASES['default']['CONN_HEALTH_CHECKS']"
    assert _settings_value({}, tmp_path, expr) == "60 True"


def test_postgresql_prepares_statements_unless_told_not_to(tmp_path):
    """Prepared statements are on by default on PostgreSQL, off with
    PROFICIO_PREPARED_STATEMENTS=0 (PgBouncer in transaction mode)."""
    expr = "settings.DATABASES['default'].get('OPTIONS', {}).get('prepare_threshold'), "
    expr += "settings.DATABASES['default'].get('OPTIONS', {}).get('server_side_binding')"
    postgres = {"DATABASE_URL": "postgres://proficio@localhost:5432/proficio"}
    assert _settings_value(postgres, tmp_path, expr) == "2 True"
    off = {**postgres, "PROFICIO_PREPARED_STATEMENTS": "0"}
    assert _settings_value(off, tmp_path, expr) == "None None"


@pytest.mark.django_db
def test_postgresql_plans_a_repeated_statement_once_per_connection():
    """The second run of a statement on a kept connection prepares it, so the database
    plans it once per connection, not once per query (the settings' prepared statements)."""
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL stage of make test; prepared statements are its")
    from proficio.orgs.models import Organization

    probe = "prepared-statement-probe"

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                ['%"orgs_organization"."code" = $1 AND "orgs_organization"."name" = $2%'],
            )
            return int(cursor.fetchone()[0])

    before = prepared()
    for code in (probe, probe + "-2", probe + "-3"):
        # A query no other test asks (code and name at once), so nothing prepared it yet.
        assert not Organization.objects.filter(code=code, name=probe).exists()
    assert prepared() == before + 1, "one statement, prepared once, whatever the parameter"


@pytest.mark.django_db
def test_database_is_the_one_asked_for():
    """The PostgreSQL run really runs on PostgreSQL (and the default on SQLite)."""
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith("postgres") else "sqlite"
    assert connection.vendor == expected

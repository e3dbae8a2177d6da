"""Accent-insensitive search on PostgreSQL: the ``unaccent`` extension (SQLite folds
accents in Python, see ``orgs/search.py``)."""

from django.db import migrations


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")


class Migration(migrations.Migration):
    dependencies = [("orgs", "0003_course_competencies")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]

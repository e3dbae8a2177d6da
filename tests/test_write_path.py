"""Actions are the only writers: no ORM write outside ``<app>/actions.py``.

A static check over the source: any call that writes through the ORM (``save``,
``delete``, ``create``, ``get_or_create``, ``update_or_create``, ``bulk_create``,
``bulk_update``, or ``update`` on a queryset) must sit in an actions module, a migration,
the demo generator, or the few places named below with their reason. A view, an API
router, a task or a report that writes fails this test, so the write path cannot drift.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "proficio"

WRITES = {"save", "delete", "create", "get_or_create", "update_or_create", "bulk_create"}
WRITES |= {"bulk_update"}
# Queryset ``update`` is told apart from ``dict.update`` by what it is called on.
QUERYSET_HINTS = ("objects", "filter(", "exclude(", "all(", "select_for_update(")

# Modules that may write, and why. Everything else that writes is a defect.
ALLOWED = {
    "audit/log.py": "the audit trail itself: every write's entry is written here",
    "audit/signals.py": "the audit trail itself",
    "bulk.py": "the bulk inserter that actions call (it issues SQL, not ORM writes)",
    "progress.py": "progress of long jobs, outside any transaction so pollers see it",
    "frameworks/case_io.py": "the CASE importer, called only by frameworks actions and tasks",
    "frameworks/seed.py": "loads the seed frameworks through the actions, at install",
    "frameworks/definitions.py": "the definitions cache's token, replaced in the transaction of "
    "whichever write changed a definition (a signal receiver or an import)",
}


def _allowed(rel: str) -> bool:
    parts = rel.split("/")
    return (
        parts[-1] == "actions.py"
        or "actions" in parts[:-1]
        or "migrations" in parts
        or parts[0] == "demo"
        or parts[-1] == "demo.py"
        or parts[-1] == "models.py"  # a model's own save() override
        or rel in ALLOWED
    )


def _writes(tree: ast.AST, source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name = node.func.attr
        receiver = ast.get_source_segment(source, node.func.value) or ""
        if name in WRITES and not receiver.endswith(("form", "response", "request.session")):
            if name == "create" and "objects" not in receiver and "." not in receiver:
                continue
            if name in {"save", "delete"} and receiver in {"form", "storage", "default_storage"}:
                continue
            found.append((node.lineno, f"{receiver}.{name}"))
        elif name == "update" and any(h in receiver for h in QUERYSET_HINTS):
            found.append((node.lineno, f"{receiver}.update"))
    return found


def test_no_orm_write_outside_actions():
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if _allowed(rel):
            continue
        source = path.read_text()
        offenders += [f"{rel}:{line}: {what}" for line, what in _writes(ast.parse(source), source)]
    assert not offenders, "ORM writes outside actions:\n" + "\n".join(offenders)


def test_the_check_catches_a_write_in_a_view():
    source = "def view(request):\n    Evidence.objects.filter(pk=1).update(title='x')\n"
    source += "    Goal.objects.create(text='x')\n    goal.save()\n    data.update({})\n"
    found = [what for _line, what in _writes(ast.parse(source), source)]
    assert found == [
        "Evidence.objects.filter(pk=1).update",
        "Goal.objects.create",
        "goal.save",
    ]


def test_every_views_and_api_module_is_under_the_layer_contracts():
    """The import-linter contracts name modules one by one: a new app's views or API
    router must join them, or the contracts would quietly stop covering it."""
    import tomllib

    config = tomllib.loads((SRC.parents[1] / "pyproject.toml").read_text())
    contracts = {c["name"]: c for c in config["tool"]["importlinter"]["contracts"]}
    api = contracts["The JSON API never imports views: both call the same actions and reads"]
    independent = contracts["A view never imports another app's views"]
    views = {f"proficio.{p.parent.name}.views" for p in SRC.glob("*/views.py")} | {
        f"proficio.{p.parent.parent.name}.views" for p in SRC.glob("*/views/__init__.py")
    }
    routers = {f"proficio.{p.parent.name}.api" for p in SRC.glob("*/api.py")}
    assert set(independent["modules"]) == views
    assert set(api["forbidden_modules"]) == views
    assert set(api["source_modules"]) == routers | {"proficio.api"}

"""Validation errors of the JSON API, said one way.

Every problem with a request body names its field by a person's words (the field's title
in the request schema, which the OpenAPI document shows too) and points at it by its JSON
path, never by a bare internal name: ``{"detail": "When the learning was shown: ...",
"errors": [{"loc": ["body", "assessed_at"], "path": "$.assessed_at", "label": "When the
learning was shown", "msg": "..."}]}``. The API's exception handler
(``proficio.api.main``) turns ``InvalidInput`` into that 400 answer.

Errors found before the action runs, by the schemas themselves (a field missing, a value of
the wrong type in a list, a query or path parameter out of range), are said the same way
(:func:`from_parameters`): the body's as a 422, the address's as a 400.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from pydantic import BaseModel

Path = Sequence[str | int]
WHOLE = "The request"  # the label of a problem with no one field


class InvalidInput(Exception):
    """A request body the API refuses, with each problem labelled and located."""

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(f"{p['label']}: {p['msg']}" for p in problems))
        self.problems = problems

    @property
    def detail(self) -> str:
        return str(self)


def json_path(path: Path) -> str:
    """``("scores", 0, "target")`` as ``$.scores[0].target``."""
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def _schema_in(annotation: Any) -> type[BaseModel] | None:
    """The schema a field holds, itself or inside a list, an optional or a union."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for inner in getattr(annotation, "__args__", ()):
        found = _schema_in(inner)
        if found is not None:
            return found
    return None


def label_of(schema: type[BaseModel], path: Path) -> str:
    """The title of the field at ``path`` in ``schema`` (following nested schemas and
    lists), or ``WHOLE`` for the empty path. A step that is no field of the schema (a
    key the schema does not take) keeps the label reached so far."""
    label = WHOLE
    model: type[BaseModel] | None = schema
    for step in path:
        if isinstance(step, int) or model is None:
            continue
        field = model.model_fields.get(step)
        if field is None:
            continue
        label = field.title or step.replace("_", " ").capitalize()
        model = _schema_in(field.annotation)
    return label


def problem(schema: type[BaseModel], path: Path, msg: str) -> dict[str, Any]:
    return {
        "loc": ["body", *path],
        "path": json_path(path),
        "label": label_of(schema, path),
        "msg": msg,
    }


def from_validation_error(exc: ValidationError, schema: type[BaseModel]) -> InvalidInput:
    """An action's ``ValidationError`` (keyed by the action's field names) as labelled,
    located problems of ``schema``'s body. A key that is not a field of the body is a
    problem with the request as a whole (``$``)."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    problems = []
    for field, messages in errors.items():
        path = _path_of(field, schema)
        problems += [problem(schema, path, str(m)) for m in messages]
    return InvalidInput(problems)


def from_parameters(model: type[BaseModel], errors: Sequence[Any]) -> list[dict[str, Any]]:
    """The errors ``pydantic`` found in one of the request's parts (``model`` is the part
    django-ninja built for the operation: its body, query, path or form), as labelled,
    located problems: a body's fields by their JSON path (``$.scores[1].target``), a
    parameter of the address or a form by its name (``limit``)."""
    source = getattr(model, "__ninja_param_source__", None) or "body"
    single = getattr(model, "__read_from_single_attr__", None)
    renamed: dict[tuple[Any, ...], tuple[Any, ...]] = getattr(
        model, "__ninja_flatten_map_reverse__", {}
    )
    problems = []
    for error in errors:
        raw = tuple(error["loc"])
        if source == "body" and single:
            # The body is the one schema the operation takes (named ``single``).
            path = raw[1:] if raw[:1] == (single,) else raw
            schema = _schema_in(model.model_fields[single].annotation)
            label = label_of(schema, path) if schema is not None else WHOLE
            where, loc = json_path(path), ["body", *path]
        elif source == "body":
            label, where, loc = label_of(model, raw), json_path(raw), ["body", *raw]
        else:
            name = renamed.get(raw, raw)
            label = label_of(model, raw)
            where = ".".join(str(p) for p in name)
            loc = [source, *name]
        msg = str(error.get("msg", "is not valid"))
        problems.append({"loc": loc, "path": where, "label": label, "msg": msg})
    return problems


def _path_of(key: str, schema: type[BaseModel]) -> tuple[str | int, ...]:
    """An action's error key as a path into the body: ``title`` or, for a field of a list
    of objects, ``requirements[2].level``; a key that is not a field of the body is ``()``."""
    steps: list[str | int] = []
    for part in key.split("."):
        name, _, rest = part.partition("[")
        steps.append(name)
        for index in rest.rstrip("]").split("]["):
            if not index:
                continue
            if not index.isdigit():
                return ()
            steps.append(int(index))
    return tuple(steps) if steps and steps[0] in schema.model_fields else ()

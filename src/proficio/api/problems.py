"""Validation errors of the JSON API, said one way.

Every problem with a request body names its field by a person's words (the field's title
in the request schema, which the OpenAPI document shows too) and points at it by its JSON
path, never by a bare internal name: ``{"detail": "When the learning was shown: ...",
"errors": [{"loc": ["body", "assessed_at"], "path": "$.assessed_at", "label": "When the
learning was shown", "msg": "..."}]}``. The API's exception handler
(``proficio.api.main``) turns ``InvalidInput`` into that 400 answer.
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


def label_of(schema: type[BaseModel], path: Path) -> str:
    """The title of the field at ``path`` in ``schema`` (following nested schemas and
    lists), or ``WHOLE`` for the empty path."""
    label = WHOLE
    model: type[BaseModel] | None = schema
    for step in path:
        if isinstance(step, int):
            continue
        field = model.model_fields[step] if model is not None else None
        if field is None:
            break
        label = field.title or step.replace("_", " ").capitalize()
        inner = getattr(field.annotation, "__args__", (field.annotation,))[0]
        model = inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None
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

"""The query language of 1EdTech REST bindings (CASE 1.1, shared with OneRoster 1.x).

    ?limit=100&offset=0&sort=title&orderBy=desc&fields=identifier,title
    &filter=title~'Math' AND lastChangeDateTime>'2020-01-01'

A filter is one or two predicates ``field op 'value'`` joined by a single ``AND`` or
``OR``; operators are ``= != > >= < <= ~`` (``~`` is "contains", case-insensitive).
We apply it to records that are already JSON objects (what the provider returns), so
the meaning is exactly the wire format's. Errors carry the imsx code minor the spec
defines, e.g. ``invalid_filter_field``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

OPERATORS = ("!=", ">=", "<=", "=", ">", "<", "~")
_PREDICATE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_.]*)\s*(!=|>=|<=|=|>|<|~)\s*'((?:[^']|'')*)'\s*$")
_JOIN = re.compile(r"\s+(AND|OR)\s+(?=(?:[^']*'[^']*')*[^']*$)")


class QueryError(ValueError):
    """A bad query parameter; ``code`` is the imsx_codeMinor value to report."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Predicate:
    field: str
    op: str
    value: str

    def test(self, record: Mapping[str, Any]) -> bool:
        actual = record.get(self.field)
        if actual is None:
            return self.op == "!="
        values = actual if isinstance(actual, list) else [actual]
        return any(_compare(_text(v), self.op, self.value) for v in values)


@dataclass(frozen=True)
class Filter:
    predicates: tuple[Predicate, ...]
    join: str = "AND"

    def test(self, record: Mapping[str, Any]) -> bool:
        results = (p.test(record) for p in self.predicates)
        return all(results) if self.join == "AND" else any(results)


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("title") or value.get("identifier") or "")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _compare(actual: str, op: str, expected: str) -> bool:
    if op == "~":
        return expected.lower() in actual.lower()
    if op == "=":
        return actual == expected
    if op == "!=":
        return actual != expected
    a, b = _number(actual), _number(expected)
    left: Any = a if a is not None and b is not None else actual
    right: Any = b if a is not None and b is not None else expected
    return bool(
        {">": left > right, ">=": left >= right, "<": left < right, "<=": left <= right}[op]
    )


def parse_filter(text: str, allowed: Iterable[str]) -> Filter:
    allowed_set = set(allowed)
    parts = _JOIN.split(text.strip())
    expressions, joins = parts[0::2], set(parts[1::2])
    if len(joins) > 1:
        raise QueryError(
            "invalid_filter_field", "A filter may join predicates with AND or OR, not both."
        )
    predicates = []
    for expression in expressions:
        match = _PREDICATE.match(expression)
        if match is None:
            raise QueryError(
                "invalid_filter_field",
                f"Cannot read the filter {expression.strip()!r}: write field op 'value', "
                f"with op one of {' '.join(OPERATORS)}.",
            )
        field, op, value = match.groups()
        if field not in allowed_set:
            raise QueryError("invalid_filter_field", f"Cannot filter on {field!r}.")
        predicates.append(Predicate(field, op, value.replace("''", "'")))
    return Filter(tuple(predicates), joins.pop() if joins else "AND")


def parse_fields(text: str | None, allowed: Iterable[str]) -> list[str] | None:
    if not text:
        return None
    fields = [f.strip() for f in text.split(",") if f.strip()]
    unknown = [f for f in fields if f not in set(allowed)]
    if unknown or not fields:
        raise QueryError(
            "invalid_selection_field",
            f"Unknown field(s) to select: {', '.join(unknown) or text!r}.",
        )
    return fields


@dataclass(frozen=True)
class Page:
    records: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


def run(
    records: Sequence[dict[str, Any]],
    *,
    limit: int = 100,
    offset: int = 0,
    sort: str | None = None,
    order_by: str | None = None,
    fields: str | None = None,
    filter_text: str | None = None,
    allowed: Iterable[str] = (),
    max_limit: int = 1000,
) -> Page:
    """Filter, sort, page and select ``records`` as the spec says, in that order."""
    allowed_list = list(allowed) or sorted({k for r in records for k in r})
    if not 1 <= limit <= max_limit:
        raise QueryError("invalid_limit_field", f"limit must be between 1 and {max_limit}.")
    if offset < 0:
        raise QueryError("invalid_offset_field", "offset cannot be negative.")
    if order_by not in (None, "", "asc", "desc"):
        raise QueryError("invalid_sort_field", "orderBy must be asc or desc.")
    chosen = list(records)
    if filter_text:
        flt = parse_filter(filter_text, allowed_list)
        chosen = [r for r in chosen if flt.test(r)]
    if sort:
        if sort not in allowed_list:
            raise QueryError("invalid_sort_field", f"Cannot sort on {sort!r}.")
        key: Callable[[dict[str, Any]], tuple[bool, str]] = lambda r: (  # noqa: E731
            r.get(sort) is None,
            _text(r.get(sort, "")),
        )
        chosen.sort(key=key, reverse=order_by == "desc")
    selected = parse_fields(fields, allowed_list)
    page = chosen[offset : offset + limit]
    if selected is not None:
        page = [{k: r[k] for k in selected if k in r} for r in page]
    return Page(records=page, total=len(chosen), limit=limit, offset=offset)


def link_header(base_url: str, page: Page, params: Mapping[str, str]) -> str:
    """RFC 8288 ``Link`` header with first/prev/next/last, keeping the other parameters."""
    from urllib.parse import urlencode

    def url(offset: int) -> str:
        query = {**{k: v for k, v in params.items() if k not in ("offset", "limit")}}
        query.update({"limit": str(page.limit), "offset": str(offset)})
        return f"{base_url}?{urlencode(query)}"

    last = max(0, (page.total - 1) // page.limit * page.limit)
    links = [f'<{url(0)}>; rel="first"', f'<{url(last)}>; rel="last"']
    if page.offset + page.limit < page.total:
        links.append(f'<{url(page.offset + page.limit)}>; rel="next"')
    if page.offset > 0:
        links.append(f'<{url(max(0, page.offset - page.limit))}>; rel="prev"')
    return ", ".join(links)

"""The route matrix's leak check: which names an answer to one person may not contain.

* No answer names a world student the person may not see (``policy.visible``): legal
  given and family name, "family, given", preferred name with family name, or the
  student's account's display name.
* A refusal (401, 403, 404) names no student at all (the person's own name aside).
* An answer to a case with a foreign object (tests/world_foreign.py) names no foreign
  school, district or class the person may not see, no person of another district they
  may not see, and no item of another district's draft framework (by its code) they may
  not see; a refusal names none of the foreign objects either.

Answers are read as a person would: HTML entities decoded, JSON with its escapes undone,
PDF text extracted, headers included (with URL escapes undone), whitespace collapsed.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

REFUSALS = {401, 403, 404}
_TAGS = re.compile(r"<[^>]*>")
_WORDS = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")


def response_text(response: Any) -> str:
    """Everything a reader of ``response`` sees, as text."""
    if getattr(response, "streaming", False):
        # The test client closes a streamed response once it is read (without the
        # request_finished signal, which would close the database connection mid-test).
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    content_type = response.get("Content-Type", "")
    text = body.decode("utf-8", "replace")
    plain = ""
    if body.startswith(b"%PDF"):
        text = _pdf_text(body) or text
    elif "json" in content_type:
        with contextlib.suppress(ValueError):
            text = json.dumps(json.loads(body), ensure_ascii=False)
    else:
        # Names split by markup or line breaks still read as names.
        plain = html.unescape(_TAGS.sub(" ", text))
    headers = " ".join(f"{k}: {urllib.parse.unquote(v)}" for k, v in response.items())
    return _SPACE.sub(" ", f"{headers}\n{html.unescape(text)}\n{plain}")


def _pdf_text(body: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)
    except (PdfReadError, ValueError, KeyError):
        return ""


@dataclass(frozen=True)
class Forbidden:
    """Names that must not appear, matched as whole words and regardless of case.

    Only names whose every word occurs in the text are searched for (a set lookup), then
    by plain substring search with a look at the characters either side: far faster than
    one regular expression with hundreds of alternatives."""

    names: frozenset[str]

    def found_in(self, text: str) -> list[str]:
        folded = text.casefold()
        words = set(_WORDS.findall(folded))
        found = set()
        for name in self.names:
            needle = name.casefold()
            if not words.issuperset(_WORDS.findall(needle)):
                continue
            at = folded.find(needle)
            while at >= 0:
                end = at + len(needle)
                before = folded[at - 1] if at else " "
                after = folded[end] if end < len(folded) else " "
                if not _word(before) and not _word(after):
                    found.add(name)
                    break
                at = folded.find(needle, at + 1)
        return sorted(found)


def _word(char: str) -> bool:
    return char.isalnum() or char == "_"


def student_names(student: Any) -> set[str]:
    given, family = student.legal_given_name, student.legal_family_name
    names = {f"{given} {family}", f"{family}, {given}"}
    if student.preferred_name:
        names |= {f"{student.preferred_name} {family}", f"{family}, {student.preferred_name}"}
    if student.user_id is not None and student.user.display_name:
        names.add(student.user.display_name)
    return names


def forbidden_names(
    students: Iterable[tuple[int, set[str]]],
    visible: set[int],
    own: set[str],
    *,
    refusal: bool,
    foreign: dict[str, bool] | None = None,
    foreign_refusal: Iterable[str] = (),
) -> Forbidden:
    """The names one answer may not contain.

    ``students`` are (id, names) of every world student, ``visible`` the ids the person
    may see and ``own`` the person's own names. ``foreign`` maps the names of foreign
    organizations, classes and people to whether the person may see them (given for cases
    with a foreign object); ``foreign_refusal`` are the foreign objects' own names, which a
    refusal never shows."""
    rows = list(students)
    seen = {n.casefold() for pk, names in rows if pk in visible for n in names}
    own_folded = {n.casefold() for n in own}
    names = {
        n
        for pk, student in rows
        if refusal or pk not in visible
        for n in student
        if n.casefold() not in own_folded and (refusal or n.casefold() not in seen)
    }
    if foreign is not None:
        names |= {n for n, may_see in foreign.items() if not may_see}
        if refusal:
            names |= set(foreign_refusal)
    return Forbidden(frozenset(names))

"""Framework text in the reader's language (reads only; ``actions.set_translation`` writes).

A :class:`Translator` for one language reads the translations of many objects in one
query per kind and hands back :class:`Localized` strings: the translation, or the English
with ``fallback`` set, which the templates mark as English (``|untranslated`` in
``frameworks_tags``) so a Spanish page never passes English off as Spanish.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import translation

from proficio.frameworks.models import Translation, TranslationKind

ENGLISH = "en"


class Localized(str):
    """Framework text in the reader's language; ``fallback``: the English, untranslated."""

    fallback: bool = False

    def __new__(cls, text: str, fallback: bool = False) -> Localized:
        made = super().__new__(cls, text)
        made.fallback = fallback
        return made


def current_language() -> str:
    return (translation.get_language() or ENGLISH).split("-")[0]


class Translator:
    def __init__(self, language: str | None = None) -> None:
        self.language = (language or current_language()).split("-")[0]
        self._found: dict[tuple[str, int, str], str] = {}
        self._loaded: set[tuple[str, int]] = set()

    @property
    def active(self) -> bool:
        return self.language != ENGLISH

    def preload(self, kind: str, ids: Iterable[int]) -> None:
        if not self.active:
            return
        wanted = {int(i) for i in ids if i is not None} - {
            oid for k, oid in self._loaded if k == kind
        }
        if not wanted:
            return
        for oid, field, text in Translation.objects.filter(
            language=self.language, kind=kind, object_id__in=wanted
        ).values_list("object_id", "field", "text"):
            self._found[(kind, oid, field)] = text
        self._loaded |= {(kind, oid) for oid in wanted}

    def text(self, kind: str, object_id: int, field: str, english: str | None) -> Localized:
        english = english or ""
        if not self.active or not english:
            return Localized(english)
        self.preload(kind, [object_id])
        found = self._found.get((kind, object_id, field))
        if found:
            return Localized(found)
        return Localized(english, fallback=True)

    def localize(self, obj: Any, kind: str, *fields: str) -> Any:
        """Replace ``fields`` of ``obj`` (in memory only) with their localized text."""
        if obj is None or not self.active:
            return obj
        for field in fields:
            setattr(obj, field, self.text(kind, obj.pk, field, getattr(obj, field)))
        return obj

    def localize_all(self, objs: Iterable[Any], kind: str, *fields: str) -> None:
        items = [o for o in objs if o is not None]
        self.preload(kind, [o.pk for o in items])
        for obj in items:
            self.localize(obj, kind, *fields)

    def texts(self, objs: list[Any], kind: str, field: str) -> list[str]:
        """``field`` of each of ``objs`` in the reader's language, as :meth:`localize_all`
        would set it, leaving the objects as they are (shared cached rows need no copy)."""
        if not self.active:
            return [getattr(obj, field) for obj in objs]
        self.preload(kind, [obj.pk for obj in objs])
        return [self.text(kind, obj.pk, field, getattr(obj, field)) for obj in objs]


ITEM_FIELDS = ("full_statement", "abbreviated_statement")
LEVEL_FIELDS = ("label", "description")

__all__ = [
    "ITEM_FIELDS",
    "LEVEL_FIELDS",
    "Localized",
    "TranslationKind",
    "Translator",
    "current_language",
]

"""Search that ignores accents and case: "ana garcia" finds "Ana García".

PostgreSQL compares through its ``unaccent`` extension (installed by the migration
``orgs/0004_unaccent``); SQLite through :func:`fold`, registered on every connection as
``PROFICIO_UNACCENT``. Both read the same query (:class:`Unaccent`)."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db.models import CharField, F, Func, Q, QuerySet, Value
from django.db.models.functions import Concat, Lower


def fold(text: Any) -> Any:
    """Lower case without accents (NFKD, combining marks dropped)."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


class Unaccent(Func):
    function = "UNACCENT"
    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, function="PROFICIO_UNACCENT", **extra)


def register_sqlite(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("PROFICIO_UNACCENT", 1, fold, deterministic=True)


def search_students(students: QuerySet[Any], query: str) -> QuerySet[Any]:
    """Students whose names hold every word of ``query`` (accents and case ignored), or
    whose local ID is the query."""
    words = fold(query).split()
    if not words:
        return students
    names = students.annotate(
        _search_name=Unaccent(
            Lower(
                Concat(
                    F("legal_given_name"),
                    Value(" "),
                    F("legal_family_name"),
                    Value(" "),
                    F("preferred_name"),
                    output_field=CharField(),
                )
            )
        )
    )
    match = Q()
    for word in words:
        match &= Q(_search_name__contains=word)
    found: QuerySet[Any] = names.filter(match | Q(local_id__iexact=query.strip()))
    return found

"""Fast bulk inserts for imports of tens of thousands of rows.

Django's ``bulk_create`` builds a model instance per row and compiles SQL per batch
(and SQLite caps a batch at 999 parameters, ~30 rows of a wide table). For CASE imports
of 20,000 items that overhead dominates, so this inserts plain dicts with one prepared
statement and ``executemany``. Values still go through each field's own
``get_db_prep_save`` where the database needs a conversion (JSON, UUID, dates), so the
stored values are exactly what the ORM would write. On PostgreSQL it uses COPY. Used
only inside actions.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db import connection, models

_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.FloatField,
    models.BooleanField,
    models.ForeignKey,
)


def _as_is(value: Any) -> Any:
    return value


_as_is.converts = False  # type: ignore[attr-defined]


def _converter(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    if isinstance(field, _PLAIN) and not isinstance(field, models.JSONField):
        return _as_is
    if type(field) is models.DateTimeField and settings.USE_TZ:
        # What the ORM stores for an aware datetime: on SQLite the UTC wall time as text,
        # on PostgreSQL the value itself (the driver sends it with its offset).
        if connection.vendor == "sqlite":
            return lambda value: (
                None if value is None else str(value.astimezone(dt.UTC).replace(tzinfo=None))
            )
        return _as_is
    if type(field) is models.DateField:
        # What the ORM stores for a date, without its per-value dispatch (rosters carry
        # millions): ISO text on SQLite; PostgreSQL's driver sends date objects as they are.
        if connection.vendor == "sqlite":
            return lambda value: None if value is None else value.isoformat()
        return lambda value: value
    return lambda value: field.get_db_prep_save(value, connection)


def insert_rows(
    model: type[models.Model], rows: Sequence[dict[str, Any]], batch: int = 5000
) -> int:
    """Insert ``rows`` (dicts of attribute name → value, all with the same keys)."""
    if not rows:
        return 0
    names = list(rows[0])
    fields = [model._meta.get_field(name) for name in names]
    converters = [_converter(f) for f in fields]  # type: ignore[arg-type]
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)  # type: ignore[union-attr]
    placeholders = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(model._meta.db_table)
    # Names come from the model; every value is a parameter.
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
    if connection.vendor == "postgresql":
        # COPY is PostgreSQL's bulk path: one stream, values sent in binary-safe form.
        copy_sql = f"COPY {table} ({columns}) FROM STDIN"
        # wrap_database_errors turns the driver's errors into Django's (IntegrityError, …).
        with (
            connection.cursor() as cursor,
            connection.wrap_database_errors,
            cursor.cursor.copy(copy_sql) as copy,
        ):
            values = _row_values(names, converters)
            for row in rows:
                copy.write_row(values(row))
        return len(rows)

    values = _row_values(names, converters)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            cursor.executemany(sql, [values(row) for row in rows[start : start + batch]])
    return len(rows)


def _row_values(
    names: list[str], converters: list[Callable[[Any], Any]]
) -> Callable[[dict[str, Any]], Sequence[Any]]:
    """One row's parameters in column order; plain columns are taken as they are."""
    get = operator.itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    convert = [
        (i, conv)
        for i, (conv, f) in enumerate(zip(converters, names, strict=True))
        if getattr(conv, "converts", True)
    ]
    if not convert:
        return get

    def values(row: dict[str, Any]) -> Sequence[Any]:
        out = list(get(row))
        for i, conv in convert:
            out[i] = conv(out[i])
        return out

    return values


def update_rows(
    model: type[models.Model], rows: Sequence[dict[str, Any]], batch: int = 5000
) -> int:
    """Update rows by primary key: each dict has ``pk`` and the same other keys.

    ``QuerySet.bulk_update`` builds one CASE expression per field and row, which costs
    seconds for a few thousand rows; this sends one prepared UPDATE per row instead.
    """
    if not rows:
        return 0
    names = [name for name in rows[0] if name != "pk"]
    fields = [model._meta.get_field(name) for name in names]
    converters = [_converter(f) for f in fields]  # type: ignore[arg-type]
    assignments = ", ".join(
        f"{connection.ops.quote_name(str(f.column))} = %s"  # type: ignore[union-attr]
        for f in fields
    )
    table = connection.ops.quote_name(model._meta.db_table)
    key = connection.ops.quote_name(str(model._meta.pk.column))
    sql = f"UPDATE {table} SET {assignments} WHERE {key} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            cursor.executemany(
                sql,
                [
                    [conv(row[name]) for conv, name in zip(converters, names, strict=True)]
                    + [row["pk"]]
                    for row in rows[start : start + batch]
                ],
            )
    return len(rows)


def update_returning(
    model: type[models.Model],
    where: dict[str, Any],
    values: dict[str, Any],
    returning: Sequence[str] = ("id",),
) -> list[tuple[Any, ...]]:
    """``UPDATE`` the rows of ``model`` whose columns equal ``where`` (None: IS NULL) to
    ``values``, in one statement that also answers the ``returning`` columns of each
    changed row (``UPDATE ... RETURNING``: PostgreSQL, and SQLite since 3.35). Django's
    ``QuerySet.update`` answers only a count, so finding which row changed would cost a
    read before it. Values go through each field's ``get_db_prep_save``, as the ORM
    writes them. Signals are not sent: the caller audits the rows it was answered.
    """
    opts = model._meta
    quote = connection.ops.quote_name

    def column(name: str) -> tuple[str, models.Field[Any, Any]]:
        field = opts.get_field(name)
        assert isinstance(field, models.Field)
        assert field.column
        return quote(field.column), field

    sets, params = [], []
    for name, value in values.items():
        col, field = column(name)
        sets.append(f"{col} = %s")
        params.append(field.get_db_prep_save(value, connection))
    conditions = []
    for name, value in where.items():
        col, field = column(name)
        if value is None:
            conditions.append(f"{col} IS NULL")
        else:
            conditions.append(f"{col} = %s")
            params.append(field.get_db_prep_save(value, connection))
    answer = ", ".join(column(name)[0] for name in returning)
    sql = (
        f"UPDATE {quote(opts.db_table)} SET {', '.join(sets)}"  # noqa: S608 (names from _meta)
        f" WHERE {' AND '.join(conditions)} RETURNING {answer}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]

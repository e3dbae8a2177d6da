"""Paging for the API's lists: one bounded ``limit``/``offset`` pair for every list route.

Both are bounded, so no request can make the database skip an unbounded number of rows
(or overflow its integer); a value out of range is a 400 naming the parameter and the
bound, and the bounds appear in the OpenAPI document.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet
from ninja import Field, Schema

MAX_LIMIT = 500
MAX_OFFSET = 1_000_000

M = TypeVar("M", bound=Model)


class Paging(Schema):
    limit: int = Field(
        50,
        ge=1,
        le=MAX_LIMIT,
        title="How many to return (limit)",
        description=f"How many to return, from 1 to {MAX_LIMIT}.",
    )
    offset: int = Field(
        0,
        ge=0,
        le=MAX_OFFSET,
        title="How many to skip first (offset)",
        description=f"How many to skip first, from 0 to {MAX_OFFSET:,}.",
    )

    def page(self, qs: QuerySet[M]) -> list[M]:
        return list(qs[self.offset : self.offset + self.limit])

"""The 1EdTech REST query language: filter, sort, fields, paging, Link headers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from proficio.core.standards.case_query import QueryError, link_header, parse_filter, run

DOCS = [
    {
        "identifier": "a",
        "title": "Mathematics",
        "lastChangeDateTime": "2020-01-01T00:00:00+00:00",
        "subject": ["Math"],
    },
    {
        "identifier": "b",
        "title": "Writing",
        "lastChangeDateTime": "2021-06-01T00:00:00+00:00",
        "subject": ["ELA"],
    },
    {
        "identifier": "c",
        "title": "Math 2",
        "lastChangeDateTime": "2019-01-01T00:00:00+00:00",
        "subject": ["Math", "ELA"],
    },
]
FIELDS = ["identifier", "title", "lastChangeDateTime", "subject"]


def ids(page):
    return [r["identifier"] for r in page.records]


def test_filters():
    assert ids(run(DOCS, filter_text="title='Writing'", allowed=FIELDS)) == ["b"]
    assert ids(run(DOCS, filter_text="title~'math'", allowed=FIELDS)) == ["a", "c"]
    assert ids(run(DOCS, filter_text="title!='Writing'", allowed=FIELDS)) == ["a", "c"]
    assert ids(run(DOCS, filter_text="lastChangeDateTime>'2020-01-01'", allowed=FIELDS)) == [
        "a",
        "b",
    ]
    assert ids(run(DOCS, filter_text="subject='ELA' AND title~'Math'", allowed=FIELDS)) == ["c"]
    assert ids(run(DOCS, filter_text="title='Writing' OR identifier='a'", allowed=FIELDS)) == [
        "a",
        "b",
    ]


def test_quotes_and_operators_inside_values():
    docs = [{"identifier": "x", "title": "Tom's AND Jerry's"}]
    assert ids(
        run(docs, filter_text="title='Tom''s AND Jerry''s'", allowed=["identifier", "title"])
    ) == ["x"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("nope='x'", "invalid_filter_field"),
        ("title=Writing", "invalid_filter_field"),
        ("title='a' AND title='b' OR title='c'", "invalid_filter_field"),
    ],
)
def test_bad_filters(text, code):
    with pytest.raises(QueryError) as exc:
        parse_filter(text, FIELDS)
    assert exc.value.code == code


def test_sort_order_fields_and_paging():
    page = run(
        DOCS,
        sort="title",
        order_by="desc",
        fields="identifier,title",
        limit=2,
        offset=0,
        allowed=FIELDS,
    )
    assert page.records == [
        {"identifier": "b", "title": "Writing"},
        {"identifier": "a", "title": "Mathematics"},
    ]
    assert page.total == 3
    assert ids(run(DOCS, sort="title", limit=2, offset=2, allowed=FIELDS)) == ["b"]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"sort": "nope"}, "invalid_sort_field"),
        ({"order_by": "sideways"}, "invalid_sort_field"),
        ({"fields": "identifier,nope"}, "invalid_selection_field"),
        ({"limit": 0}, "invalid_limit_field"),
        ({"offset": -1}, "invalid_offset_field"),
    ],
)
def test_bad_parameters(kwargs, code):
    with pytest.raises(QueryError) as exc:
        run(DOCS, allowed=FIELDS, **kwargs)
    assert exc.value.code == code


def test_link_header():
    page = run(DOCS, limit=1, offset=1, allowed=FIELDS)
    header = link_header(
        "http://x/CFDocuments", page, {"limit": "1", "offset": "1", "sort": "title"}
    )
    assert 'rel="next"' in header
    assert 'rel="prev"' in header
    assert "offset=2" in header
    assert "sort=title" in header


@given(st.integers(min_value=1, max_value=5), st.integers(min_value=0, max_value=6))
def test_paging_partitions_the_records(limit, offset):
    page = run(DOCS, limit=limit, offset=offset, sort="identifier", allowed=FIELDS)
    assert page.total == len(DOCS)
    assert ids(page) == ["a", "b", "c"][offset : offset + limit]

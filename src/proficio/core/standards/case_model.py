"""The shape of a CASE (1EdTech Competencies and Academic Standards Exchange) package,
as plain dataclasses: what ``case.parse_package`` produces and ``case.build_package``
consumes. Field names follow CASE 1.1 in snake_case. Anything a package carries that
CASE does not define is kept, untouched, in ``extensions``.

We write this codec ourselves because no maintained Python library implements CASE;
it is checked against the official 1.0/1.1 JSON Schemas and OpenSALT's test packages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


@dataclass
class NodeRef:
    """A LinkGenURI: a reference to an item or document, possibly outside the package."""

    identifier: str
    uri: str
    title: str = ""
    target_type: str | None = None


@dataclass
class License:
    identifier: str
    uri: str
    title: str
    license_text: str = ""
    description: str | None = None
    last_change: dt.datetime | None = None
    extensions: JSON = field(default_factory=dict)


@dataclass
class ItemType:
    identifier: str
    uri: str
    title: str
    description: str | None = None
    hierarchy_code: str = ""
    type_code: str | None = None
    last_change: dt.datetime | None = None
    extensions: JSON = field(default_factory=dict)


@dataclass
class Concept:
    identifier: str
    uri: str
    title: str
    keywords: str | None = None
    hierarchy_code: str = ""
    description: str | None = None
    last_change: dt.datetime | None = None
    extensions: JSON = field(default_factory=dict)


@dataclass
class Subject:
    identifier: str
    uri: str
    title: str
    hierarchy_code: str = ""
    description: str | None = None
    last_change: dt.datetime | None = None
    extensions: JSON = field(default_factory=dict)


@dataclass
class AssociationGrouping:
    identifier: str
    uri: str
    title: str
    description: str | None = None
    last_change: dt.datetime | None = None
    extensions: JSON = field(default_factory=dict)


@dataclass
class Document:
    identifier: str
    uri: str
    creator: str
    title: str
    last_change: dt.datetime
    framework_type: str | None = None
    case_version: str | None = None
    official_source_url: str | None = None
    publisher: str | None = None
    description: str | None = None
    subject: list[str] = field(default_factory=list)
    subject_uri: list[NodeRef] = field(default_factory=list)
    language: str | None = None
    version: str | None = None
    adoption_status: str | None = None
    status_start_date: dt.date | None = None
    status_end_date: dt.date | None = None
    license_uri: NodeRef | None = None
    notes: str | None = None
    extensions: JSON = field(default_factory=dict)


@dataclass
class Item:
    identifier: str
    uri: str
    full_statement: str
    last_change: dt.datetime
    alternative_label: str | None = None
    item_type: str | None = None  # CFItemType: the type's title, as CASE carries it
    item_type_uri: NodeRef | None = None
    human_coding_scheme: str | None = None
    list_enumeration: str | None = None
    abbreviated_statement: str | None = None
    concept_keywords: list[str] = field(default_factory=list)
    concept_keywords_uri: NodeRef | None = None
    notes: str | None = None
    subject: list[str] = field(default_factory=list)
    subject_uri: list[NodeRef] = field(default_factory=list)
    language: str | None = None
    education_level: list[str] = field(default_factory=list)
    license_uri: NodeRef | None = None
    status_start_date: dt.date | None = None
    status_end_date: dt.date | None = None
    extensions: JSON = field(default_factory=dict)


@dataclass
class Association:
    identifier: str
    uri: str
    association_type: str
    origin: NodeRef
    destination: NodeRef
    last_change: dt.datetime
    sequence_number: int | None = None
    grouping_uri: NodeRef | None = None
    notes: str | None = None
    extensions: JSON = field(default_factory=dict)


@dataclass
class RubricCriterionLevel:
    identifier: str
    uri: str
    last_change: dt.datetime
    description: str | None = None
    quality: str | None = None
    score: float | None = None
    feedback: str | None = None
    position: int | None = None
    extensions: JSON = field(default_factory=dict)
    rubric_criterion_id: str | None = None  # CASE's rubricCriterionId, kept as written


@dataclass
class RubricCriterion:
    identifier: str
    uri: str
    last_change: dt.datetime
    category: str | None = None
    description: str | None = None
    item_uri: NodeRef | None = None
    weight: float | None = None
    position: int | None = None
    levels: list[RubricCriterionLevel] = field(default_factory=list)
    extensions: JSON = field(default_factory=dict)
    rubric_id: str | None = None  # CASE's rubricId, kept as written


@dataclass
class Rubric:
    identifier: str
    uri: str
    last_change: dt.datetime
    title: str | None = None
    description: str | None = None
    criteria: list[RubricCriterion] = field(default_factory=list)
    extensions: JSON = field(default_factory=dict)


@dataclass
class Issue:
    """A problem with one object of a package, located by its JSON path."""

    path: str  # e.g. "$.CFItems[3].fullStatement"
    message: str
    identifier: str | None = None  # the object's identifier, when it has one
    kind: str = ""  # for warnings: one of ``case.WARNING_KINDS``, so they can be summarised

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass
class Package:
    document: Document
    items: list[Item] = field(default_factory=list)
    associations: list[Association] = field(default_factory=list)
    item_types: list[ItemType] = field(default_factory=list)
    concepts: list[Concept] = field(default_factory=list)
    subjects: list[Subject] = field(default_factory=list)
    licenses: list[License] = field(default_factory=list)
    association_groupings: list[AssociationGrouping] = field(default_factory=list)
    rubrics: list[Rubric] = field(default_factory=list)
    source_version: str = "1.1"  # "1.0" when the package was read as CASE 1.0
    warnings: list[Issue] = field(default_factory=list)
    extensions: JSON = field(default_factory=dict)
    definitions_extensions: JSON = field(default_factory=dict)  # CFDefinitions.extensions

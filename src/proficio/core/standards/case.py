"""A codec for 1EdTech CASE (Competencies and Academic Standards Exchange) packages.

``load_json`` turns bytes into a dict, ``parse_package`` turns a CFPackage dict (CASE 1.1 or
1.0) into the dataclasses of ``case_model``, and ``build_package`` writes them back out as a
CASE 1.1 CFPackage dict. ``validate`` checks a dict against an official JSON Schema (given by
the caller: the schemas are not shipped with Proficio), and ``package_graph_problems`` finds
what an importer cannot take: ``precedes`` cycles, items with two parents, ``isChildOf``
cycles and duplicate identifiers.

Reading is tolerant but all-or-nothing:

* A missing required field, a value of the wrong type, a malformed date or an identifier that
  is not a UUID is an *error*. All errors are collected, with JSON paths such as
  ``$.CFItems[3].identifier``, and raised together as one ``CASEError``.
* A number outside the 32-bit integers, and two objects of one array that share an
  identifier but differ, are errors too: the first would not fit, the second would make the
  reader guess which to keep.
* Anything the reader can take without guessing is a *warning* in ``Package.warnings``, each
  with a ``WarningKind`` so a long list can be summarised: fields CASE 1.1 does not define
  (kept verbatim in the object's ``extensions``), a date-time without a time zone (read as
  UTC), a required-but-defaultable field left out (``hierarchyCode``, ``licenseText``, a
  link's ``title``, a definition's ``lastChangeDateTime``), a number written as a string
  (``"sequenceNumber": "1"`` reads as 1), an object repeated byte for byte (kept once), an
  association type that is neither CASE's nor ``ext:`` (one that differs from CASE's only in
  case, such as ``ischildof``, reads as CASE's), and a ``targetType`` other than ``CASE`` or
  ``ext:``.
* Text is never touched: statements keep their Markdown, their ``\\r\\n`` and their empty
  strings; ``null`` reads as "absent". Identifiers are lower-cased.
* Only two things are dropped, each with a warning: fields inside a link (``originNodeURI``,
  ``CFItemTypeURI``, ...) that a CASE link cannot hold, and an unknown field whose name the
  object's own ``extensions`` already uses (the ``extensions`` value is kept).

Which CASE version a package is (``Package.source_version``): CASE 1.1 forbids every construct
that distinguishes a 1.0 package (the 1.1 schema is closed, 1.0's is open where it matters), so
the rule is the same as "valid against the 1.1 schema → 1.1, else valid against 1.0 → 1.0",
without needing the schemas at run time:

1. ``CFDocument.caseVersion == "1.1"`` → 1.1, and any 1.0 form in it is warned about.
2. Otherwise, any CASE 1.0 form → 1.0: ``caseVersion "1.0"``; ``CFPackageURI`` on the
   document or ``CFDocumentURI`` on items and associations; ``CFDefinitions`` as an empty
   array; ``subject``, ``conceptKeywords`` or ``educationLevel`` as a string; a date-time in
   ``statusStartDate`` / ``statusEndDate``; ``null`` where 1.0 allows it (status dates,
   ``licenseURI``, ``conceptKeywords``, ``conceptKeywordsURI``, ``CFAssociationGroupingURI``,
   ``typeCode``); an item type without a ``description``.
3. Otherwise → 1.1. The URIs' ``/v1p0/`` path is ignored: OpenSALT writes it in 1.1 packages.

The 1.0 forms map to 1.1 as follows: a string ``subject`` (or ``conceptKeywords``) becomes a
one-element list, a string ``educationLevel`` is split on commas (``"KG, 01"`` →
``["KG", "01"]``), a status date-time keeps its date as written, ``null`` becomes absent, and
``CFPackageURI`` / ``CFDocumentURI`` (which 1.1 has no place for) are kept in ``extensions``,
with a warning. ``CFItemType`` on an item is a string in both versions.

Writing (``build_package``) produces a package that validates against the official 1.1 schema
when its identifiers are UUIDs. An association type or target type outside CASE's vocabulary
(kept as the package wrote it) is written as an ``ext:`` type made of its letters, digits,
dots, hyphens and underscores (``"is part"`` → ``"ext:is-part"``), so nothing invalid is ever
written back. It puts
``caseVersion: "1.1"`` on the document, writes datetimes in UTC as
``YYYY-MM-DDTHH:MM:SS+00:00`` (with a fraction only when there is one), and omits ``None`` and
empty lists and dicts but not empty strings. Two things 1.1 requires and the model may lack
are filled in: an item type's ``description`` (``""``) and a definition's
``lastChangeDateTime`` (the document's). Extension values are shared with the package, not
copied.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from typing import Any, TypeVar

from proficio.core.standards.case_model import (
    JSON,
    Association,
    AssociationGrouping,
    Concept,
    Document,
    Issue,
    Item,
    ItemType,
    License,
    NodeRef,
    Package,
    Rubric,
    RubricCriterion,
    RubricCriterionLevel,
    Subject,
)

__all__ = [
    "ASSOCIATION_TYPES",
    "DOCUMENT_KEYS",
    "TARGET_TYPES",
    "CASEError",
    "WarningKind",
    "association_type_for_case",
    "build_association",
    "build_definition",
    "build_document",
    "build_item",
    "build_package",
    "build_rubric",
    "is_uuid",
    "load_json",
    "package_graph_problems",
    "parse_package",
    "target_type_for_case",
    "validate",
]

UTC = dt.UTC

#: The association types CASE 1.1 defines; others must be ``ext:`` extensions.
ASSOCIATION_TYPES = frozenset(
    {
        "isChildOf",
        "isPeerOf",
        "isPartOf",
        "exactMatchOf",
        "precedes",
        "isRelatedTo",
        "replacedBy",
        "exemplar",
        "hasSkillLevel",
        "isTranslationOf",
    }
)
#: The target types CASE 1.1 defines for a LinkGenURI; others must be ``ext:`` extensions.
TARGET_TYPES = frozenset({"CASE"})
# An extension value as the CASE 1.1 OpenAPI spells it ("(ext:)[a-zA-Z0-9\.\-_]+"), taken
# whole: a value that merely contains such a run is not one.
_EXTENSION_VALUE = re.compile(r"ext:[A-Za-z0-9._-]+")
_NOT_EXTENSION_TEXT = re.compile(r"[^A-Za-z0-9._-]+")
_CANONICAL_TYPES = {name.lower(): name for name in ASSOCIATION_TYPES}
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]{1,18}")
_NUMBER_TEXT = re.compile(r"[+-]?(?:[0-9]{1,18}(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")
_INT32 = (-(2**31), 2**31 - 1)  # CASE's integers are int32 (and so are the columns they land in)
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SHOWN = 20  # issues listed in str(CASEError)
_CYCLE_ENDS = 10  # nodes named at each end of a long cycle
_NO_TIME = dt.datetime(1970, 1, 1, tzinfo=UTC)  # stands in for a bad value; never returned
_V10_FIELDS = frozenset({"CFPackageURI", "CFDocumentURI"})

T = TypeVar("T")


class WarningKind(StrEnum):
    """What a warning is about, so that thousands of them can be summarised by kind."""

    EXTENSION = "extension"  # fields outside CASE 1.1, kept in extensions
    DROPPED = "dropped"  # fields a link cannot hold, or that extensions already has
    TIMEZONE = "timezone"  # a date-time without a time zone, read as UTC
    DEFAULTED = "defaulted"  # a required field left out, read as empty
    LEGACY = "legacy"  # a CASE 1.0 form in a CASE 1.1 package
    VERSION = "version"  # an unknown caseVersion, read as 1.1
    VOCABULARY = "vocabulary"  # an association or target type outside CASE's vocabulary
    NUMERIC_STRING = "numeric-string"  # a number written as a string
    DUPLICATE = "duplicate"  # an object repeated byte for byte, kept once
    DANGLING = "dangling"  # an association end in neither the package nor the database
    RUBRIC_PARENT = "rubric-parent"  # a rubricId or rubricCriterionId naming another parent


def is_uuid(value: str) -> bool:
    """Whether ``value`` is a UUID as CASE writes one (hex in 8-4-4-4-12 groups)."""
    return _UUID.fullmatch(value) is not None


def _as_extension(value: str) -> str:
    body = _NOT_EXTENSION_TEXT.sub("-", value.removeprefix("ext:")).strip("-")
    return f"ext:{body or 'unknown'}"


def association_type_for_case(value: str) -> str:
    """``value`` as CASE 1.1 lets it be written: a CASE association type or an ``ext:`` one.
    Anything else (kept as the package wrote it) goes out as ``ext:`` plus its letters."""
    if value in ASSOCIATION_TYPES or _EXTENSION_VALUE.fullmatch(value):
        return value
    return _as_extension(value)


def target_type_for_case(value: str | None) -> str | None:
    """A LinkGenURI's ``targetType`` as CASE 1.1 lets it be written (see above)."""
    if value is None or value in TARGET_TYPES or _EXTENSION_VALUE.fullmatch(value):
        return value
    return _as_extension(value)


class CASEError(ValueError):
    """A package that cannot be read; ``issues`` holds every problem, with its JSON path."""

    def __init__(self, issues: Iterable[Issue]) -> None:
        self.issues: list[Issue] = list(issues)
        super().__init__(self._render())

    def _render(self) -> str:
        count = len(self.issues)
        lines = [f"{count} problem{'' if count == 1 else 's'} in a CASE package:"]
        lines += [f"  {issue}" for issue in self.issues[:_SHOWN]]
        if count > _SHOWN:
            lines.append(f"  ... and {count - _SHOWN} more")
        return "\n".join(lines)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _show(value: str) -> str:
    return repr(value if len(value) <= 60 else value[:57] + "...")


# --------------------------------------------------------------------------- load_json


def load_json(data: bytes | str, *, source: str = "package") -> dict[str, Any]:
    """Parse a CASE package's JSON text (UTF-8, a BOM allowed) into a dict.

    Raises ``CASEError`` with one issue at ``$`` naming ``source``, the line and the column
    when the text is not JSON, and when its top level is not an object.
    """
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
            message = f"{source}: line {line}, byte {column}: not UTF-8 ({exc.reason})"
            raise CASEError([Issue("$", message)]) from exc
    else:
        text = data.removeprefix("\ufeff")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        message = f"{source}: line {exc.lineno}, column {exc.colno}: {exc.msg}"
        raise CASEError([Issue("$", message)]) from exc
    except RecursionError as exc:
        raise CASEError([Issue("$", f"{source}: nested too deeply")]) from exc
    if not isinstance(value, dict):
        message = f"{source}: the top level is {_kind(value)}, not a JSON object"
        raise CASEError([Issue("$", message)])
    return value


# ------------------------------------------------------------------------ parse_package

_PACKAGE_KEYS = frozenset(
    {"CFDocument", "CFItems", "CFAssociations", "CFDefinitions", "CFRubrics", "extensions"}
)
_DEFINITIONS_KEYS = frozenset(
    {
        "CFConcepts",
        "CFSubjects",
        "CFLicenses",
        "CFItemTypes",
        "CFAssociationGroupings",
        "extensions",
    }
)
DOCUMENT_KEYS = frozenset(
    {
        "identifier",
        "uri",
        "frameworkType",
        "caseVersion",
        "creator",
        "title",
        "lastChangeDateTime",
        "officialSourceURL",
        "publisher",
        "description",
        "subject",
        "subjectURI",
        "language",
        "version",
        "adoptionStatus",
        "statusStartDate",
        "statusEndDate",
        "licenseURI",
        "notes",
        "extensions",
    }
)
_ITEM_KEYS = frozenset(
    {
        "identifier",
        "uri",
        "fullStatement",
        "alternativeLabel",
        "CFItemType",
        "humanCodingScheme",
        "listEnumeration",
        "abbreviatedStatement",
        "conceptKeywords",
        "conceptKeywordsURI",
        "notes",
        "subject",
        "subjectURI",
        "language",
        "educationLevel",
        "CFItemTypeURI",
        "licenseURI",
        "statusStartDate",
        "statusEndDate",
        "lastChangeDateTime",
        "extensions",
    }
)
_ASSOCIATION_KEYS = frozenset(
    {
        "identifier",
        "associationType",
        "sequenceNumber",
        "uri",
        "originNodeURI",
        "destinationNodeURI",
        "CFAssociationGroupingURI",
        "lastChangeDateTime",
        "notes",
        "extensions",
    }
)
_COMMON_KEYS = frozenset({"identifier", "uri", "title", "description", "lastChangeDateTime"})
_CONCEPT_KEYS = _COMMON_KEYS | {"keywords", "hierarchyCode", "extensions"}
_SUBJECT_KEYS = _COMMON_KEYS | {"hierarchyCode", "extensions"}
_LICENSE_KEYS = _COMMON_KEYS | {"licenseText", "extensions"}
_ITEM_TYPE_KEYS = _COMMON_KEYS | {"hierarchyCode", "typeCode", "extensions"}
_GROUPING_KEYS = _COMMON_KEYS | {"extensions"}
_RUBRIC_KEYS = _COMMON_KEYS | {"CFRubricCriteria", "extensions"}
_CRITERION_KEYS = frozenset(
    {
        "identifier",
        "uri",
        "category",
        "description",
        "CFItemURI",
        "weight",
        "position",
        "rubricId",
        "lastChangeDateTime",
        "CFRubricCriterionLevels",
        "extensions",
    }
)
_LEVEL_KEYS = frozenset(
    {
        "identifier",
        "uri",
        "description",
        "quality",
        "score",
        "feedback",
        "position",
        "rubricCriterionId",
        "lastChangeDateTime",
        "extensions",
    }
)
_LINK_KEYS = frozenset({"title", "identifier", "uri"})
_LINK_GEN_KEYS = _LINK_KEYS | {"targetType"}


class _Reader:
    """Collects the errors, warnings and CASE 1.0 forms met while reading one package."""

    def __init__(self) -> None:
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []
        self.legacy: list[Issue] = []  # CASE 1.0 forms

    def array(self, owner: _Obj, key: str, read: Callable[[_Obj], T]) -> list[T]:
        value = owner.data.get(key)
        if value is None:
            return []
        path = f"{owner.path}.{key}"
        if not isinstance(value, list):
            self.errors.append(Issue(path, f"must be an array, not {_kind(value)}"))
            return []
        out: list[T] = []
        seen: dict[str, tuple[int, dict[str, Any]]] = {}  # identifier -> first place, content
        for index, element in enumerate(value):
            where = f"{path}[{index}]"
            if not isinstance(element, dict):
                self.errors.append(Issue(where, f"must be an object, not {_kind(element)}"))
                continue
            ident = element.get("identifier")
            if isinstance(ident, str):
                key = ident.lower()
                first = seen.get(key)
                if first is not None:
                    # The same object twice loses nothing; two different ones under one
                    # identifier cannot both be kept, and picking one would be a guess.
                    if element == first[1]:
                        self.warnings.append(
                            Issue(
                                where,
                                f"repeats {path}[{first[0]}] exactly; kept once",
                                key,
                                WarningKind.DUPLICATE,
                            )
                        )
                    else:
                        self.errors.append(
                            Issue(
                                where,
                                f"identifier {ident} is also at {path}[{first[0]}], "
                                "with different content",
                                key,
                            )
                        )
                    continue
                seen[key] = (index, element)
            out.append(read(_Obj(self, element, where)))
        return out


class _Obj:
    """One JSON object being read: typed accessors that record problems at precise paths."""

    __slots__ = ("data", "ident", "path", "reader")

    def __init__(
        self, reader: _Reader, data: dict[str, Any], path: str, ident: str | None = None
    ) -> None:
        self.reader = reader
        self.data = data
        self.path = path
        self.ident = ident

    def _at(self, key: str) -> str:
        return f"{self.path}.{key}" if key else self.path

    def error(self, key: str, message: str) -> None:
        self.reader.errors.append(Issue(self._at(key), message, self.ident))

    def warn(self, key: str, message: str, kind: WarningKind) -> None:
        self.reader.warnings.append(Issue(self._at(key), message, self.ident, kind))

    def legacy(self, key: str, message: str) -> None:
        self.reader.legacy.append(Issue(self._at(key), message, self.ident))

    def null_is_legacy(self, key: str) -> None:
        if key in self.data and self.data[key] is None:
            self.legacy(key, "null (CASE 1.0 allows it here; 1.1 leaves the field out)")

    # -- scalars

    def string(self, key: str, *, required: bool = False) -> str | None:
        value = self.data.get(key)
        if isinstance(value, str):
            return value
        if value is None:
            if required:
                present = key in self.data
                self.error(key, "must be a string, not null" if present else "missing")
            return None
        self.error(key, f"must be a string, not {_kind(value)}")
        return None

    def required(self, key: str) -> str:
        value = self.data.get(key)
        if isinstance(value, str):  # the fast path: most fields are fine
            return value
        value = self.string(key, required=True)
        return "" if value is None else value

    def defaulted(self, key: str) -> str:
        """A field CASE requires but the model defaults to "": absent reads as "", warned."""
        value = self.data.get(key)
        if value is None:
            self.warn(
                key, "required by CASE but absent; read as an empty string", WarningKind.DEFAULTED
            )
            return ""
        return self.required(key)

    def uuid(self, key: str, *, required: bool = False) -> str | None:
        value = self.string(key, required=required)
        if value is None:
            return None
        if _UUID.fullmatch(value) is None:
            self.error(key, f"must be a UUID, not {_show(value)}")
            return value
        return value.lower()

    def identifier(self) -> str:
        value = self.uuid("identifier", required=True)
        if value is None:
            return ""
        self.ident = value
        return value

    def moment(self, key: str) -> dt.datetime | None:
        value = self.string(key)
        if value is None:
            return None
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            self.error(key, f"not an ISO 8601 date-time: {_show(value)}")
            return None
        if moment.tzinfo is None:
            self.warn(key, f"no time zone in {_show(value)}; read as UTC", WarningKind.TIMEZONE)
            return moment.replace(tzinfo=UTC)
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            self.error(key, f"out of range in UTC: {_show(value)}")
            return None

    def last_change(self) -> dt.datetime:
        key = "lastChangeDateTime"
        if self.data.get(key) is None:
            self.error(key, "must be a string, not null" if key in self.data else "missing")
            return _NO_TIME
        return self.moment(key) or _NO_TIME

    def optional_last_change(self) -> dt.datetime | None:
        """For definitions, whose model allows no timestamp: absent is warned, not an error."""
        if self.data.get("lastChangeDateTime") is None:
            self.warn("lastChangeDateTime", "required by CASE but absent", WarningKind.DEFAULTED)
            return None
        return self.moment("lastChangeDateTime")

    def date(self, key: str, *, null_is_legacy: bool = False) -> dt.date | None:
        value = self.data.get(key)
        if value is None:
            if null_is_legacy:
                self.null_is_legacy(key)
            return None
        text = self.string(key)
        if text is None:
            return None
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            self.error(key, f"not an ISO 8601 date: {_show(text)}")
            return None
        self.legacy(key, "a date-time where CASE 1.1 has a date")
        return moment.date()  # the date as written, not shifted to UTC: the author's date

    def _numeric_string(self, key: str, value: str, read: Any) -> None:
        self.warn(
            key,
            f"a number written as the string {_show(value)}; read as {read}",
            WarningKind.NUMERIC_STRING,
        )

    def integer(self, key: str) -> int | None:
        """An int32. A numeric string such as ``"1"`` is read, with a warning."""
        value = self.data.get(key)
        if value is None:
            return None
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, str) and _INTEGER_TEXT.fullmatch(value):
            number = int(value)
            self._numeric_string(key, value, number)
        if number is None:
            self.error(key, f"must be an integer, not {_show(json.dumps(value))}")
            return None
        if not _INT32[0] <= number <= _INT32[1]:
            self.error(key, f"{number} is outside the 32-bit integers CASE allows")
            return None
        return number

    def number(self, key: str) -> float | None:
        """A finite number. A numeric string such as ``"2.5"`` is read, with a warning."""
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
        if isinstance(value, str) and _NUMBER_TEXT.fullmatch(value):
            number = float(value)
            if math.isfinite(number):
                self._numeric_string(key, value, f"{number:g}")
                return number
        self.error(key, f"must be a finite number, not {_show(json.dumps(value))}")
        return None

    # -- lists

    def strings(self, key: str, *, split: bool = False, null_is_legacy: bool = False) -> list[str]:
        value = self.data.get(key)
        if value is None:
            if null_is_legacy:
                self.null_is_legacy(key)
            return []
        if isinstance(value, str):
            if split:
                self.legacy(key, "a comma-separated string where CASE 1.1 has an array")
                return [part.strip() for part in value.split(",") if part.strip()]
            self.legacy(key, "a string where CASE 1.1 has an array")
            return [value]
        if not isinstance(value, list):
            self.error(key, f"must be an array of strings, not {_kind(value)}")
            return []
        for index, element in enumerate(value):
            if not isinstance(element, str):
                self.error(f"{key}[{index}]", f"must be a string, not {_kind(element)}")
        return [element for element in value if isinstance(element, str)]

    # -- links

    def link(
        self, key: str, *, general: bool = False, null_is_legacy: bool = False
    ) -> NodeRef | None:
        """A LinkURI (``general=False``: identifier is a UUID) or a LinkGenURI."""
        value = self.data.get(key)
        if isinstance(value, dict) and len(value) == 3:  # the fast path: a plain, sound link
            identifier, title, uri = value.get("identifier"), value.get("title"), value.get("uri")
            if (
                isinstance(identifier, str)
                and isinstance(title, str)
                and isinstance(uri, str)
                and _UUID.fullmatch(identifier)
            ):
                return NodeRef(identifier=identifier.lower(), uri=uri, title=title)
        if value is None:
            if null_is_legacy:
                self.null_is_legacy(key)
            return None
        if not isinstance(value, dict):
            self.error(key, f"must be an object, not {_kind(value)}")
            return None
        return self._link(_Obj(self.reader, value, self._at(key), self.ident), general)

    @staticmethod
    def _link(sub: _Obj, general: bool) -> NodeRef:
        if general:
            identifier = sub.required("identifier")
            if _UUID.fullmatch(identifier):
                identifier = identifier.lower()
        else:
            identifier = sub.uuid("identifier", required=True) or ""
        title = sub.defaulted("title")
        uri = sub.required("uri")
        target_type = sub.string("targetType") if general else None
        if target_type is not None and target_type != target_type_for_case(target_type):
            if target_type.upper() in TARGET_TYPES:
                sub.warn(
                    "targetType",
                    f"{_show(target_type)} read as {target_type.upper()!r}",
                    WarningKind.VOCABULARY,
                )
                target_type = target_type.upper()
            else:
                sub.warn(
                    "targetType",
                    f"{_show(target_type)} is neither 'CASE' nor an 'ext:' type; "
                    f"written back as {target_type_for_case(target_type)!r}",
                    WarningKind.VOCABULARY,
                )
        known = _LINK_GEN_KEYS if general else _LINK_KEYS
        unknown = [key for key in sub.data if key not in known]
        if unknown:
            sub.warn(
                "",
                f"fields a CASE link cannot hold, dropped: {', '.join(unknown)}",
                WarningKind.DROPPED,
            )
        return NodeRef(identifier=identifier, uri=uri, title=title, target_type=target_type)

    def required_link(self, key: str) -> NodeRef:
        if self.data.get(key) is None:
            self.error(key, "must be an object, not null" if key in self.data else "missing")
        return self.link(key, general=True) or NodeRef(identifier="", uri="")

    def links(self, key: str) -> list[NodeRef]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(key, f"must be an array, not {_kind(value)}")
            return []
        out: list[NodeRef] = []
        for index, element in enumerate(value):
            where = f"{key}[{index}]"
            if isinstance(element, dict):
                out.append(
                    self._link(_Obj(self.reader, element, self._at(where), self.ident), False)
                )
            else:
                self.error(where, f"must be an object, not {_kind(element)}")
        return out

    # -- extensions

    def extensions(self, known: frozenset[str]) -> JSON:
        """The object's ``extensions`` plus, verbatim, every field CASE 1.1 does not define."""
        if "extensions" not in self.data and self.data.keys() <= known:  # the fast path
            return {}
        raw = self.data.get("extensions")
        extensions: JSON = {}
        if isinstance(raw, dict):
            extensions = dict(raw)
        elif isinstance(raw, list):  # CFRubricCriterionLevel's are an array of objects
            for index, element in enumerate(raw):
                if isinstance(element, dict):
                    clash = sorted(element.keys() & extensions.keys())
                    if clash:
                        self.warn(
                            f"extensions[{index}]",
                            f"repeats {', '.join(clash)}; last kept",
                            WarningKind.DROPPED,
                        )
                    extensions.update(element)
                else:
                    self.error(f"extensions[{index}]", f"must be an object, not {_kind(element)}")
        elif raw is not None:
            self.error("extensions", f"must be an object, not {_kind(raw)}")
        kept: list[str] = []
        for key in self.data:
            if key in known:
                continue
            if key in _V10_FIELDS:
                self.legacy(key, f"{key} (a CASE 1.0 field)")
            if key in extensions:
                self.warn(
                    key,
                    f"also in extensions, whose {key} is kept; this one dropped",
                    WarningKind.DROPPED,
                )
            else:
                extensions[key] = self.data[key]
                kept.append(key)
        if kept:
            self.warn(
                "",
                f"fields outside CASE 1.1 kept in extensions: {', '.join(kept)}",
                WarningKind.EXTENSION,
            )
        return extensions


def _document(o: _Obj) -> Document:
    identifier = o.identifier()
    case_version = o.string("caseVersion")
    if case_version == "1.0":
        o.legacy("caseVersion", "caseVersion 1.0")
    elif case_version is not None and case_version != "1.1":
        o.warn(
            "caseVersion",
            f"unknown CASE version {_show(case_version)}; read as 1.1",
            WarningKind.VERSION,
        )
    return Document(
        identifier=identifier,
        uri=o.required("uri"),
        creator=o.required("creator"),
        title=o.required("title"),
        last_change=o.last_change(),
        framework_type=o.string("frameworkType"),
        case_version=case_version,
        official_source_url=o.string("officialSourceURL"),
        publisher=o.string("publisher"),
        description=o.string("description"),
        subject=o.strings("subject"),
        subject_uri=o.links("subjectURI"),
        language=o.string("language"),
        version=o.string("version"),
        adoption_status=o.string("adoptionStatus"),
        status_start_date=o.date("statusStartDate", null_is_legacy=True),
        status_end_date=o.date("statusEndDate", null_is_legacy=True),
        license_uri=o.link("licenseURI", null_is_legacy=True),
        notes=o.string("notes"),
        extensions=o.extensions(DOCUMENT_KEYS),
    )


def _item(o: _Obj) -> Item:
    return Item(
        identifier=o.identifier(),
        uri=o.required("uri"),
        full_statement=o.required("fullStatement"),
        last_change=o.last_change(),
        alternative_label=o.string("alternativeLabel"),
        item_type=o.string("CFItemType"),
        item_type_uri=o.link("CFItemTypeURI"),
        human_coding_scheme=o.string("humanCodingScheme"),
        list_enumeration=o.string("listEnumeration"),
        abbreviated_statement=o.string("abbreviatedStatement"),
        concept_keywords=o.strings("conceptKeywords", null_is_legacy=True),
        concept_keywords_uri=o.link("conceptKeywordsURI", null_is_legacy=True),
        notes=o.string("notes"),
        subject=o.strings("subject"),
        subject_uri=o.links("subjectURI"),
        language=o.string("language"),
        education_level=o.strings("educationLevel", split=True),
        license_uri=o.link("licenseURI"),
        status_start_date=o.date("statusStartDate"),
        status_end_date=o.date("statusEndDate"),
        extensions=o.extensions(_ITEM_KEYS),
    )


def _association(o: _Obj) -> Association:
    identifier = o.identifier()
    association_type = o.required("associationType")
    if association_type and association_type != association_type_for_case(association_type):
        canonical = _CANONICAL_TYPES.get(association_type.lower())
        if canonical is not None:
            o.warn(
                "associationType",
                f"{_show(association_type)} read as {canonical!r}",
                WarningKind.VOCABULARY,
            )
            association_type = canonical
        else:
            o.warn(
                "associationType",
                f"{_show(association_type)} is neither a CASE association type nor an 'ext:' "
                f"one; written back as {association_type_for_case(association_type)!r}",
                WarningKind.VOCABULARY,
            )
    return Association(
        identifier=identifier,
        uri=o.required("uri"),
        association_type=association_type,
        origin=o.required_link("originNodeURI"),
        destination=o.required_link("destinationNodeURI"),
        last_change=o.last_change(),
        sequence_number=o.integer("sequenceNumber"),
        grouping_uri=o.link("CFAssociationGroupingURI", null_is_legacy=True),
        notes=o.string("notes"),
        extensions=o.extensions(_ASSOCIATION_KEYS),
    )


def _concept(o: _Obj) -> Concept:
    return Concept(
        identifier=o.identifier(),
        uri=o.required("uri"),
        title=o.required("title"),
        keywords=o.string("keywords"),
        hierarchy_code=o.defaulted("hierarchyCode"),
        description=o.string("description"),
        last_change=o.optional_last_change(),
        extensions=o.extensions(_CONCEPT_KEYS),
    )


def _subject(o: _Obj) -> Subject:
    return Subject(
        identifier=o.identifier(),
        uri=o.required("uri"),
        title=o.required("title"),
        hierarchy_code=o.defaulted("hierarchyCode"),
        description=o.string("description"),
        last_change=o.optional_last_change(),
        extensions=o.extensions(_SUBJECT_KEYS),
    )


def _license(o: _Obj) -> License:
    return License(
        identifier=o.identifier(),
        uri=o.required("uri"),
        title=o.required("title"),
        license_text=o.defaulted("licenseText"),
        description=o.string("description"),
        last_change=o.optional_last_change(),
        extensions=o.extensions(_LICENSE_KEYS),
    )


def _item_type(o: _Obj) -> ItemType:
    identifier = o.identifier()
    if "description" not in o.data:
        o.legacy("description", "absent (CASE 1.1 requires it)")
    type_code = o.string("typeCode")
    if type_code is None:
        o.null_is_legacy("typeCode")
    return ItemType(
        identifier=identifier,
        uri=o.required("uri"),
        title=o.required("title"),
        description=o.string("description"),
        hierarchy_code=o.defaulted("hierarchyCode"),
        type_code=type_code,
        last_change=o.optional_last_change(),
        extensions=o.extensions(_ITEM_TYPE_KEYS),
    )


def _grouping(o: _Obj) -> AssociationGrouping:
    return AssociationGrouping(
        identifier=o.identifier(),
        uri=o.required("uri"),
        title=o.required("title"),
        description=o.string("description"),
        last_change=o.optional_last_change(),
        extensions=o.extensions(_GROUPING_KEYS),
    )


def _level(o: _Obj) -> RubricCriterionLevel:
    return RubricCriterionLevel(
        identifier=o.identifier(),
        uri=o.required("uri"),
        last_change=o.last_change(),
        description=o.string("description"),
        quality=o.string("quality"),
        score=o.number("score"),
        feedback=o.string("feedback"),
        position=o.integer("position"),
        rubric_criterion_id=o.uuid("rubricCriterionId"),
        extensions=o.extensions(_LEVEL_KEYS),
    )


def _criterion(o: _Obj) -> RubricCriterion:
    return RubricCriterion(
        identifier=o.identifier(),
        uri=o.required("uri"),
        last_change=o.last_change(),
        category=o.string("category"),
        description=o.string("description"),
        item_uri=o.link("CFItemURI"),
        weight=o.number("weight"),
        position=o.integer("position"),
        rubric_id=o.uuid("rubricId"),
        levels=o.reader.array(o, "CFRubricCriterionLevels", _level),
        extensions=o.extensions(_CRITERION_KEYS),
    )


def _rubric(o: _Obj) -> Rubric:
    return Rubric(
        identifier=o.identifier(),
        uri=o.required("uri"),
        last_change=o.last_change(),
        title=o.string("title"),
        description=o.string("description"),
        criteria=o.reader.array(o, "CFRubricCriteria", _criterion),
        extensions=o.extensions(_RUBRIC_KEYS),
    )


def parse_package(data: dict[str, Any]) -> Package:
    """Read a CASE 1.1 or 1.0 CFPackage dict; raise ``CASEError`` listing every error.

    Warnings (fields kept in extensions, date-times read as UTC, ...) are returned in
    ``Package.warnings``; see the module's docstring for the rules.
    """
    reader = _Reader()
    if not isinstance(data, dict):
        raise CASEError([Issue("$", f"a CASE package must be an object, not {_kind(data)}")])
    top = _Obj(reader, data, "$")
    raw_document = data.get("CFDocument")
    document: Document | None = None
    if isinstance(raw_document, dict):
        document = _document(_Obj(reader, raw_document, "$.CFDocument"))
    else:
        top.error("CFDocument", "missing" if raw_document is None else "must be an object")
    items = reader.array(top, "CFItems", _item)
    associations = reader.array(top, "CFAssociations", _association)

    definitions = _Obj(reader, {}, "$.CFDefinitions")
    raw_definitions = data.get("CFDefinitions")
    if isinstance(raw_definitions, dict):
        definitions.data = raw_definitions
    elif raw_definitions == []:
        definitions.legacy("", "an empty array (CASE 1.0's way of saying no definitions)")
    elif raw_definitions is not None:
        definitions.error("", f"must be an object, not {_kind(raw_definitions)}")
    concepts = reader.array(definitions, "CFConcepts", _concept)
    subjects = reader.array(definitions, "CFSubjects", _subject)
    licenses = reader.array(definitions, "CFLicenses", _license)
    item_types = reader.array(definitions, "CFItemTypes", _item_type)
    groupings = reader.array(definitions, "CFAssociationGroupings", _grouping)
    definitions_extensions = definitions.extensions(_DEFINITIONS_KEYS)

    rubrics = reader.array(top, "CFRubrics", _rubric)
    extensions = top.extensions(_PACKAGE_KEYS)

    if reader.errors:
        raise CASEError(reader.errors)
    assert document is not None  # a missing document is an error

    warnings = reader.warnings
    if document.case_version == "1.1":
        source_version = "1.1"
        warnings += [
            Issue(
                issue.path,
                f"CASE 1.0 form in a CASE 1.1 package: {issue.message}",
                issue.identifier,
                WarningKind.LEGACY,
            )
            for issue in reader.legacy
        ]
    else:
        source_version = "1.0" if reader.legacy else "1.1"
    return Package(
        document=document,
        items=items,
        associations=associations,
        item_types=item_types,
        concepts=concepts,
        subjects=subjects,
        licenses=licenses,
        association_groupings=groupings,
        rubrics=rubrics,
        source_version=source_version,
        warnings=warnings,
        extensions=extensions,
        definitions_extensions=definitions_extensions,
    )


# ------------------------------------------------------------------------ build_package


def _moment(value: dt.datetime) -> str:
    value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return value.isoformat(timespec="microseconds" if value.microsecond else "seconds")


def _date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _object(*pairs: tuple[str, Any]) -> JSON:
    """A JSON object of the pairs whose value is not None, [] or {} ("" is kept)."""
    return {key: value for key, value in pairs if value is not None and value != [] and value != {}}


def _link(ref: NodeRef | None) -> JSON | None:
    if ref is None:
        return None
    return {"title": ref.title, "identifier": ref.identifier, "uri": ref.uri}


def _link_gen(ref: NodeRef) -> JSON:
    out = {"title": ref.title, "identifier": ref.identifier, "uri": ref.uri}
    target_type = target_type_for_case(ref.target_type)
    if target_type is not None:
        out["targetType"] = target_type
    return out


def _links(refs: list[NodeRef]) -> list[JSON]:
    return [{"title": ref.title, "identifier": ref.identifier, "uri": ref.uri} for ref in refs]


def build_document(d: Document) -> JSON:
    return _object(
        ("identifier", d.identifier),
        ("uri", d.uri),
        ("frameworkType", d.framework_type),
        ("caseVersion", "1.1"),
        ("creator", d.creator),
        ("title", d.title),
        ("lastChangeDateTime", _moment(d.last_change)),
        ("officialSourceURL", d.official_source_url),
        ("publisher", d.publisher),
        ("description", d.description),
        ("subject", d.subject),
        ("subjectURI", _links(d.subject_uri)),
        ("language", d.language),
        ("version", d.version),
        ("adoptionStatus", d.adoption_status),
        ("statusStartDate", _date(d.status_start_date)),
        ("statusEndDate", _date(d.status_end_date)),
        ("licenseURI", _link(d.license_uri)),
        ("notes", d.notes),
        ("extensions", d.extensions),
    )


def build_item(i: Item) -> JSON:
    return _object(
        ("identifier", i.identifier),
        ("uri", i.uri),
        ("fullStatement", i.full_statement),
        ("alternativeLabel", i.alternative_label),
        ("CFItemType", i.item_type),
        ("humanCodingScheme", i.human_coding_scheme),
        ("listEnumeration", i.list_enumeration),
        ("abbreviatedStatement", i.abbreviated_statement),
        ("conceptKeywords", i.concept_keywords),
        ("conceptKeywordsURI", _link(i.concept_keywords_uri)),
        ("notes", i.notes),
        ("subject", i.subject),
        ("subjectURI", _links(i.subject_uri)),
        ("language", i.language),
        ("educationLevel", i.education_level),
        ("CFItemTypeURI", _link(i.item_type_uri)),
        ("licenseURI", _link(i.license_uri)),
        ("statusStartDate", _date(i.status_start_date)),
        ("statusEndDate", _date(i.status_end_date)),
        ("lastChangeDateTime", _moment(i.last_change)),
        ("extensions", i.extensions),
    )


def build_association(a: Association) -> JSON:
    return _object(
        ("identifier", a.identifier),
        ("associationType", association_type_for_case(a.association_type)),
        ("sequenceNumber", a.sequence_number),
        ("uri", a.uri),
        ("originNodeURI", _link_gen(a.origin)),
        ("destinationNodeURI", _link_gen(a.destination)),
        ("CFAssociationGroupingURI", _link(a.grouping_uri)),
        ("lastChangeDateTime", _moment(a.last_change)),
        ("notes", a.notes),
        ("extensions", a.extensions),
    )


def build_definition(
    obj: Concept | Subject | License | ItemType | AssociationGrouping,
    fallback: dt.datetime | None = None,
) -> JSON:
    """One CFDefinitions entry as CASE 1.1 JSON; ``fallback`` stands in for a missing
    ``lastChangeDateTime`` (CASE 1.1 requires one)."""
    changed = obj.last_change if obj.last_change is not None else fallback
    when = _moment(changed) if changed is not None else None
    head = (("identifier", obj.identifier), ("uri", obj.uri), ("title", obj.title))
    tail = (("lastChangeDateTime", when), ("extensions", obj.extensions))
    if isinstance(obj, Concept):
        return _object(
            *head,
            ("keywords", obj.keywords),
            ("hierarchyCode", obj.hierarchy_code),
            ("description", obj.description),
            *tail,
        )
    if isinstance(obj, Subject):
        return _object(
            *head, ("hierarchyCode", obj.hierarchy_code), ("description", obj.description), *tail
        )
    if isinstance(obj, License):
        return _object(
            *head, ("description", obj.description), ("licenseText", obj.license_text), *tail
        )
    if isinstance(obj, ItemType):
        return _object(
            *head,
            ("description", "" if obj.description is None else obj.description),
            ("hierarchyCode", obj.hierarchy_code),
            ("typeCode", obj.type_code),
            *tail,
        )
    return _object(*head, ("description", obj.description), *tail)


def build_rubric(r: Rubric) -> JSON:
    """One CFRubric, with its criteria and their levels, as CASE 1.1 JSON."""
    return _object(
        ("identifier", r.identifier),
        ("uri", r.uri),
        ("title", r.title),
        ("description", r.description),
        ("lastChangeDateTime", _moment(r.last_change)),
        (
            "CFRubricCriteria",
            [
                _object(
                    ("identifier", c.identifier),
                    ("uri", c.uri),
                    ("category", c.category),
                    ("description", c.description),
                    ("CFItemURI", _link(c.item_uri)),
                    ("weight", c.weight),
                    ("position", c.position),
                    ("rubricId", c.rubric_id),
                    ("lastChangeDateTime", _moment(c.last_change)),
                    (
                        "CFRubricCriterionLevels",
                        [
                            _object(
                                ("identifier", v.identifier),
                                ("uri", v.uri),
                                ("description", v.description),
                                ("quality", v.quality),
                                ("score", v.score),
                                ("feedback", v.feedback),
                                ("position", v.position),
                                ("rubricCriterionId", v.rubric_criterion_id),
                                ("lastChangeDateTime", _moment(v.last_change)),
                                # CASE 1.1 makes a level's extensions an array of objects.
                                ("extensions", [v.extensions] if v.extensions else None),
                            )
                            for v in c.levels
                        ],
                    ),
                    ("extensions", c.extensions),
                )
                for c in r.criteria
            ],
        ),
        ("extensions", r.extensions),
    )


def build_package(package: Package) -> dict[str, Any]:
    """Write a package as a CASE 1.1 CFPackage dict (see the module's docstring)."""
    document = package.document
    fallback = document.last_change
    definitions = _object(
        ("CFConcepts", [build_definition(c, fallback) for c in package.concepts]),
        ("CFSubjects", [build_definition(x, fallback) for x in package.subjects]),
        ("CFLicenses", [build_definition(x, fallback) for x in package.licenses]),
        ("CFItemTypes", [build_definition(x, fallback) for x in package.item_types]),
        (
            "CFAssociationGroupings",
            [build_definition(x, fallback) for x in package.association_groupings],
        ),
        ("extensions", package.definitions_extensions),
    )
    rubrics = [build_rubric(r) for r in package.rubrics]
    out: dict[str, Any] = {
        "CFDocument": build_document(document),
        "CFItems": [build_item(item) for item in package.items],
        "CFAssociations": [build_association(a) for a in package.associations],
    }
    if definitions:
        out["CFDefinitions"] = definitions
    if rubrics:
        out["CFRubrics"] = rubrics
    if package.extensions:
        out["extensions"] = package.extensions
    return out


# ----------------------------------------------------------------------------- validate


def _identifier_at(data: Any, path: Iterable[str | int]) -> str | None:
    """The identifier of the innermost object along ``path`` that has one."""
    found: str | None = None
    node = data
    for step in [*path, None]:  # the path exists: jsonschema found an error at its end
        if isinstance(node, dict) and isinstance(node.get("identifier"), str):
            found = node["identifier"]
        if step is not None:
            node = node[step]
    return found


def validate(data: Any, schema: Mapping[str, Any], *, check_formats: bool = True) -> list[Issue]:
    """Check ``data`` against a JSON Schema, such as the official CASE 1.1 CFPackage schema.

    The schema's own ``$schema`` picks the dialect, Draft 2019-09 when it names none (as
    CASE 1.0's does not). Formats (``uuid``, ``date``, ...) are checked unless
    ``check_formats`` is false. Each error is an ``Issue`` at the error's JSON path.
    """
    from jsonschema import Draft201909Validator
    from jsonschema.validators import validator_for

    cls = validator_for(schema, default=Draft201909Validator)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER if check_formats else None)
    return [
        Issue(error.json_path, error.message, _identifier_at(data, error.absolute_path))
        for error in validator.iter_errors(data)
    ]


# ----------------------------------------------------------------- package_graph_problems


def _strongly_connected(
    nodes: Iterable[str], successors: Mapping[str, list[str]]
) -> list[set[str]]:
    """Tarjan's strongly connected components, iteratively (no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    for root in nodes:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(successors.get(root, ())))]
        while work:
            node, pending = work[-1]
            for successor in pending:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(successors.get(successor, ()))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component: set[str] = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    components.append(component)
    return components


def _cycles(edges: list[tuple[int, str, str]]) -> list[tuple[int, list[str]]]:
    """One cycle per knot of ``edges`` (position, origin, destination), as (position, nodes).

    Each strongly connected group of nodes with an edge inside it is one knot; its cycle runs
    along the knot's first edge and back by the shortest way, e.g. ``[a, b, c, a]``.
    """
    successors: dict[str, list[str]] = {}
    for _, origin, destination in edges:
        successors.setdefault(origin, []).append(destination)
    knot_of: dict[str, int] = {}
    for number, component in enumerate(_strongly_connected(list(successors), successors)):
        for node in component:
            knot_of[node] = number
    reported: set[int] = set()
    cycles: list[tuple[int, list[str]]] = []
    for position, origin, destination in edges:
        knot = knot_of[origin]
        if knot in reported or knot_of.get(destination) != knot:
            continue
        reported.add(knot)
        # Shortest way back from destination to origin, inside the knot.
        came_from: dict[str, str] = {destination: destination}
        queue = deque([destination])
        while origin not in came_from:
            node = queue.popleft()
            for successor in successors.get(node, ()):
                if successor not in came_from and knot_of.get(successor) == knot:
                    came_from[successor] = node
                    queue.append(successor)
        way = [origin]
        while way[-1] != destination:
            way.append(came_from[way[-1]])
        way.reverse()  # destination ... origin
        cycles.append((position, [origin, *way]))
    return cycles


def package_graph_problems(package: Package) -> list[Issue]:
    """What an importer cannot take, as issues at the offending association or item.

    * ``precedes`` must form a DAG: one issue per cycle knot, naming the items along one
      cycle by human coding scheme (or identifier): ``precedes cycle: A.1 → A.2 → A.1``.
    * ``isChildOf`` must form a forest: an item with more than one parent inside the package,
      and every ``isChildOf`` cycle, is an issue.
    * Identifiers of the document, items and associations must be unique.
    """
    problems: list[Issue] = []
    labels: dict[str, str] = {}
    where: dict[str, str] = {package.document.identifier: "$.CFDocument"}
    for index, item in enumerate(package.items):
        path = f"$.CFItems[{index}]"
        if item.identifier in where:
            problems.append(
                Issue(
                    path, f"duplicate identifier, also at {where[item.identifier]}", item.identifier
                )
            )
        else:
            where[item.identifier] = path
        if item.human_coding_scheme:
            labels.setdefault(item.identifier, item.human_coding_scheme)
    in_package = set(where)
    seen_associations: dict[str, int] = {}
    for index, association in enumerate(package.associations):
        first = seen_associations.setdefault(association.identifier, index)
        if first != index:
            problems.append(
                Issue(
                    f"$.CFAssociations[{index}]",
                    f"duplicate identifier, also at $.CFAssociations[{first}]",
                    association.identifier,
                )
            )

    def label(identifier: str) -> str:
        return labels.get(identifier, identifier)

    precedes: list[tuple[int, str, str]] = []
    child_of: list[tuple[int, str, str]] = []
    parents: dict[str, dict[str, int]] = {}  # child → parent → first association index
    for index, association in enumerate(package.associations):
        origin, destination = association.origin.identifier, association.destination.identifier
        if association.association_type == "precedes":
            precedes.append((index, origin, destination))
        elif association.association_type == "isChildOf":
            child_of.append((index, origin, destination))
            if origin in in_package and destination in in_package:
                parents.setdefault(origin, {}).setdefault(destination, index)

    for child, its_parents in parents.items():
        if len(its_parents) > 1:
            listed = ", ".join(
                f"{label(parent)} (via $.CFAssociations[{index}])"
                for parent, index in its_parents.items()
            )
            problems.append(
                Issue(
                    where[child],
                    f"{label(child)} has {len(its_parents)} parents in the package: {listed}",
                    child,
                )
            )
    for kind, edges in (("precedes", precedes), ("isChildOf", child_of)):
        for index, cycle in _cycles(edges):
            names = [label(node) for node in cycle]
            if len(names) > 2 * _CYCLE_ENDS + 1:  # a long cycle: its two ends say enough
                hidden = len(names) - 2 * _CYCLE_ENDS
                names = [*names[:_CYCLE_ENDS], f"({hidden} more)", *names[-_CYCLE_ENDS:]]
            problems.append(
                Issue(
                    f"$.CFAssociations[{index}]",
                    f"{kind} cycle: {' → '.join(names)}",
                    package.associations[index].identifier,
                )
            )
    return problems

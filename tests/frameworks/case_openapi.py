"""The response schemas of the CASE 1.1 provider API, for checking every provider response.

Source: 1EdTech's "Competencies and Academic Standards Exchange (CASE) Service OpenAPI (JSON)
Definition", version 1.1 (the ``components.schemas`` of the CASE 1.1 OpenAPI binding, as
OpenSALT publishes it with its server). The shared fixtures hold only the CFPackage JSON
Schemas, which describe a package but not the API's other answers (a CFDocument naming its
package, a CFItem naming its document, the definition sets, the status body), so the
OpenAPI's types are written out here as JSON Schema, type by type, under the OpenAPI's
names. Every constraint the OpenAPI states is kept: required properties, closed objects
(``additionalProperties: false``), the identifier pattern (lower-case hex, version 1-5, RFC
4122 variant), ``uri``/``date``/``date-time`` formats, the vocabularies of association types,
target types, code-major, severity and code-minor values, and ``minItems``. Patterns are
searched, as JSON Schema and the OpenAPI both read them.
"""

from __future__ import annotations

import re
from typing import Any

from jsonschema import Draft201909Validator

UUID = {
    "type": "string",
    "pattern": "[0-9a-f]{8}-[0-9a-f]{4}-[1-5]{1}[0-9a-f]{3}-[8-9a-b]{1}[0-9a-f]{3}-[0-9a-f]{12}",
}
TEXT = {"type": "string"}
URI = {"type": "string", "format": "uri"}
DATE = {"type": "string", "format": "date"}
DATE_TIME = {"type": "string", "format": "date-time"}
INT32 = {"type": "integer"}
FLOAT = {"type": "number"}
TEXTS = {"type": "array", "minItems": 0, "items": TEXT}
EXTENSION = {"type": "object", "properties": {}, "additionalProperties": True}
EXT_VALUE = {"type": "string", "pattern": "(ext:)[a-zA-Z0-9\\.\\-_]+"}
ASSOCIATION_TYPES = [
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
]
CODE_MINOR = [
    "forbidden",
    "fullsuccess",
    "internal_server_error",
    "invalid_selection_field",
    "invalid_sort_field",
    "invalid_uuid",
    "server_busy",
    "unauthorised_request",
    "unknownobject",
]


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/$defs/{name}"}


def closed(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def array_of(name: str, minimum: int = 0) -> dict[str, Any]:
    return {"type": "array", "minItems": minimum, "items": ref(name)}


DOCUMENT = {
    "identifier": UUID,
    "uri": URI,
    "frameworkType": TEXT,
    "caseVersion": {"type": "string", "enum": ["1.1"]},
    "creator": TEXT,
    "title": TEXT,
    "lastChangeDateTime": DATE_TIME,
    "officialSourceURL": URI,
    "publisher": TEXT,
    "description": TEXT,
    "subject": TEXTS,
    "subjectURI": array_of("LinkURIDType"),
    "language": TEXT,
    "version": TEXT,
    "adoptionStatus": TEXT,
    "statusStartDate": DATE,
    "statusEndDate": DATE,
    "licenseURI": ref("LinkURIDType"),
    "notes": TEXT,
    "extensions": ref("CFDocumentExtensionDType"),
}
DOCUMENT_REQUIRED = ["identifier", "uri", "creator", "title", "lastChangeDateTime"]
ITEM = {
    "identifier": UUID,
    "fullStatement": TEXT,
    "alternativeLabel": TEXT,
    "CFItemType": TEXT,
    "uri": URI,
    "humanCodingScheme": TEXT,
    "listEnumeration": TEXT,
    "abbreviatedStatement": TEXT,
    "conceptKeywords": TEXTS,
    "conceptKeywordsURI": ref("LinkURIDType"),
    "notes": TEXT,
    "subject": TEXTS,
    "subjectURI": array_of("LinkURIDType"),
    "language": TEXT,
    "educationLevel": TEXTS,
    "CFItemTypeURI": ref("LinkURIDType"),
    "licenseURI": ref("LinkURIDType"),
    "statusStartDate": DATE,
    "statusEndDate": DATE,
    "lastChangeDateTime": DATE_TIME,
    "extensions": ref("CFItemExtensionDType"),
}
ITEM_REQUIRED = ["identifier", "fullStatement", "uri", "lastChangeDateTime"]
ASSOCIATION = {
    "identifier": UUID,
    "associationType": {
        "anyOf": [{"type": "string", "enum": ASSOCIATION_TYPES}, EXT_VALUE],
    },
    "sequenceNumber": INT32,
    "uri": URI,
    "originNodeURI": ref("LinkGenURIDType"),
    "destinationNodeURI": ref("LinkGenURIDType"),
    "CFAssociationGroupingURI": ref("LinkURIDType"),
    "lastChangeDateTime": DATE_TIME,
    "notes": TEXT,
    "extensions": ref("CFAssociationExtensionDType"),
}
ASSOCIATION_REQUIRED = [
    "identifier",
    "associationType",
    "uri",
    "originNodeURI",
    "destinationNodeURI",
    "lastChangeDateTime",
]


def definition(extra: dict[str, Any], required: list[str], extension: str) -> dict[str, Any]:
    properties = {
        "identifier": UUID,
        "uri": URI,
        "title": TEXT,
        **extra,
        "lastChangeDateTime": DATE_TIME,
        "extensions": ref(extension),
    }
    return closed(properties, ["identifier", "uri", "title", *required, "lastChangeDateTime"])


DEFS: dict[str, Any] = {
    "LinkURIDType": closed(
        {"title": TEXT, "identifier": UUID, "uri": URI}, ["title", "identifier", "uri"]
    ),
    "LinkGenURIDType": closed(
        {
            "title": TEXT,
            "identifier": TEXT,  # "this may or may not be a UUID"
            "uri": URI,
            "targetType": {"anyOf": [{"type": "string", "enum": ["CASE"]}, EXT_VALUE]},
        },
        ["title", "identifier", "uri"],
    ),
    "CFPckgDocumentDType": closed(DOCUMENT, DOCUMENT_REQUIRED),
    "CFDocumentDType": closed(
        {**DOCUMENT, "CFPackageURI": ref("LinkURIDType")}, [*DOCUMENT_REQUIRED, "CFPackageURI"]
    ),
    "CFDocumentSetDType": closed({"CFDocuments": array_of("CFDocumentDType", 1)}, ["CFDocuments"]),
    "CFPckgItemDType": closed(ITEM, ITEM_REQUIRED),
    "CFItemDType": closed(
        {**ITEM, "CFDocumentURI": ref("LinkURIDType")}, [*ITEM_REQUIRED, "CFDocumentURI"]
    ),
    "CFPckgAssociationDType": closed(ASSOCIATION, ASSOCIATION_REQUIRED),
    "CFAssociationDType": closed(
        {**ASSOCIATION, "CFDocumentURI": ref("LinkURIDType")}, ASSOCIATION_REQUIRED
    ),
    "CFAssociationSetDType": closed(
        {"CFItem": ref("CFItemDType"), "CFAssociations": array_of("CFPckgAssociationDType", 1)},
        ["CFItem", "CFAssociations"],
    ),
    "CFConceptDType": definition(
        {"keywords": TEXT, "hierarchyCode": TEXT, "description": TEXT},
        ["hierarchyCode"],
        "CFConceptExtensionDType",
    ),
    "CFConceptSetDType": closed({"CFConcepts": array_of("CFConceptDType", 1)}, ["CFConcepts"]),
    "CFSubjectDType": definition(
        {"hierarchyCode": TEXT, "description": TEXT}, ["hierarchyCode"], "CFSubjectExtensionDType"
    ),
    "CFSubjectSetDType": closed({"CFSubjects": array_of("CFSubjectDType", 1)}, ["CFSubjects"]),
    "CFLicenseDType": definition(
        {"description": TEXT, "licenseText": TEXT}, ["licenseText"], "CFLicenseExtensionDType"
    ),
    "CFItemTypeDType": definition(
        {"description": TEXT, "hierarchyCode": TEXT, "typeCode": TEXT},
        ["description", "hierarchyCode"],
        "CFItemTypeExtensionDType",
    ),
    "CFItemTypeSetDType": closed({"CFItemTypes": array_of("CFItemTypeDType", 1)}, ["CFItemTypes"]),
    "CFAssociationGroupingDType": definition(
        {"description": TEXT}, [], "CFAssociationGroupingExtensionDType"
    ),
    "CFDefinitionDType": closed(
        {
            "CFConcepts": array_of("CFConceptDType"),
            "CFSubjects": array_of("CFSubjectDType"),
            "CFLicenses": array_of("CFLicenseDType"),
            "CFItemTypes": array_of("CFItemTypeDType"),
            "CFAssociationGroupings": array_of("CFAssociationGroupingDType"),
            "extensions": ref("CFDefinitionExtensionDType"),
        },
        [],
    ),
    "CFRubricDType": closed(
        {
            "identifier": UUID,
            "uri": URI,
            "title": TEXT,
            "description": TEXT,
            "lastChangeDateTime": DATE_TIME,
            "CFRubricCriteria": array_of("CFRubricCriterionDType"),
            "extensions": ref("CFRubricExtensionDType"),
        },
        ["identifier", "uri", "lastChangeDateTime"],
    ),
    "CFRubricCriterionDType": closed(
        {
            "identifier": UUID,
            "uri": URI,
            "category": TEXT,
            "description": TEXT,
            "CFItemURI": ref("LinkURIDType"),
            "weight": FLOAT,
            "position": INT32,
            "rubricId": UUID,
            "lastChangeDateTime": DATE_TIME,
            "CFRubricCriterionLevels": array_of("CFRubricCriterionLevelDType"),
            "extensions": ref("CFRubricCriterionExtensionDType"),
        },
        ["identifier", "uri", "lastChangeDateTime"],
    ),
    "CFRubricCriterionLevelDType": closed(
        {
            "identifier": UUID,
            "uri": URI,
            "description": TEXT,
            "quality": TEXT,
            "score": FLOAT,
            "feedback": TEXT,
            "position": INT32,
            "rubricCriterionId": UUID,
            "lastChangeDateTime": DATE_TIME,
            "extensions": array_of("CFRubricCriterionLevelExtensionDType"),
        },
        ["identifier", "uri", "lastChangeDateTime"],
    ),
    "CFPackageDType": closed(
        {
            "CFDocument": ref("CFPckgDocumentDType"),
            "CFItems": array_of("CFPckgItemDType"),
            "CFAssociations": array_of("CFPckgAssociationDType"),
            "CFDefinitions": ref("CFDefinitionDType"),
            "CFRubrics": array_of("CFRubricDType"),
            "extensions": ref("CFPackageExtensionDType"),
        },
        ["CFDocument"],
    ),
    "imsx_CodeMinorFieldDType": closed(
        {
            "imsx_codeMinorFieldName": TEXT,
            "imsx_codeMinorFieldValue": {"type": "string", "enum": CODE_MINOR},
        },
        ["imsx_codeMinorFieldName", "imsx_codeMinorFieldValue"],
    ),
    "imsx_CodeMinorDType": closed(
        {"imsx_codeMinorField": array_of("imsx_CodeMinorFieldDType", 1)}, ["imsx_codeMinorField"]
    ),
    "imsx_StatusInfoDType": closed(
        {
            "imsx_codeMajor": {
                "type": "string",
                "enum": ["failure", "processing", "success", "unsupported"],
            },
            "imsx_severity": {"type": "string", "enum": ["error", "status", "warning"]},
            "imsx_description": TEXT,
            "imsx_codeMinor": ref("imsx_CodeMinorDType"),
        },
        ["imsx_codeMajor", "imsx_severity"],
    ),
}
for _name in (
    "CFDocument",
    "CFItem",
    "CFAssociation",
    "CFConcept",
    "CFSubject",
    "CFLicense",
    "CFItemType",
    "CFAssociationGrouping",
    "CFDefinition",
    "CFRubric",
    "CFRubricCriterion",
    "CFRubricCriterionLevel",
    "CFPackage",
):
    DEFS[f"{_name}ExtensionDType"] = EXTENSION

#: Each provider path and the OpenAPI type of its successful answer.
SUCCESS = [
    (re.compile(r"^CFDocuments$"), "CFDocumentSetDType"),
    (re.compile(r"^CFDocuments/[^/]+$"), "CFDocumentDType"),
    (re.compile(r"^CFPackages/[^/]+$"), "CFPackageDType"),
    (re.compile(r"^CFItems/[^/]+$"), "CFItemDType"),
    (re.compile(r"^CFItemAssociations/[^/]+$"), "CFAssociationSetDType"),
    (re.compile(r"^CFAssociations/[^/]+$"), "CFAssociationDType"),
    (re.compile(r"^CFConcepts/[^/]+$"), "CFConceptSetDType"),
    (re.compile(r"^CFSubjects/[^/]+$"), "CFSubjectSetDType"),
    (re.compile(r"^CFItemTypes/[^/]+$"), "CFItemTypeSetDType"),
    (re.compile(r"^CFLicenses/[^/]+$"), "CFLicenseDType"),
    (re.compile(r"^CFAssociationGroupings/[^/]+$"), "CFAssociationGroupingDType"),
    (re.compile(r"^CFRubrics/[^/]+$"), "CFRubricDType"),
]
PREFIX = "/ims/case/v1p1/"
NOT_CASE = {"openapi.json", "docs"}  # ninja's own description of the API, not CASE answers


def _validator(name: str, *, selected: bool = False) -> Draft201909Validator:
    defs = DEFS
    if selected:  # ?fields= returns only the fields asked for: the binding's field selection
        defs = {**DEFS, "CFDocumentDType": {**DEFS["CFDocumentDType"], "required": []}}
    schema = {"$defs": defs, **ref(name)}
    return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)


def response_type(path: str, status: int) -> str | None:
    """The OpenAPI type that the answer to ``path`` (under the prefix) must have."""
    rest = path.removeprefix(PREFIX)
    if rest in NOT_CASE:
        return None
    if status >= 400:
        return "imsx_StatusInfoDType"
    for pattern, name in SUCCESS:
        if pattern.match(rest):
            return name
    raise AssertionError(f"{path} answered {status} but is no CASE endpoint")


def problems(path: str, status: int, body: Any, *, selected: bool = False) -> list[str]:
    """Every way ``body`` breaks the OpenAPI's schema for this answer, as readable lines."""
    name = response_type(path, status)
    if name is None:
        return []
    validator = _validator(name, selected=selected)
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(body)]


def assert_conforms(response: Any) -> None:
    """Fail unless a provider response is JSON shaped as the OpenAPI says for its path."""
    path = response.wsgi_request.path
    if path.removeprefix(PREFIX) in NOT_CASE:
        return
    assert response["Content-Type"].startswith("application/json"), (
        path,
        response.status_code,
        response["Content-Type"],
    )
    found = problems(
        path,
        response.status_code,
        response.json(),
        selected=bool(response.wsgi_request.GET.getlist("fields")),
    )
    assert found == [], (path, response.status_code, found)

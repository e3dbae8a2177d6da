"""The CASE 1.1 provider API, mounted at /ims/case/v1p1/.

Published frameworks are readable by anyone when ``PROFICIO_CASE_PUBLIC`` is on (the
default: standards are public goods); drafts only by those the permission policy lets
change them. Collections carry ``X-Total-Count`` and ``Link`` headers; errors use the
spec's imsx_StatusInfo structure with its code-minor values.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from proficio import policy
from proficio.accounts.oauth import CASE_READ, TokenRefused, request_user
from proficio.core.standards import case
from proficio.core.standards import case_query as query
from proficio.frameworks import case_io
from proficio.frameworks.models import (
    Association,
    AssociationGrouping,
    Concept,
    Framework,
    Item,
    ItemType,
    License,
    PublicationStatus,
    Rubric,
    Subject,
)
from proficio.policy import Act

case_api = NinjaAPI(
    title="CASE 1.1 provider",
    version="1.1",
    description="1EdTech Competencies and Academic Standards Exchange (CASE) 1.1 service provider.",
    urls_namespace="case",
    auth=None,
    docs_url="docs",
    openapi_url="openapi.json",
)

# What a CFDocuments collection may be filtered, sorted and selected on.
DOCUMENT_FIELDS = [*sorted(case.DOCUMENT_KEYS - {"extensions"}), "CFPackageURI"]


class CASEProblem(Exception):
    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(description)
        self.status, self.code, self.description = status, code, description


def status_info(code: str, description: str, severity: str = "error") -> dict[str, Any]:
    return {
        "imsx_codeMajor": "failure",
        "imsx_severity": severity,
        "imsx_description": description,
        "imsx_CodeMinor": {
            "imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": code}
            ]
        },
    }


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False), status=status, content_type="application/json"
    )
    for k, v in (headers or {}).items():
        response[k] = v
    return response


@case_api.exception_handler(CASEProblem)
def _problem(request: HttpRequest, exc: CASEProblem) -> HttpResponse:
    return _json(status_info(exc.code, exc.description), status=exc.status)


@case_api.exception_handler(query.QueryError)
def _bad_query(request: HttpRequest, exc: query.QueryError) -> HttpResponse:
    return _json(status_info(exc.code, str(exc)), status=400)


@case_api.exception_handler(TokenRefused)
def _token_refused(request: HttpRequest, exc: TokenRefused) -> HttpResponse:
    code = "unauthorisedrequest" if exc.status == 401 else "forbidden"
    response = _json(status_info(code, exc.detail), status=exc.status)
    response["WWW-Authenticate"] = exc.www_authenticate()
    return response


def _reader(request: HttpRequest) -> Any:
    """Who reads: a machine client with a CASE-scoped bearer token (its use audited once
    per request), else the signed-in person or anonymous."""
    if not hasattr(request, "_case_reader"):
        request._case_reader = request_user(request, [CASE_READ])  # type: ignore[attr-defined]
    return request._case_reader  # type: ignore[attr-defined]


def readable_frameworks(request: HttpRequest) -> QuerySet[Framework]:
    """Frameworks this request may read through the provider."""
    mine = policy.visible(_reader(request), policy.Subject.FRAMEWORK, Act.VIEW)
    if getattr(settings, "PROFICIO_CASE_PUBLIC", True):
        return Framework.objects.filter(
            Q(status=PublicationStatus.PUBLISHED) | Q(pk__in=mine.values("pk"))
        )
    return mine


def _uuid(sourced_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(sourced_id)
    except ValueError:
        raise CASEProblem(400, "invalid_uuid", f"{sourced_id!r} is not a UUID.") from None


def _one(request: HttpRequest, qs: QuerySet[Any], sourced_id: str, what: str) -> Any:
    obj = qs.filter(identifier=_uuid(sourced_id)).first()
    if obj is None:
        raise CASEProblem(404, "unknownobject", f"No {what} with identifier {sourced_id}.")
    return obj


@case_api.get("/CFDocuments", operation_id="getAllCFDocuments", summary="All readable CFDocuments")
def get_all_documents(
    request: HttpRequest,
    limit: int = 100,
    offset: int = 0,
    sort: str | None = None,
    orderBy: str | None = None,
    filter: str | None = None,
    fields: str | None = None,
) -> HttpResponse:
    records = []
    for framework in readable_frameworks(request).order_by("title"):
        doc = case.build_document(case_io.export_document(framework))
        doc["CFPackageURI"] = {
            "title": framework.title,
            "identifier": str(framework.identifier),
            "uri": request.build_absolute_uri(f"/ims/case/v1p1/CFPackages/{framework.identifier}"),
        }
        records.append(doc)
    page = query.run(
        records,
        limit=limit,
        offset=offset,
        sort=sort,
        order_by=orderBy,
        fields=fields,
        filter_text=filter,
        allowed=DOCUMENT_FIELDS,
    )
    params = {k: str(v) for k, v in request.GET.items()}
    return _json(
        {"CFDocuments": page.records},
        headers={
            "X-Total-Count": str(page.total),
            "Link": query.link_header(request.build_absolute_uri(request.path), page, params),
        },
    )


@case_api.get("/CFDocuments/{sourcedId}", operation_id="getCFDocument")
def get_document(request: HttpRequest, sourcedId: str) -> HttpResponse:
    framework = _one(request, readable_frameworks(request), sourcedId, "CFDocument")
    return _json(case.build_document(case_io.export_document(framework)))


@case_api.get("/CFPackages/{sourcedId}", operation_id="getCFPackage")
def get_package(request: HttpRequest, sourcedId: str) -> HttpResponse:
    framework = _one(request, readable_frameworks(request), sourcedId, "CFPackage")
    return _json(case.build_package(case_io.export_package(framework)))


def _items(request: HttpRequest) -> QuerySet[Item]:
    return Item.objects.filter(framework__in=readable_frameworks(request)).select_related(
        "framework"
    )


@case_api.get("/CFItems/{sourcedId}", operation_id="getCFItem")
def get_item(request: HttpRequest, sourcedId: str) -> HttpResponse:
    item = _one(request, _items(request), sourcedId, "CFItem")
    data = case.build_item(case_io.export_item(item))
    data["CFDocumentURI"] = _doc_link(item.framework)
    return _json(data)


def _doc_link(framework: Framework) -> dict[str, str]:
    return {"title": framework.title, "identifier": str(framework.identifier), "uri": framework.uri}


@case_api.get("/CFItemAssociations/{sourcedId}", operation_id="getCFItemAssociations")
def get_item_associations(request: HttpRequest, sourcedId: str) -> HttpResponse:
    item = _one(request, _items(request), sourcedId, "CFItem")
    ident = str(item.identifier)
    links = Association.objects.filter(
        Q(origin_identifier=ident) | Q(destination_identifier=ident),
        framework__in=readable_frameworks(request),
    ).order_by("sequence_number", "id")
    return _json(
        {
            "CFItem": case.build_item(case_io.export_item(item)),
            "CFAssociations": [
                {
                    **case.build_association(case_io.export_association(a)),
                    "CFDocumentURI": _doc_link(a.framework),
                }
                for a in links.select_related("framework")
            ],
        }
    )


@case_api.get("/CFAssociations/{sourcedId}", operation_id="getCFAssociation")
def get_association(request: HttpRequest, sourcedId: str) -> HttpResponse:
    qs = Association.objects.filter(framework__in=readable_frameworks(request)).select_related(
        "framework"
    )
    association = _one(request, qs, sourcedId, "CFAssociation")
    data = case.build_association(case_io.export_association(association))
    data["CFDocumentURI"] = _doc_link(association.framework)
    return _json(data)


def _definition(
    request: HttpRequest, model: type[Any], relation: str, sourced_id: str, what: str
) -> HttpResponse:
    qs = model.objects.filter(**{f"{relation}__in": readable_frameworks(request)}).distinct()
    obj = _one(request, qs, sourced_id, what)
    return _json(case.build_definition(case_io.export_definition(obj)))


@case_api.get("/CFAssociationGroupings/{sourcedId}", operation_id="getCFAssociationGrouping")
def get_grouping(request: HttpRequest, sourcedId: str) -> HttpResponse:
    return _definition(
        request, AssociationGrouping, "frameworks", sourcedId, "CFAssociationGrouping"
    )


@case_api.get("/CFConcepts/{sourcedId}", operation_id="getCFConcept")
def get_concept(request: HttpRequest, sourcedId: str) -> HttpResponse:
    return _definition(request, Concept, "frameworks", sourcedId, "CFConcept")


@case_api.get("/CFSubjects/{sourcedId}", operation_id="getCFSubject")
def get_subject(request: HttpRequest, sourcedId: str) -> HttpResponse:
    return _definition(request, Subject, "frameworks", sourcedId, "CFSubject")


@case_api.get("/CFLicenses/{sourcedId}", operation_id="getCFLicense")
def get_license(request: HttpRequest, sourcedId: str) -> HttpResponse:
    return _definition(request, License, "packages", sourcedId, "CFLicense")


@case_api.get("/CFItemTypes/{sourcedId}", operation_id="getCFItemType")
def get_item_type(request: HttpRequest, sourcedId: str) -> HttpResponse:
    return _definition(request, ItemType, "frameworks", sourcedId, "CFItemType")


@case_api.get("/CFRubrics/{sourcedId}", operation_id="getCFRubric")
def get_rubric(request: HttpRequest, sourcedId: str) -> HttpResponse:
    qs = Rubric.objects.filter(framework__in=readable_frameworks(request))
    rubric = _one(request, qs, sourcedId, "CFRubric")
    return _json(case.build_rubric(case_io.export_rubric(rubric)))

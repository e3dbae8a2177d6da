"""The CASE 1.1 provider API, mounted at /ims/case/v1p1/.

Published frameworks are readable by anyone when ``PROFICIO_CASE_PUBLIC`` is on (the
default: standards are public goods); drafts only by those the permission policy lets
change them. Collections carry ``X-Total-Count`` and ``Link`` headers.

Every answer has the shape the CASE 1.1 OpenAPI gives it (the tests check each against its
response schema): a CFDocument names its package (``CFPackageURI``), a CFItem its document
(``CFDocumentURI``), the associations of ``CFItemAssociations`` are package associations,
and concepts, subjects and item types come as sets (the one asked for, then its children by
hierarchy code). Every failure is an imsx_StatusInfo body with exactly the spec's keys and
code-minor values: a bad parameter is 400 (never the framework's 422), an identifier that is
not a UUID or names nothing readable is 404, an empty result is 404 too (the spec's sets hold
at least one object), any other path under the prefix is a JSON 404, a method other than GET
is 405, and a failure is 500.
"""

from __future__ import annotations

import functools
import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, re_path
from ninja import NinjaAPI
from ninja.errors import ValidationError

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

logger = logging.getLogger(__name__)

# What a CFDocuments collection may be filtered, sorted and selected on.
DOCUMENT_FIELDS = [*sorted(case.DOCUMENT_KEYS - {"extensions"}), "CFPackageURI"]

#: The imsx_codeMinorFieldValue vocabulary of the CASE 1.1 OpenAPI (imsx_CodeMinorFieldDType).
CODE_MINOR = frozenset(
    {
        "forbidden",
        "fullsuccess",
        "internal_server_error",
        "invalid_selection_field",
        "invalid_sort_field",
        "invalid_uuid",
        "server_busy",
        "unauthorised_request",
        "unknownobject",
    }
)


class CASEProblem(Exception):
    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(description)
        self.status, self.code, self.description = status, code, description


def status_info(
    code: str | None, description: str, *, major: str = "failure", severity: str = "error"
) -> dict[str, Any]:
    """An imsx_StatusInfo body, exactly the spec's keys. A code the CASE vocabulary lacks
    (the shared query language also speaks OneRoster's) is reported as the selection
    problem the spec names for a 400."""
    body: dict[str, Any] = {
        "imsx_codeMajor": major,
        "imsx_severity": severity,
        "imsx_description": description,
    }
    if code is not None:
        body["imsx_codeMinor"] = {
            "imsx_codeMinorField": [
                {
                    "imsx_codeMinorFieldName": "TargetEndSystem",
                    "imsx_codeMinorFieldValue": code
                    if code in CODE_MINOR
                    else "invalid_selection_field",
                }
            ]
        }
    return body


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


@case_api.exception_handler(ValidationError)
def _bad_parameter(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """A parameter of the wrong type (``limit=abc``, ``offset=1e3``): 400 with a status body,
    naming each parameter, never the framework's 422."""
    problems = []
    for error in exc.errors:
        where = ".".join(str(part) for part in error.get("loc", ())[1:]) or "request"
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    return _json(status_info("invalid_selection_field", "; ".join(problems)), status=400)


@case_api.exception_handler(Exception)
def _failure(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("CASE provider failed on %s", request.path)
    return _json(
        status_info("internal_server_error", "The provider failed; the error is logged."),
        status=500,
    )


def _not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return _json(status_info("unknownobject", f"No CASE endpoint at {request.path}."), status=404)


def _status_bodies(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Ninja answers a wrong method with a plain-text 405, and its root with Django's HTML
    404: answer both with a status body."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return _not_found(request)
        if response.status_code != 405:
            return response
        out = _json(
            status_info(None, f"{request.method} is not supported here.", major="unsupported"),
            status=405,
        )
        out["Allow"] = response.get("Allow", "GET")
        return out

    return wrapped


def case_urls() -> tuple[list[Any], str, str]:
    """The provider's URL patterns: ninja's, each answering with a status body where ninja
    would not, then a JSON 404 for any other path under the prefix (never the HTML page)."""
    patterns, app_name, namespace = case_api.urls
    wrapped = []
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = _status_bodies(pattern.callback)
        wrapped.append(pattern)
    wrapped.append(re_path(r"^(?P<rest>.*)$", _not_found, name="unknown"))
    return wrapped, app_name, namespace


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
        # The spec answers an identifier that is not a UUID like an unknown one: 404.
        raise CASEProblem(404, "invalid_uuid", f"{sourced_id!r} is not a UUID.") from None


def _one(request: HttpRequest, qs: QuerySet[Any], sourced_id: str, what: str) -> Any:
    obj = qs.filter(identifier=_uuid(sourced_id)).first()
    if obj is None:
        raise CASEProblem(404, "unknownobject", f"No {what} with identifier {sourced_id}.")
    return obj


def _package_link(request: HttpRequest, framework: Framework) -> dict[str, str]:
    return {
        "title": framework.title,
        "identifier": str(framework.identifier),
        "uri": request.build_absolute_uri(f"/ims/case/v1p1/CFPackages/{framework.identifier}"),
    }


def _document(request: HttpRequest, framework: Framework) -> dict[str, Any]:
    """A CFDocument outside a package (CFDocumentDType): it names its package."""
    doc = case.build_document(case_io.export_document(framework))
    doc["CFPackageURI"] = _package_link(request, framework)
    return doc


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
    records = [_document(request, f) for f in readable_frameworks(request).order_by("title")]
    # ``fields`` may come as one comma-separated value or repeated (?fields=a&fields=b).
    selected = ",".join(request.GET.getlist("fields")) or None
    page = query.run(
        records,
        limit=limit,
        offset=offset,
        sort=sort,
        order_by=orderBy,
        fields=selected,
        filter_text=filter,
        allowed=DOCUMENT_FIELDS,
    )
    if not page.records:
        # CFDocumentSetDType holds at least one CFDocument: an empty set is "unknown".
        raise CASEProblem(404, "unknownobject", "No CFDocuments match this request.")
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
    return _json(_document(request, framework))


@case_api.get("/CFPackages/{sourcedId}", operation_id="getCFPackage")
def get_package(request: HttpRequest, sourcedId: str) -> HttpResponse:
    framework = _one(request, readable_frameworks(request), sourcedId, "CFPackage")
    return _json(case.build_package(case_io.export_package(framework)))


def _items(request: HttpRequest) -> QuerySet[Item]:
    return Item.objects.filter(framework__in=readable_frameworks(request)).select_related(
        "framework", "item_type"
    )


def _item(item: Item) -> dict[str, Any]:
    """A CFItem outside a package (CFItemDType): it names its document."""
    data = case.build_item(case_io.export_item(item))
    data["CFDocumentURI"] = _doc_link(item.framework)
    return data


@case_api.get("/CFItems/{sourcedId}", operation_id="getCFItem")
def get_item(request: HttpRequest, sourcedId: str) -> HttpResponse:
    return _json(_item(_one(request, _items(request), sourcedId, "CFItem")))


def _doc_link(framework: Framework) -> dict[str, str]:
    return {"title": framework.title, "identifier": str(framework.identifier), "uri": framework.uri}


@case_api.get("/CFItemAssociations/{sourcedId}", operation_id="getCFItemAssociations")
def get_item_associations(request: HttpRequest, sourcedId: str) -> HttpResponse:
    """The CFItem (naming its document) and every association to or from it, as they sit in
    a package (CFAssociationSetDType)."""
    item = _one(request, _items(request), sourcedId, "CFItem")
    ident = str(item.identifier)
    links = Association.objects.filter(
        Q(origin_identifier=ident) | Q(destination_identifier=ident),
        framework__in=readable_frameworks(request),
    ).order_by("sequence_number", "id")
    associations = [case.build_association(case_io.export_association(a)) for a in links]
    if not associations:
        # CFAssociationSetDType holds at least one CFAssociation.
        raise CASEProblem(404, "unknownobject", f"CFItem {ident} has no associations.")
    return _json({"CFItem": _item(item), "CFAssociations": associations})


@case_api.get("/CFAssociations/{sourcedId}", operation_id="getCFAssociation")
def get_association(request: HttpRequest, sourcedId: str) -> HttpResponse:
    qs = Association.objects.filter(framework__in=readable_frameworks(request)).select_related(
        "framework"
    )
    association = _one(request, qs, sourcedId, "CFAssociation")
    data = case.build_association(case_io.export_association(association))
    data["CFDocumentURI"] = _doc_link(association.framework)
    return _json(data)


def _readable(request: HttpRequest, model: type[Any]) -> QuerySet[Any]:
    relation = "packages" if model is License else "frameworks"
    found: QuerySet[Any] = model.objects.filter(
        **{f"{relation}__in": readable_frameworks(request)}
    ).distinct()
    return found


def _definition(request: HttpRequest, model: type[Any], sourced_id: str, what: str) -> Any:
    return _one(request, _readable(request, model), sourced_id, what)


def _hierarchy_key(code: str) -> tuple[Any, ...]:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in code.split("."))


def _with_children(
    request: HttpRequest, model: type[Any], key: str, sourced_id: str, what: str
) -> HttpResponse:
    """The definition asked for, then its children by hierarchy code (every definition of
    the same kind, in the same frameworks, whose code continues this one's: 1 → 1.1, 1.1.2),
    as the spec's CFConceptSet / CFSubjectSet / CFItemTypeSet."""
    obj = _definition(request, model, sourced_id, what)
    found = [obj]
    code = obj.hierarchy_code
    if code:
        shared = readable_frameworks(request).filter(pk__in=obj.frameworks.values("pk"))
        children = (
            _readable(request, model)
            .filter(frameworks__in=shared, hierarchy_code__startswith=f"{code}.")
            .exclude(pk=obj.pk)
        )
        found += sorted(children, key=lambda o: (_hierarchy_key(o.hierarchy_code), o.pk))
    return _json({key: [case.build_definition(case_io.export_definition(o)) for o in found]})


@case_api.get("/CFAssociationGroupings/{sourcedId}", operation_id="getCFAssociationGrouping")
def get_grouping(request: HttpRequest, sourcedId: str) -> HttpResponse:
    obj = _definition(request, AssociationGrouping, sourcedId, "CFAssociationGrouping")
    return _json(case.build_definition(case_io.export_definition(obj)))


@case_api.get("/CFConcepts/{sourcedId}", operation_id="getCFConcept")
def get_concept(request: HttpRequest, sourcedId: str) -> HttpResponse:
    return _with_children(request, Concept, "CFConcepts", sourcedId, "CFConcept")


@case_api.get("/CFSubjects/{sourcedId}", operation_id="getCFSubject")
def get_subject(request: HttpRequest, sourcedId: str) -> HttpResponse:
    return _with_children(request, Subject, "CFSubjects", sourcedId, "CFSubject")


@case_api.get("/CFLicenses/{sourcedId}", operation_id="getCFLicense")
def get_license(request: HttpRequest, sourcedId: str) -> HttpResponse:
    obj = _definition(request, License, sourcedId, "CFLicense")
    return _json(case.build_definition(case_io.export_definition(obj)))


@case_api.get("/CFItemTypes/{sourcedId}", operation_id="getCFItemType")
def get_item_type(request: HttpRequest, sourcedId: str) -> HttpResponse:
    return _with_children(request, ItemType, "CFItemTypes", sourcedId, "CFItemType")


@case_api.get("/CFRubrics/{sourcedId}", operation_id="getCFRubric")
def get_rubric(request: HttpRequest, sourcedId: str) -> HttpResponse:
    qs = Rubric.objects.filter(framework__in=readable_frameworks(request))
    rubric = _one(request, qs, sourcedId, "CFRubric")
    return _json(case.build_rubric(case_io.export_rubric(rubric)))

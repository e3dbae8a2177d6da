"""Pages for credentials: the public verifier, the student's wallet and outside
credentials, a leader's view of a student's credentials (revoke, correct), a district's
settings, and what verifiers read (DID documents, status lists). Views parse, ask the
policy, call an action and render."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from proficio import policy
from proficio.audit.log import record_read
from proficio.core.credentials.verify import Verdict, verify_bytes
from proficio.credentials import actions, keys, publish
from proficio.credentials.forms import (
    DistrictSettingsForm,
    OutsideCredentialForm,
    ReasonForm,
    VerifyForm,
)
from proficio.credentials.models import (
    CredentialFormat,
    CredentialSettings,
    IssuedCredential,
    IssuerKey,
    OutsideCredential,
)
from proficio.credentials.trust import trust
from proficio.credentials.uploads import read_upload
from proficio.orgs.models import Student
from proficio.policy import Act, Subject
from proficio.web.forms import show_errors


def verdict_of(form: VerifyForm) -> Verdict:
    upload = form.cleaned_data.get("file")
    data = read_upload(upload) if upload else form.cleaned_data["credential"].encode("utf-8")
    return verify_bytes(data, trust())


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Anyone may check a credential: nothing is stored, nothing is fetched."""
    verdict = None
    form = VerifyForm(request.POST, request.FILES) if request.method == "POST" else VerifyForm()
    if request.method == "POST" and form.is_valid():
        verdict = verdict_of(form)
    return render(
        request,
        "credentials/verify.html",
        {"form": form, "verdict": verdict},
        status=400 if request.method == "POST" and not form.is_valid() else 200,
    )


def _me(request: HttpRequest) -> Student:
    student = policy.who(request.user).student
    if student is None:
        raise PermissionDenied
    return student


@login_required
@require_GET
def wallet(request: HttpRequest) -> HttpResponse:
    student = _me(request)
    issued = policy.visible(request.user, Subject.CREDENTIAL).filter(student=student)
    return render(
        request,
        "credentials/wallet.html",
        {
            "student": student,
            "issued": issued.select_related("issuer", "replaced_by"),
            "outside": OutsideCredential.objects.filter(student=student).select_related(
                "target", "evidence"
            ),
            "form": OutsideCredentialForm(),
        },
    )


@login_required
@require_GET
def wallet_download(request: HttpRequest) -> HttpResponse:
    student = _me(request)
    bundle = actions.wallet_file(request.user, student)
    response = JsonResponse(bundle, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = 'attachment; filename="proficio-credentials.json"'
    return response


def _credential(request: HttpRequest, credential_id: str, act: Act = Act.VIEW) -> IssuedCredential:
    try:
        found = (
            policy.visible(request.user, Subject.CREDENTIAL, act)
            .select_related("student__school")
            .filter(uuid=credential_id)
            .first()
        )
    except ValidationError:
        found = None
    if not isinstance(found, IssuedCredential):
        raise Http404("No such credential")
    return found


@login_required
@require_GET
def download(request: HttpRequest, credential_id: str) -> HttpResponse:
    credential = _credential(request, credential_id)
    # Only students' credentials are visible here (an educator's are the educators app's).
    assert credential.student is not None
    if credential.student.user_id != request.user.pk:
        record_read(credential.student, purpose="credential download")
    if credential.format == CredentialFormat.JWT:
        response = HttpResponse(credential.content, content_type="application/jwt")
        name = f"{credential.uuid}.jwt"
    else:
        response = HttpResponse(credential.content, content_type="application/json")
        name = f"{credential.uuid}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def present_outside(request: HttpRequest) -> HttpResponse:
    student = _me(request)
    form = OutsideCredentialForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            record = actions.present_outside_credential(
                request.user, student, data=read_upload(upload), filename=upload.name
            )
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            if record.evidence_id:
                messages.success(
                    request,
                    _("Verified. It is proposed as evidence for %(target)s; a teacher reviews it.")
                    % {"target": record.target},
                )
            else:
                messages.success(
                    request,
                    _("Verified and kept in your wallet. It names none of our learning targets."),
                )
            return redirect("credentials:wallet")
    issued = policy.visible(request.user, Subject.CREDENTIAL).filter(student=student)
    return render(
        request,
        "credentials/wallet.html",
        {
            "student": student,
            "issued": issued,
            "outside": OutsideCredential.objects.filter(student=student),
            "form": form,
        },
        status=400,
    )


@login_required
@require_GET
def student_credentials(request: HttpRequest, student_id: int) -> HttpResponse:
    """A leader's view of one student's credentials, with revoke and correct."""
    if not policy.may(request.user, Act.VIEW, Subject.CREDENTIAL):
        raise Http404("No such student")
    student = policy.access_student(request.user, student_id, purpose="credentials")
    issued = (
        policy.visible(request.user, Subject.CREDENTIAL)
        .filter(student=student)
        .select_related("replaced_by")
    )
    return render(
        request,
        "credentials/student.html",
        {
            "student": student,
            "issued": issued,
            "can_change": policy.may(request.user, Act.CHANGE, Subject.CREDENTIAL),
            "form": ReasonForm(),
        },
    )


@login_required
@require_POST
def change_credential(request: HttpRequest, credential_id: str, how: str) -> HttpResponse:
    credential = _credential(request, credential_id, Act.CHANGE)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            if how == "correct":
                fresh = actions.correct_credential(
                    request.user, credential, reason=form.cleaned_data["reason"]
                )
                messages.success(
                    request,
                    _("Revoked and reissued.")
                    if fresh
                    else _("Revoked; the record no longer shows this level."),
                )
            else:
                actions.revoke_credential(
                    request.user, credential, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("Revoked."))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
    else:
        messages.error(request, _("Say why, in words the student will read."))
    return redirect("credentials:student", student_id=credential.student_id)


@login_required
@require_http_methods(["GET", "POST"])
def district_settings(request: HttpRequest, org_id: int) -> HttpResponse:
    district = policy.access_organization(request.user, org_id, Subject.CREDENTIAL_SETTINGS)
    current = CredentialSettings.objects.filter(district=district).first()
    form = DistrictSettingsForm(
        request.POST or None,
        initial={"issue_level_credentials": bool(current and current.issue_level_credentials)},
    )
    if request.method == "POST":
        try:
            if request.POST.get("rotate"):
                actions.rotate_issuer_key(request.user, district)
                messages.success(
                    request, _("A new key signs from now on; the old one stays published.")
                )
                return redirect("credentials:district", org_id=district.pk)
            if form.is_valid():
                actions.set_credential_settings(
                    request.user,
                    district,
                    issue_level_credentials=form.cleaned_data["issue_level_credentials"],
                )
                messages.success(request, _("Saved."))
                return redirect("credentials:district", org_id=district.pk)
        except ValidationError as exc:
            show_errors(form, exc)
    return render(
        request,
        "credentials/district.html",
        {
            "district": district,
            "form": form,
            "keys": IssuerKey.objects.filter(organization=district).order_by("created_at", "id"),
        },
    )


# ---------------------------------------------------------------- read by verifiers


def _json(document: dict[str, Any], content_type: str = "application/json") -> HttpResponse:
    response = HttpResponse(json.dumps(document, indent=1), content_type=content_type)
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def did_root(request: HttpRequest) -> HttpResponse:
    from proficio.core.credentials import did

    host = keys.domain()
    document = publish.did_document(did.did_web(host)) if host else None
    if document is None:
        raise Http404("This deployment publishes no DID here.")
    return _json(document, "application/did+json")


@require_GET
def did_org(request: HttpRequest, code: str) -> HttpResponse:
    from proficio.core.credentials import did

    host = keys.domain()
    document = publish.did_document(did.did_web(host, ["credentials", code])) if host else None
    if document is None:
        raise Http404("This deployment publishes no DID here.")
    return _json(document, "application/did+json")


@require_GET
def status_list(request: HttpRequest, list_id: str) -> HttpResponse:
    document = publish.status_list_by_url(f"{publish.base_url()}/credentials/status/{list_id}")
    if document is None:
        raise Http404("No such status list")
    return _json(document, "application/vc+ld+json")

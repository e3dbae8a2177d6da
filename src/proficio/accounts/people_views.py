"""Administering people: the list, one person's page, inviting, and the changes an
administrator makes (deactivate, unlock, reset a password, dated roles). Every change is an
action in ``accounts.actions``, which asks the policy; a person outside the
administrator's reach is a 404 that names no one."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from proficio import policy
from proficio.accounts import actions, directory
from proficio.accounts.forms import (
    EndMembershipForm,
    InviteForm,
    MembershipForm,
    PasswordResetLinkForm,
    PersonSearchForm,
)
from proficio.accounts.models import User
from proficio.audit.log import record_read, record_reads
from proficio.orgs.models import RoleMembership, Student, active_on
from proficio.policy import Act, Subject

PURPOSE = "account administration"


def _site(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _messages_for(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


@login_required
def people(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Act.VIEW, Subject.PERSON)
    form = PersonSearchForm(request.GET or None)
    found = policy.visible(request.user, Subject.PERSON).filter(machine_client__isnull=True)
    if form.is_valid() and form.cleaned_data["q"]:
        q = form.cleaned_data["q"]
        found = found.filter(
            Q(username__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
            | Q(display_name__icontains=q)
            | Q(email__icontains=q)
        )
    today = timezone.localdate()
    found = (
        found.select_related("student_profile__school")
        .annotate(children=Count("guardian_links", distinct=True))
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=RoleMembership.objects.filter(active_on(today)).select_related(
                    "organization"
                ),
                to_attr="current_roles",
            )
        )
    )
    page = Paginator(found.order_by("last_name", "first_name", "username", "pk"), 25).get_page(
        request.GET.get("page")
    )
    people_on_page = list(page.object_list)
    record_reads(
        [p.student_profile for p in people_on_page if _student(p) is not None], purpose=PURPOSE
    )
    locked = directory.locked_until(p.username for p in people_on_page)
    roles, _orgs = directory.grant_options(request.user)
    return render(
        request,
        "accounts/people.html",
        {
            "form": form,
            "page": page,
            "rows": [(p, _student(p), p.username in locked) for p in people_on_page],
            "can_invite": bool(roles) and policy.may(request.user, Act.CHANGE, Subject.PERSON),
        },
    )


def _student(person: User) -> Student | None:
    try:
        return person.student_profile
    except Student.DoesNotExist:
        return None


def _person(request: HttpRequest, person_id: Any, act: Act = Act.VIEW) -> User:
    person: User = policy.access(request.user, Subject.PERSON, person_id, act=act)
    if hasattr(person, "machine_client"):
        raise Http404("No such person")  # clients have their own pages
    return person


def _detail(request: HttpRequest, person: User, status: int = 200, **forms: Any) -> HttpResponse:
    student = _student(person)
    if student is not None:
        record_read(student, purpose=PURPOSE)
    can_change = policy.can(request.user, Act.CHANGE, Subject.PERSON, person)
    roles, organizations = directory.grant_options(request.user) if can_change else ([], [])
    history = policy.visible(request.user, Subject.AUDIT_LOG).filter(
        object_type="accounts.user", object_id=str(person.pk)
    )
    context = {
        "person": person,
        "student": student,
        "can_change": can_change,
        "role_rows": directory.role_rows(person),
        "locked_until": directory.locked_until([person.username]).get(person.username),
        "invited": not person.has_usable_password() and person.last_login is None,
        "membership_form": forms.get("membership_form")
        or MembershipForm(roles=roles, organizations=organizations),
        "reset_form": PasswordResetLinkForm(),
        "end_form": EndMembershipForm(),
        "can_grant": bool(roles),
        "history": history.order_by("-at", "-pk")[:20],
    }
    return render(request, "accounts/person.html", context, status=status)


@login_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    return _detail(request, _person(request, person_id))


@login_required
def invite(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Act.CHANGE, Subject.PERSON)
    roles, organizations = directory.grant_options(request.user)
    if not roles:
        raise PermissionDenied
    form = InviteForm(request.POST or None, roles=roles, organizations=organizations)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                invitation = actions.invite_person(
                    request.user,
                    email=data["email"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    role=data["role"],
                    organization=data["organization"],
                    start_date=data["start_date"],
                    end_date=data["end_date"],
                    preferred_language=data["preferred_language"],
                    site=_site(request),
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Invitation sent to %(email)s.") % {"email": invitation.person.email},
                )
                return redirect("accounts:person", invitation.person.pk)
    return render(request, "accounts/invite.html", {"form": form}, status=status)


def _add_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _change(request: HttpRequest, person_id: Any) -> User:
    return _person(request, person_id, act=Act.CHANGE)


def _done(request: HttpRequest, person: User, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("accounts:person", person.pk)


def _refused(request: HttpRequest, person: User, exc: ValidationError) -> HttpResponse:
    for message in _messages_for(exc):
        messages.error(request, message)
    return redirect("accounts:person", person.pk)


@login_required
@require_POST
def deactivate(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _change(request, person_id)
    try:
        actions.deactivate_person(request.user, person)
    except ValidationError as exc:
        return _refused(request, person, exc)
    return _done(request, person, _("The account is deactivated: it can no longer sign in."))


@login_required
@require_POST
def reactivate(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _change(request, person_id)
    try:
        actions.reactivate_person(request.user, person)
    except ValidationError as exc:
        return _refused(request, person, exc)
    return _done(request, person, _("The account is active again."))


@login_required
@require_POST
def unlock(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _change(request, person_id)
    actions.unlock_person(request.user, person)
    return _done(request, person, _("The account is unlocked: it can try to log in again."))


@login_required
@require_POST
def reset_password(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _change(request, person_id)
    form = PasswordResetLinkForm(request.POST)
    stop = form.is_valid() and form.cleaned_data["stop_current_password"]
    try:
        actions.send_password_reset(
            request.user, person, site=_site(request), stop_current_password=bool(stop)
        )
    except ValidationError as exc:
        return _refused(request, person, exc)
    return _done(
        request,
        person,
        _("A link to choose a new password was sent to %(email)s.") % {"email": person.email},
    )


@login_required
@require_POST
def resend_invitation(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _change(request, person_id)
    try:
        actions.resend_invitation(request.user, person, site=_site(request))
    except ValidationError as exc:
        return _refused(request, person, exc)
    return _done(request, person, _("The invitation was sent again."))


@login_required
@require_POST
def add_role(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _change(request, person_id)
    roles, organizations = directory.grant_options(request.user)
    form = MembershipForm(request.POST, roles=roles, organizations=organizations)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.grant_membership(
                request.user,
                person,
                role=data["role"],
                organization=data["organization"],
                start_date=data["start_date"],
                end_date=data["end_date"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return _done(request, person, _("The role was added."))
    return _detail(request, person, status=400, membership_form=form)


@login_required
@require_POST
def end_role(request: HttpRequest, person_id: int, membership_id: int) -> HttpResponse:
    person = _change(request, person_id)
    membership = person.memberships.filter(pk=membership_id).first()
    if membership is None:
        raise Http404("No such role")
    form = EndMembershipForm(request.POST)
    if not form.is_valid():
        return _refused(request, person, ValidationError(_("Give the role's last day.")))
    try:
        actions.end_membership(request.user, membership, end_date=form.cleaned_data["end_date"])
    except ValidationError as exc:
        return _refused(request, person, exc)
    return _done(request, person, _("The role ends on the day you gave."))

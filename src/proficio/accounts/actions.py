"""The only code that writes accounts, role memberships and machine clients.

Every action an administrator takes names the acting user first (``actor``) and asks
``proficio.policy`` before touching anything, so the pages, the API and commands cannot
disagree about who may do what. Each change is audited with its purpose.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from proficio.accounts import mail
from proficio.accounts.models import HomeVisit, LoginFailure, MachineClient, User
from proficio.accounts.roles import Role
from proficio.accounts.tokens import invitation_token_generator
from proficio.audit.context import acting, current_actor
from proficio.audit.log import record
from proficio.audit.models import AuditAction


@transaction.atomic
def create_user(
    *,
    username: str,
    password: str | None,
    display_name: str = "",
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    preferred_language: str = "en",
    is_staff: bool = False,
    password_hash: str | None = None,
) -> User:
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"The username {username!r} is taken."})
    user = User(
        username=username,
        display_name=display_name,
        first_name=first_name,
        last_name=last_name,
        email=email,
        preferred_language=preferred_language,
        is_staff=is_staff,
    )
    if password_hash:
        user.password = password_hash
    elif password:
        validate_password(password, user)  # the same rules as every password form
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def set_preferred_language(user: User, language: str) -> None:
    if language not in {"en", "es"}:
        raise ValidationError({"language": "Choose English or Spanish."})
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])


@transaction.atomic
def bulk_create_users(users: Sequence[User], *, password: str, batch_size: int = 2000) -> None:
    """Create many accounts sharing one password, hashing it once (demo and bulk rostering).

    Argon2 is deliberately slow; hashing the same demo password 100,000 times would take
    hours, so the one hash (with its own salt) is reused.
    """
    encoded = make_password(password)
    for user in users:
        user.password = encoded
    User.objects.bulk_create(users, batch_size=batch_size)


# -- Home visits -------------------------------------------------------------------------

# Visits closer together than this are one visit: reloading the home keeps "since your
# last visit" where it was.
VISIT_GAP = dt.timedelta(minutes=30)


@transaction.atomic
def note_home_visit(actor: Any, role: str, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """Remember that ``actor`` opened their home page for ``role``; returns the start of
    their previous visit (None on the first), which the page reports changes since."""
    if not isinstance(actor, User) or not actor.is_authenticated:
        raise PermissionDenied
    if role not in Role.values:
        raise ValidationError({"role": "No such role."})
    now = now or timezone.now()
    visit = HomeVisit.objects.select_for_update().filter(user=actor, role=role).first()
    if visit is None:
        HomeVisit.objects.create(user=actor, role=role, seen_at=now, previous=None)
        return None
    if now - visit.seen_at > VISIT_GAP:
        visit.previous = visit.seen_at
    visit.seen_at = now
    visit.save(update_fields=["seen_at", "previous"])
    return visit.previous


# -- The login throttle's memory -------------------------------------------------------


@transaction.atomic
def note_login_failure(ip_address: str, username: str) -> None:
    """Remember one failed password login (see ``accounts.throttle``), forgetting old ones."""
    from proficio.accounts import throttle

    now = timezone.now()
    keep = max(throttle.address_window(), throttle.GLOBAL_WINDOW)
    LoginFailure.objects.filter(at__lt=now - keep).delete()
    try:
        address: str | None = str(ipaddress.ip_address(ip_address))
    except ValueError:
        address = None
    LoginFailure.objects.create(at=now, ip_address=address, username=username[:150])


# -- People: invite, deactivate, unlock, reset, memberships -----------------------------


def _require_person(actor: Any, person: User) -> None:
    from proficio import policy

    policy.authorize(actor, policy.Act.CHANGE, policy.Subject.PERSON, person)


def _require_grantable(actor: Any, role: str, organization: Any) -> Role:
    from proficio import policy

    try:
        chosen = Role(role)
    except ValueError:
        raise ValidationError({"role": "Choose a role from the list."}) from None
    if chosen not in policy.grantable_roles(actor, organization):
        raise PermissionDenied
    return chosen


def _username_for(email: str) -> str:
    base = re.sub(r"[^a-z0-9._-]", "", email.split("@", 1)[0].lower())[:120] or "person"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


@dataclass(frozen=True)
class Invitation:
    person: User
    link: str


def invite_person(
    actor: Any,
    *,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    organization: Any,
    start_date: dt.date,
    end_date: dt.date | None = None,
    preferred_language: str = "en",
    site: str,
) -> Invitation:
    """Create an account with no password and a dated role, and email a one-time link to
    choose a password. The account and role are saved together or not at all; the email
    goes out after they are (``resend_invitation`` sends it again)."""
    from proficio.orgs import actions as orgs

    chosen = _require_grantable(actor, role, organization)
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Enter a valid email address."}) from None
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "This email address already belongs to an account."})
    if not first_name.strip() or not last_name.strip():
        raise ValidationError({"first_name": "Give the person's first and last name."})
    with transaction.atomic():
        person = create_user(
            username=_username_for(email),
            password=None,
            email=email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            display_name=f"{first_name.strip()} {last_name.strip()}",
            preferred_language=preferred_language if preferred_language in {"en", "es"} else "en",
        )
        orgs.grant_role(
            actor,
            user=person,
            role=chosen,
            organization=organization,
            start_date=start_date,
            end_date=end_date,
        )
        record(
            AuditAction.CREATE,
            person,
            purpose="invite",
            detail={"role": chosen.value, "organization": organization.code},
        )
    return Invitation(person, _send_invitation(person, site))


def _send_invitation(person: User, site: str) -> str:
    link = mail.link(
        site, "accounts:invitation", person, invitation_token_generator.make_token(person)
    )
    mail.send(person, "invitation", {"link": link, "days": settings.PROFICIO_INVITATION_DAYS})
    return link


@transaction.atomic
def resend_invitation(actor: Any, person: User, *, site: str) -> str:
    _require_person(actor, person)
    if person.has_usable_password() or person.last_login is not None:
        raise ValidationError({"person": "This person has already accepted the invitation."})
    if not person.email:
        raise ValidationError({"email": "This person has no email address."})
    record(AuditAction.UPDATE, person, purpose="invitation sent again")
    return _send_invitation(person, site)


@transaction.atomic
def send_password_reset(
    actor: Any, person: User, *, site: str, stop_current_password: bool = False
) -> str:
    """Email ``person`` a one-time link to choose a new password (Django's reset flow).
    With ``stop_current_password`` their present password stops working at once."""
    _require_person(actor, person)
    if not person.email:
        raise ValidationError({"email": "This person has no email address to send a link to."})
    if not person.is_active:
        raise ValidationError({"person": "Reactivate the account first."})
    if stop_current_password:
        person.set_unusable_password()
        person.save(update_fields=["password"])
    record(
        AuditAction.UPDATE,
        person,
        purpose="password reset link sent",
        detail={"current_password_stopped": stop_current_password},
    )
    link = mail.link(
        site,
        "accounts:password_reset_confirm",
        person,
        default_token_generator.make_token(person),
    )
    mail.send(person, "password_reset", {"link": link, "by_administrator": True})
    return link


@transaction.atomic
def set_own_password(person: User, password: str, *, purpose: str) -> None:
    """A person chooses their password through an emailed link (an invitation or a reset).
    The link's token was checked by the view; it is spent now, since it covers the old
    password. Any lockout on the account ends."""
    from axes.utils import reset as axes_reset

    validate_password(password, person)
    person.set_password(password)
    person.save(update_fields=["password"])
    with acting(person, route=current_actor().route):
        record(AuditAction.UPDATE, person, purpose=purpose)
    axes_reset(username=person.username)


@transaction.atomic
def deactivate_person(actor: Any, person: User) -> None:
    """Stop an account from signing in (by password or single sign-on). Its roles, history
    and audit entries stay; ``reactivate_person`` undoes it."""
    _require_person(actor, person)
    if person.pk == getattr(actor, "pk", None):
        raise ValidationError({"person": "You cannot deactivate your own account."})
    if hasattr(person, "machine_client"):
        raise ValidationError({"person": "Revoke a machine client from its own page."})
    if not person.is_active:
        return
    person.is_active = False
    person.save(update_fields=["is_active"])
    record(AuditAction.UPDATE, person, purpose="deactivate")


@transaction.atomic
def reactivate_person(actor: Any, person: User) -> None:
    _require_person(actor, person)
    if hasattr(person, "machine_client"):
        raise ValidationError({"person": "A revoked machine client cannot be reactivated."})
    if person.is_active:
        return
    person.is_active = True
    person.save(update_fields=["is_active"])
    record(AuditAction.UPDATE, person, purpose="reactivate")


@transaction.atomic
def unlock_person(actor: Any, person: User) -> int:
    """End a lockout after failed logins (the lockout page tells people to ask for this).
    Returns how many locked (username, address) pairs were cleared."""
    from axes.utils import reset as axes_reset

    _require_person(actor, person)
    cleared = int(axes_reset(username=person.username))
    record(AuditAction.UPDATE, person, purpose="unlock", detail={"cleared": cleared})
    return cleared


@transaction.atomic
def grant_membership(
    actor: Any,
    person: User,
    *,
    role: str,
    organization: Any,
    start_date: dt.date,
    end_date: dt.date | None = None,
) -> Any:
    """Give ``person`` a dated role (the membership's own save is audited)."""
    from proficio.orgs import actions as orgs

    _require_person(actor, person)
    chosen = _require_grantable(actor, role, organization)
    if hasattr(person, "machine_client"):
        raise ValidationError({"person": "A machine client holds the one role it was given."})
    return orgs.grant_role(
        actor,
        user=person,
        role=chosen,
        organization=organization,
        start_date=start_date,
        end_date=end_date,
    )


@transaction.atomic
def end_membership(actor: Any, membership: Any, *, end_date: dt.date) -> None:
    """End a role on ``end_date`` (history is kept: memberships are dated, never deleted)."""
    _require_person(actor, membership.user)
    _require_grantable(actor, membership.role, membership.organization)
    if end_date < membership.start_date:
        raise ValidationError(
            {
                "end_date": f"The role started on {membership.start_date:%Y-%m-%d}; "
                "end it then or later."
            }
        )
    if membership.end_date is not None and membership.end_date <= end_date:
        return
    membership.end_date = end_date
    membership.save(update_fields=["end_date"])


# -- Machine clients (OAuth 2.0 client credentials) --------------------------------------


@dataclass(frozen=True)
class ClientCredentials:
    client: MachineClient
    client_id: str
    client_secret: str  # shown once; only its hash is kept


def _client_username(name: str) -> str:
    base = "client." + (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "api")
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _check_scopes(scopes: Sequence[str]) -> list[str]:
    from proficio.accounts.oauth import all_scopes

    chosen = sorted(set(scopes))
    unknown = [s for s in chosen if s not in all_scopes()]
    if unknown:
        raise ValidationError({"scopes": f"Unknown scope: {unknown[0]}"})
    if not chosen:
        raise ValidationError({"scopes": "Choose at least one scope."})
    return chosen


@transaction.atomic
def register_client(
    actor: Any,
    *,
    name: str,
    organization: Any,
    role: str,
    scopes: Sequence[str],
    end_date: dt.date | None = None,
) -> ClientCredentials:
    """Register a program for client-credentials tokens. It acts as its own account holding
    ``role`` at ``organization`` (a role the administrator may grant there), limited to
    ``scopes``. The secret is returned once and stored only as a hash."""
    from oauth2_provider.generators import generate_client_secret
    from oauth2_provider.models import Application

    from proficio import policy
    from proficio.orgs import actions as orgs

    policy.authorize(actor, policy.Act.CHANGE, policy.Subject.MACHINE_CLIENT)
    chosen = _require_grantable(actor, role, organization)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the client a name people will recognise."})
    if len(name) > 100:
        raise ValidationError({"name": "Keep the name to 100 characters."})
    granted = _check_scopes(scopes)
    today = timezone.localdate()
    if end_date is not None and end_date < today:
        raise ValidationError({"end_date": "The end date has already passed."})
    account = create_user(
        username=_client_username(name), password=None, display_name=f"{name} (API client)"
    )
    orgs.grant_role(
        actor,
        user=account,
        role=chosen,
        organization=organization,
        start_date=today,
        end_date=end_date,
    )
    secret = generate_client_secret()
    application = Application(
        name=name,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        user=account,
        client_secret=secret,
        hash_client_secret=True,
        redirect_uris="",
    )
    application.save()
    client = MachineClient.objects.create(
        application=application,
        user=account,
        organization=organization,
        role=chosen,
        scopes=granted,
        registered_by=actor if getattr(actor, "pk", None) else None,
    )
    record(
        AuditAction.CREATE,
        client,
        purpose="register machine client",
        detail={"role": chosen.value, "scopes": granted, "client_id": application.client_id},
    )
    return ClientCredentials(client, application.client_id, secret)


@transaction.atomic
def new_client_secret(actor: Any, client: MachineClient) -> ClientCredentials:
    """Replace the client's secret; the old one and every token issued with it stop now."""
    from oauth2_provider.generators import generate_client_secret
    from oauth2_provider.models import AccessToken

    from proficio import policy

    policy.authorize(actor, policy.Act.CHANGE, policy.Subject.MACHINE_CLIENT, client)
    if not client.is_active:
        raise ValidationError({"client": "This client has been revoked."})
    secret = generate_client_secret()
    application = client.application
    application.client_secret = secret
    application.save(update_fields=["client_secret"])
    AccessToken.objects.filter(application=application).delete()
    record(AuditAction.UPDATE, client, purpose="new client secret")
    return ClientCredentials(client, application.client_id, secret)


@transaction.atomic
def revoke_client(actor: Any, client: MachineClient) -> None:
    """Stop a client for good: its tokens are deleted, its secret replaced by one nobody
    knows, its account deactivated and its role ended today. The record stays."""
    from oauth2_provider.generators import generate_client_secret
    from oauth2_provider.models import AccessToken

    from proficio import policy

    policy.authorize(actor, policy.Act.CHANGE, policy.Subject.MACHINE_CLIENT, client)
    if not client.is_active:
        return
    today = timezone.localdate()
    client.revoked_at = timezone.now()
    client.save(update_fields=["revoked_at"])
    application = client.application
    application.client_secret = generate_client_secret()
    application.save(update_fields=["client_secret"])
    AccessToken.objects.filter(application=application).delete()
    account = client.user
    account.is_active = False
    account.save(update_fields=["is_active"])
    for membership in account.memberships.filter(end_date__isnull=True):
        membership.end_date = max(today, membership.start_date)
        membership.save(update_fields=["end_date"])
    record(AuditAction.UPDATE, client, purpose="revoke machine client")

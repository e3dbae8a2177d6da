"""The only code that writes accounts."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from proficio.accounts.models import User


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

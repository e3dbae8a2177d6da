"""Issuing keys: Ed25519 key pairs whose secrets are encrypted at rest (Fernet, with a key
from ``PROFICIO_CREDENTIALS_KEY``, or for the demo a key generated once into a file under
the data directory), and the DIDs they are published under."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from proficio.core.credentials import did
from proficio.orgs.models import Organization


def _fernet() -> Fernet:
    secret: str | bytes = settings.PROFICIO_CREDENTIALS_KEY
    if not secret:
        path = Path(settings.PROFICIO_CREDENTIALS_KEY_FILE)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(Fernet.generate_key())
        secret = path.read_bytes().strip()
    try:
        return Fernet(secret)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "PROFICIO_CREDENTIALS_KEY must be a Fernet key (32 bytes, base64url)."
        ) from exc


@dataclass(frozen=True)
class KeyPair:
    secret: bytes
    public: bytes


def generate() -> KeyPair:
    key = Ed25519PrivateKey.generate()
    return KeyPair(
        key.private_bytes(ser.Encoding.Raw, ser.PrivateFormat.Raw, ser.NoEncryption()),
        key.public_key().public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw),
    )


def seal(secret: bytes) -> str:
    return _fernet().encrypt(secret).decode("ascii")


def unseal(token: str) -> bytes:
    try:
        return _fernet().decrypt(token.encode("ascii"))
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "An issuing key cannot be decrypted: PROFICIO_CREDENTIALS_KEY is not the key it "
            "was encrypted with."
        ) from exc


def domain() -> str:
    return str(settings.PROFICIO_CREDENTIALS_DOMAIN or "")


def issuer_did(org: Organization, public: bytes) -> str:
    """did:web when the deployment has a domain (the root issuer at the domain itself, the
    others under /credentials/<code>/), otherwise the did:key of the organization's key."""
    host = domain()
    if not host:
        return did.did_key(public)
    if org.code == settings.PROFICIO_CREDENTIALS_ROOT_ISSUER:
        return did.did_web(host)
    return did.did_web(host, ["credentials", org.code])


def method_id(issuer: str, public: bytes, number: int) -> str:
    if issuer.startswith("did:key:"):
        return did.did_key_method(public)
    return f"{issuer}#key-{number}"

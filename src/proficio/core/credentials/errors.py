"""Errors of the credential kernel. Each message is plain language a person can act on."""

from __future__ import annotations


class CredentialError(ValueError):
    """Something about a credential, a key or an encoding is wrong."""


class ContextNotHeld(CredentialError):
    """A JSON-LD context this installation does not hold locally (never fetched)."""

    def __init__(self, url: str) -> None:
        super().__init__(
            f"The credential uses the JSON-LD context {url}, which this installation does not "
            "hold. Proficio never fetches contexts from the internet, so it cannot check it."
        )
        self.url = url

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.oidc_provider import running_provider


@pytest.fixture(scope="session")
def oidc_issuer() -> Iterator[str]:
    """A real OpenID provider (node's oidc-provider) for the whole session."""
    with running_provider(["http://testserver/accounts/sso/callback/"]) as issuer:
        yield issuer


@pytest.fixture
def sso(settings, oidc_issuer):
    from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET

    settings.PROFICIO_OIDC_ISSUER = oidc_issuer
    settings.PROFICIO_OIDC_NAME = "Riverbend Google Workspace"
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    return oidc_issuer

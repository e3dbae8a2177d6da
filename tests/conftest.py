"""The named test world, built once per session through the real actions.

It is the demo district (small), which holds Ms. Rivera, Ana and Ben and one person
per role, plus a second district (Lakeside) so that "other organization" can be tested.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from tests.world import build_world

    with django_db_blocker.unblock():
        build_world()


@pytest.fixture
def world(db):
    from tests.world import WorldView

    return WorldView()


@pytest.fixture(autouse=True)
def _english_by_default():
    """Start every test in the default language: a request in Spanish earlier in the same
    worker leaves its language active on the thread."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()

"""Personas and the small city every test starts from."""

from __future__ import annotations

import os

import pytest
from django.contrib.auth.models import User
from hypothesis import settings as hypothesis_settings

from tests.factories import City, make_user, small_city

hypothesis_settings.register_profile("dev", max_examples=25, deadline=None)
hypothesis_settings.register_profile("ci", max_examples=60, deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")


@pytest.fixture
def city(db: None) -> City:
    return small_city()


@pytest.fixture
def technician(db: None) -> User:
    return make_user("technician", username="tina")


@pytest.fixture
def supervisor(db: None) -> User:
    return make_user("supervisor", username="sam")


@pytest.fixture
def cashier(db: None) -> User:
    return make_user("cashier", username="cass")


@pytest.fixture
def collections_officer(db: None) -> User:
    return make_user("collections", username="cole")


@pytest.fixture
def auditor(db: None) -> User:
    return make_user("auditor", username="audrey")


@pytest.fixture
def administrator(db: None) -> User:
    return make_user("administrator", username="ada")


@pytest.fixture
def biller_parks(city: City) -> User:
    return make_user("department biller", username="bill", departments=[city.parks])


@pytest.fixture
def outsider(db: None) -> User:
    """Signed in, but holds no role."""
    return make_user(None, username="otto")

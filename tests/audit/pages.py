"""Fixtures for page tests: a signed-in client per persona."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client


@pytest.fixture
def client_for(db: None) -> Callable[[User], Client]:
    """A test client signed in as `user`."""

    def sign_in(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return sign_in

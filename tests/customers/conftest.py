"""Helpers for the customer page tests."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def client_for():
    """A test client signed in as `user`."""

    def sign_in(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return sign_in

"""Helpers for the report tests: a fixed today and a signed-in client."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.test import Client

TODAY = date(2026, 5, 15)
NOON_TODAY = datetime(2026, 5, 15, 19, 0, tzinfo=UTC)  # noon in California


@pytest.fixture
def today():
    """Every report test runs on 2026-05-15 unless it travels elsewhere."""
    with time_machine.travel(NOON_TODAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def client_for():
    """A test client signed in as `user`."""

    def sign_in(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return sign_in

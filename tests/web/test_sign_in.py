"""Signing in: every page needs it, failures are throttled, and both are audit events."""

from __future__ import annotations

import pytest
from django.test import Client

from fiscus.audit.models import AuditEvent
from tests.factories import make_user


@pytest.fixture
def tina(db):
    user = make_user("technician", username="tina")
    user.set_password("correct horse battery")
    user.save()
    return user


def test_a_page_sends_a_visitor_to_sign_in_first(db):
    response = Client().get("/customers/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/customers/"


def test_signing_in_lands_on_the_dashboard_and_is_an_audit_event(tina):
    client = Client()
    response = client.post("/login/", {"username": "tina", "password": "correct horse battery"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    event = AuditEvent.objects.get(action="auth.login")
    assert event.actor == tina


def test_five_failed_sign_ins_lock_the_account_even_against_the_right_password(tina, settings):
    client = Client()
    for _ in range(5):
        response = client.post("/login/", {"username": "tina", "password": "wrong"})
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == 5
    response = client.post("/login/", {"username": "tina", "password": "correct horse battery"})
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content
    assert "_auth_user_id" not in client.session


def test_signing_out_ends_the_session(tina):
    client = Client()
    client.force_login(tina)
    client.post("/logout/")
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.logout", actor=tina).exists()


def test_sessions_expire_when_idle_and_when_the_browser_closes(settings):
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_AGE == 480 * 60

from django.contrib.auth.models import User
from django.test import override_settings
from rest_framework.test import APIClient

from fiscus.audit.models import AuditEvent

TOKEN = "/api/v1/token/"
CUSTOMERS = "/api/v1/customers/"


def test_a_username_and_password_get_a_token_that_opens_the_api(technician: User) -> None:
    client = APIClient()
    response = client.post(
        TOKEN, {"username": "tina", "password": "pw-for-tests-only"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(CUSTOMERS).status_code == 200


def test_issuing_a_token_is_an_audit_event(technician: User) -> None:
    APIClient().post(TOKEN, {"username": "tina", "password": "pw-for-tests-only"}, format="json")
    event = AuditEvent.objects.get(action="api.token_issued")
    assert event.actor == technician


def test_a_wrong_password_gets_no_token(technician: User) -> None:
    response = APIClient().post(TOKEN, {"username": "tina", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()
    assert not AuditEvent.objects.filter(action="api.token_issued").exists()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_wrong_passwords_lock_the_account_out_even_with_the_right_one(
    technician: User,
) -> None:
    client = APIClient()
    for _ in range(3):
        client.post(TOKEN, {"username": "tina", "password": "nope"}, format="json")

    response = client.post(
        TOKEN, {"username": "tina", "password": "pw-for-tests-only"}, format="json"
    )
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert not AuditEvent.objects.filter(action="api.token_issued").exists()


def test_a_request_without_credentials_is_unauthorized(db: None) -> None:
    response = APIClient().get(CUSTOMERS)
    assert response.status_code == 401


def test_a_made_up_token_is_unauthorized(db: None) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert client.get(CUSTOMERS).status_code == 401

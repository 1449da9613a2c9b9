"""Payment terms and memo reason codes: a supervisor adds and edits them."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from fiscus.audit.models import AuditEvent
from fiscus.billing.models import PaymentTerms, ReasonCode
from tests.factories import City


def test_a_supervisor_adds_net_45_terms(client: Client, supervisor: User) -> None:
    client.force_login(supervisor)

    response = client.post(
        reverse("billing:terms_new"),
        {"code": "net45", "name": "Net 45", "days": "45", "active": "on"},
    )

    assert response.status_code == 302
    terms = PaymentTerms.objects.get(code="net45")
    assert (terms.name, terms.days, terms.active) == ("Net 45", 45, True)
    assert terms.history.get().history_user == supervisor  # type: ignore[attr-defined]
    assert "Net 45" in client.get(reverse("billing:terms")).content.decode()


def test_a_supervisor_turns_off_terms_and_the_change_is_audited(
    client: Client, supervisor: User
) -> None:
    client.force_login(supervisor)

    client.post(
        reverse("billing:terms_edit", args=["net60"]),
        {"code": "net60", "name": "Net 60", "days": "60"},
    )

    assert PaymentTerms.objects.get(code="net60").active is False
    event = AuditEvent.objects.get(action="payment_terms.updated")
    assert event.detail["after"] == {"active": "False"}


def test_a_duplicate_terms_code_is_refused_beside_the_code(
    client: Client, supervisor: User
) -> None:
    client.force_login(supervisor)

    page = client.post(
        reverse("billing:terms_new"), {"code": "NET30", "name": "Thirty", "days": "30"}
    )

    assert "Terms NET30 already exists." in page.content.decode()


def test_a_supervisor_adds_a_reason_posting_to_a_contra_account(
    client: Client, supervisor: User, city: City
) -> None:
    client.force_login(supervisor)

    response = client.post(
        reverse("billing:reason_new"),
        {
            "code": "DAMAGE",
            "name": "Damage waived",
            "kind": "credit",
            "account": city.revenue().pk,
            "active": "on",
        },
    )

    assert response.status_code == 302
    reason = ReasonCode.objects.get(code="DAMAGE")
    assert (reason.kind, reason.account) == ("credit", city.revenue())
    assert AuditEvent.objects.filter(action="reason_code.created").count() == 1


def test_a_supervisor_edits_a_reasons_name(client: Client, supervisor: User, city: City) -> None:
    client.force_login(supervisor)

    client.post(
        reverse("billing:reason_edit", args=["GOODWILL"]),
        {
            "code": "GOODWILL",
            "name": "Goodwill credit",
            "kind": "credit",
            "account": city.revenue().pk,
            "active": "on",
        },
    )

    assert ReasonCode.objects.get(code="GOODWILL").name == "Goodwill credit"


def test_a_technician_reads_terms_and_reasons_but_may_not_change_them(
    client: Client, technician: User
) -> None:
    client.force_login(technician)

    assert client.get(reverse("billing:terms")).status_code == 200
    assert client.get(reverse("billing:reasons")).status_code == 200
    assert client.get(reverse("billing:terms_new")).status_code == 403
    assert client.get(reverse("billing:terms_edit", args=["net30"])).status_code == 403
    assert client.get(reverse("billing:reason_new")).status_code == 403
    assert client.get(reverse("billing:reason_edit", args=["BILLERR"])).status_code == 403


def test_someone_with_no_role_may_not_read_set_up(client: Client, outsider: User) -> None:
    client.force_login(outsider)

    assert client.get(reverse("billing:terms")).status_code == 403


def test_a_supervisor_opens_every_set_up_form(client: Client, supervisor: User) -> None:
    client.force_login(supervisor)

    for url in (
        reverse("billing:charge_code_new"),
        reverse("billing:terms_new"),
        reverse("billing:terms_edit", args=["net30"]),
        reverse("billing:reason_new"),
        reverse("billing:reason_edit", args=["BILLERR"]),
        reverse("billing:memos"),
        reverse("billing:register"),
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert "autofocus" in page.content.decode() or url.endswith("/memos/"), url

from django.utils import timezone

from fiscus.audit.models import AuditEvent


def test_an_auditor_sees_their_own_sign_in(auditor, client_for):
    response = client_for(auditor).get("/audit/")
    html = response.content.decode()

    assert response.status_code == 200
    events = list(response.context["table"].data)
    assert [(e.action, e.actor_name) for e in events] == [("auth.login", "audrey")]
    assert "auth.login" in html and "audrey" in html


def test_events_filter_by_action_and_actor(auditor, supervisor, client_for):
    client = client_for(auditor)
    client_for(supervisor)
    logins = client.get("/audit/?action=auth.login&actor=sam").context["table"].data
    assert [e.actor_name for e in logins] == ["sam"]
    today = timezone.localdate().isoformat()
    assert len(client.get(f"/audit/?date_from={today}").context["table"].data) == 2
    assert list(client.get("/audit/?date_to=2000-01-01").context["table"].data) == []


def test_htmx_gets_only_the_rows(auditor, client_for):
    response = client_for(auditor).get("/audit/?action=auth.login", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="rows">')
    assert "<h1>" not in html and "auth.login" in html


def test_the_export_holds_what_the_list_shows_and_is_itself_audited(auditor, client_for):
    response = client_for(auditor).get("/audit/?action=auth.login&export=csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "When,Who,Action,Object type,Object id,Object,Detail,IP"
    assert [line.split(",")[1:3] for line in lines[1:]] == [["audrey", "auth.login"]]
    assert AuditEvent.objects.filter(action="report.exported", actor_name="audrey").exists()


def test_a_cashier_may_not_see_the_audit_pages(cashier, client_for):
    client = client_for(cashier)
    for url in ("/audit/", "/audit/history/", "/audit/verify/"):
        assert client.get(url).status_code == 403

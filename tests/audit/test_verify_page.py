from fiscus.audit.models import AuditEvent
from fiscus.audit.references import unchecked_references
from tests.audit.test_verify_command import point_posted_by_at_nobody, tamper_with_debit
from tests.factories import customer, invoice


def test_an_auditor_verifies_a_clean_ledger(city, auditor, client_for):
    invoice(city, customer(city.clerk), "125.00")
    client = client_for(auditor)

    assert "Verify the ledgers now" in client.get("/audit/verify/").content.decode()
    response = client.post("/audit/verify/")
    html = response.content.decode()
    assert "OK: both ledgers verify and every reference resolves." in html
    assert [(r.name, r.count, r.ok) for r in response.context["results"]] == [
        ("General ledger", 1, True),
        ("Receivable ledger", 1, True),
        ("References", len(unchecked_references()), True),
    ]
    assert AuditEvent.objects.get(action="ledger.verified").detail["ok"] is True


def test_the_page_names_the_first_entry_that_does_not_verify(city, supervisor, client_for):
    item = invoice(city, customer(city.clerk), "125.00")
    entry = item.journal_entry
    tamper_with_debit(entry.lines.get(debit__gt=0), "1.00")

    html = client_for(supervisor).post("/audit/verify/").content.decode()

    assert "The ledgers do not verify." in html
    assert f"journal entry {entry.number} (position 1): its contents do not match its hash" in html


def test_the_page_names_a_reference_that_points_at_nothing(city, supervisor, client_for):
    item = invoice(city, customer(city.clerk), "125.00")
    point_posted_by_at_nobody(item.pk)

    html = client_for(supervisor).post("/audit/verify/").content.decode()

    assert "The ledgers do not verify." in html
    assert (
        "item posted by: 1 row refers to a user that does not exist "
        f"(receivables_item.posted_by_id, first id {item.pk})"
    ) in html

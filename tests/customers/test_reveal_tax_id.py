from fiscus.audit.models import AuditEvent
from fiscus.customers.models import Customer
from fiscus.customers.services import create_customer


def make_taxpayer(by):
    return create_customer(by=by, fields={"name": "Terry Taxpayer"}, tax_id="123-45-6789")


def test_the_tax_id_is_stored_encrypted_and_shown_masked(technician, client_for):
    who = make_taxpayer(technician)
    raw = Customer.objects.filter(pk=who.pk).values_list("tax_id_encrypted", flat=True).get()
    assert "6789" not in raw and "123456789" not in raw
    html = client_for(technician).get(f"/customers/{who.number}/").content.decode()
    assert "•••-••-6789" in html and "123-45" not in html


def test_a_technician_may_not_see_the_full_tax_id(technician, client_for):
    who = make_taxpayer(technician)
    page = client_for(technician).get(f"/customers/{who.number}/").content.decode()
    assert "reveal" not in page.lower() or "tax-id/" not in page
    response = client_for(technician).post(f"/customers/{who.number}/tax-id/")
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="customer.tax_id_unmasked").exists()


def test_a_supervisor_sees_the_tax_id_and_the_unmasking_is_audited(
    technician, supervisor, client_for
):
    who = make_taxpayer(technician)
    response = client_for(supervisor).post(
        f"/customers/{who.number}/tax-id/", HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "123-45-6789" in html and "<html" not in html
    event = AuditEvent.objects.get(action="customer.tax_id_unmasked")
    assert (event.actor, event.object_id) == (supervisor, str(who.pk))


def test_without_javascript_the_page_is_shown_with_the_tax_id(technician, supervisor, client_for):
    who = make_taxpayer(technician)
    response = client_for(supervisor).post(f"/customers/{who.number}/tax-id/")
    html = response.content.decode()
    assert "123-45-6789" in html and "Terry Taxpayer" in html and "<html" in html


def test_showing_the_tax_id_needs_a_post(technician, supervisor, client_for):
    who = make_taxpayer(technician)
    assert client_for(supervisor).get(f"/customers/{who.number}/tax-id/").status_code == 405

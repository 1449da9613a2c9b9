from fiscus.customers.services import create_customer, save_address, update_customer


def test_the_history_page_shows_who_changed_what_from_before_to_after(
    city, technician, supervisor, client_for
):
    who = create_customer(
        by=technician,
        fields={"name": "Harper History", "phone": "555-0001"},
        tax_id="123456789",
        address={"line1": "1 First St", "city": "Springfield", "postal_code": "90210"},
    )
    form = {
        "name": who.name,
        "type": "person",
        "department": city.parks.pk,
        "phone": "555-0002",
        "terms": "net30",
        "statement_cycle": "monthly",
        "active": "on",
    }
    assert client_for(supervisor).post(f"/customers/{who.number}/edit/", form).status_code == 302
    update_customer(who, by=supervisor, changes={}, tax_id="222334444")
    save_address(who, by=technician, fields={"line1": "2 Second St"}, address=who.addresses.get())

    response = client_for(technician).get(f"/customers/{who.number}/history/")
    html = response.content.decode()

    assert response.status_code == 200
    assert "phone: 555-0001 → 555-0002" in html
    assert "department: — → Parks and Recreation" in html
    assert "address: 1 First St → 2 Second St" in html
    assert "tax id: •••-••-6789 → •••-••-4444" in html
    assert "sam" in html
    assert "tax_id_encrypted" not in html and "123456789" not in html
    assert who.tax_id_digest not in html


def test_a_biller_of_another_department_gets_404(city, technician, biller_parks, client_for):
    who = create_customer(by=technician, fields={"name": "Works", "department": city.works})
    assert client_for(biller_parks).get(f"/customers/{who.number}/history/").status_code == 404

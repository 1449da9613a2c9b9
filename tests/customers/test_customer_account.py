from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from fiscus.receivables.models import Item
from fiscus.receivables.services import ItemSpec, Offset, apply_credit, post_items
from tests.factories import customer, invoice, payment

TODAY = datetime(2026, 5, 15, 19, 0, tzinfo=UTC)  # noon in California


@pytest.fixture
def account(city, technician):
    """An invoice paid in part, another unpaid, and an unapplied payment; today is 2026-05-15."""
    with time_machine.travel(TODAY, tick=False):
        who = customer(technician, "Dana Ledger", phone="555-0100", email="dana@example.org")
        march = invoice(city, who, "300.00", on=date(2026, 3, 2))  # due 2026-04-01
        april = invoice(city, who, "45.50", on=date(2026, 4, 20))  # due 2026-05-20
        paid = payment(city, who, "100.00", on=date(2026, 3, 10))
        apply_credit(paid, march, Decimal("100.00"), on=date(2026, 3, 10), by=city.clerk)
        payment(city, who, "20.25", on=date(2026, 4, 25))
        yield who, march, april


def test_the_account_shows_open_items_with_days_past_due(account, technician, client_for):
    who, march, april = account
    with time_machine.travel(TODAY, tick=False):
        response = client_for(technician).get(f"/customers/{who.number}/")
    html = response.content.decode()
    assert response.status_code == 200
    rows = {r.item.number: r for r in response.context["account"].open_items}
    assert rows[march.number].item.open_amount == Decimal("200.00")
    assert rows[march.number].days_past_due == 44
    assert rows[april.number].days_past_due == 0
    assert f'id="item-{march.number}"' in html
    assert response.context["account"].balance == Decimal("225.25")
    assert "225.25" in html


def test_the_ledger_history_has_a_running_balance_newest_first(account, technician, client_for):
    who, march, april = account
    with time_machine.travel(TODAY, tick=False):
        response = client_for(technician).get(f"/customers/{who.number}/")
    balances = [row.balance for row in response.context["account"].history]
    assert balances[0] == Decimal("225.25")
    assert balances[-1] == Decimal("300.00")
    assert "older rows exist" not in response.content.decode()


def test_the_aging_buckets_come_with_amounts_to_the_cent(account, technician, client_for):
    who, march, april = account
    with time_machine.travel(TODAY, tick=False):
        response = client_for(technician).get(f"/customers/{who.number}/")
    buckets = dict(response.context["account"].buckets)
    assert buckets == {
        "Not yet due": Decimal("45.50"),
        "1–30": Decimal("0.00"),
        "31–60": Decimal("200.00"),
        "61–90": Decimal("0.00"),
        "91–120": Decimal("0.00"),
        "Over 120": Decimal("0.00"),
        "Unapplied credits": Decimal("-20.25"),
    }
    html = response.content.decode()
    assert '<th scope="row">31–60</th><td class="num">200.00</td>' in html
    assert "-20.25" in html


def test_the_account_page_reads_a_fixed_number_of_queries_and_shows_the_newest_200_rows(
    city, technician, client_for, django_assert_max_num_queries
):
    who = customer(technician, "Busy Account")
    specs = [
        ItemSpec(
            customer=who,
            kind=Item.Kind.INVOICE,
            amount=Decimal("10.00"),
            fund=city.general,
            department=city.parks,
            document_date=date(2026, 3, 2),
            due_date=date(2026, 4, 1),
            offsets=[Offset(city.revenue(), Decimal("10.00"))],
        )
        for _ in range(205)
    ]
    post_items(specs, on=date(2026, 3, 2), by=city.clerk, source="test", summarize=True)
    client = client_for(technician)
    # 23: the page's own reads (its discharged write-offs one of them), the session and user,
    # the review-queue and unapplied counts
    with django_assert_max_num_queries(23):
        response = client.get(f"/customers/{who.number}/")
    account = response.context["account"]
    assert (len(account.open_items), account.open_count) == (100, 205)
    assert account.balance == Decimal("2050.00")
    assert len(account.history) == 200 and account.history[0].balance == Decimal("2050.00")
    body = response.content.decode()
    assert "older rows exist" in body and "Show all 205 open items" in body
    everything = client.get(f"/customers/{who.number}/?open=all").context["account"]
    assert len(everything.open_items) == 205


def test_a_biller_of_parks_gets_404_for_a_works_only_customer(
    city, technician, biller_parks, client_for
):
    works = customer(technician, "Works Only", department=city.works)
    invoice(city, works, "50.00", department=city.works)
    assert client_for(biller_parks).get(f"/customers/{works.number}/").status_code == 404


def test_a_biller_of_parks_sees_a_customer_billed_by_parks(
    city, technician, biller_parks, client_for
):
    parks = customer(technician, "Parks Renter")
    invoice(city, parks, "50.00", department=city.parks)
    assert client_for(biller_parks).get(f"/customers/{parks.number}/").status_code == 200


def test_someone_without_a_role_may_not_open_an_account(city, technician, outsider, client_for):
    who = customer(technician)
    assert client_for(outsider).get(f"/customers/{who.number}/").status_code == 403

from datetime import date
from decimal import Decimal

from fiscus.ledger.models import JournalEntry
from fiscus.ledger.services import Line, post_entry, reverse_entry
from fiscus.organization.models import Account
from fiscus.organization.services import account, create_fund
from tests.audit.pages import client_for  # noqa: F401
from tests.factories import customer, invoice


def posted_invoice(city, amount="125.00", on=date(2026, 3, 2)):
    item = invoice(city, customer(city.clerk, "Ada Lovelace"), amount, on=on)
    return item, JournalEntry.objects.get(pk=item.journal_entry_id)


def test_the_journal_list_shows_an_invoices_entry_and_filters_by_date(
    city,
    technician,
    client_for,  # noqa: F811
):
    _, entry = posted_invoice(city)
    client = client_for(technician)

    page = client.get("/ledger/")
    assert page.status_code == 200
    assert [e.number for e in page.context["table"].data] == [entry.number]
    assert "$125.00" in page.content.decode()
    later = client.get("/ledger/?date_from=2026-03-03")
    assert list(later.context["table"].data) == []


def test_the_journal_list_filters_by_account(city, technician, client_for):  # noqa: F811
    _, entry = posted_invoice(city)
    from fiscus.organization.models import Account

    refunds = Account.objects.get(role="refunds_payable")
    ar = Account.objects.get(role="ar_control")
    client = client_for(technician)
    assert [e.number for e in client.get(f"/ledger/?account={ar.pk}").context["table"].data] == [
        entry.number
    ]
    assert list(client.get(f"/ledger/?account={refunds.pk}").context["table"].data) == []


def test_an_entry_shows_its_lines_totals_hashes_and_its_reversal(city, technician, client_for):  # noqa: F811
    cash, undeposited = account(Account.Role.CASH), account(Account.Role.UNDEPOSITED_CASH)
    entry = post_entry(
        on=date(2026, 3, 2),
        memo="Deposit of 03/02",
        by=city.clerk,
        lines=[
            Line.dr(cash, city.general, Decimal("125.00")),
            Line.cr(undeposited, city.general, Decimal("125.00")),
        ],
    )
    reversal = reverse_entry(entry, on=date(2026, 3, 5), by=city.clerk, reason="keyed twice")
    client = client_for(technician)

    response = client.get(f"/ledger/{entry.number}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "1010 Cash in bank" in html and "1015 Undeposited cash" in html
    assert [(ln.debit, ln.credit) for ln in response.context["lines"]] == [
        (Decimal("125.00"), Decimal("0.00")),
        (Decimal("0.00"), Decimal("125.00")),
    ]
    assert response.context["total_debit"] == response.context["total_credit"] == Decimal("125.00")
    assert entry.hash in html and entry.prev_hash in html
    assert f'Reversed by</dt><dd><a href="/ledger/{reversal.number}/"' in html
    assert "<th>Fund</th>" not in html
    back = client.get(f"/ledger/{reversal.number}/").content.decode()
    assert f'Reverses</dt><dd><a href="/ledger/{entry.number}/"' in back


def test_an_entry_shows_the_fund_when_the_agency_keeps_funds(city, supervisor, client_for):  # noqa: F811
    create_fund({"code": "500", "name": "Water Enterprise", "active": True}, by=supervisor)
    _, entry = posted_invoice(city)
    html = client_for(supervisor).get(f"/ledger/{entry.number}/").content.decode()
    assert "<th>Fund</th>" in html and "100 General Fund" in html


def test_the_trial_balance_shows_balances_and_debits_equal_credits(city, auditor, client_for):  # noqa: F811
    posted_invoice(city, "125.00")
    posted_invoice(city, "74.50", on=date(2026, 4, 1))
    client = client_for(auditor)

    march = client.get("/ledger/trial-balance/?as_of=2026-03-31")
    rows = [(r.account.code, r.debit, r.credit) for r in march.context["rows"]]
    assert rows == [
        ("1200", Decimal("125.00"), Decimal("0.00")),
        ("4000", Decimal("0.00"), Decimal("125.00")),
    ]
    april = client.get("/ledger/trial-balance/?as_of=2026-04-30")
    assert april.context["total_debit"] == april.context["total_credit"] == Decimal("199.50")
    html = april.content.decode()
    assert "Debits equal credits." in html
    assert '<td class="num">199.50</td><td class="num">199.50</td>' in html


def test_the_trial_balance_exports_to_csv_with_its_totals(city, auditor, client_for):  # noqa: F811
    posted_invoice(city, "125.00")
    response = client_for(auditor).get("/ledger/trial-balance/?as_of=2026-03-31&export=csv")
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().splitlines() == [
        "Account,Name,Debit,Credit",
        "1200,Accounts receivable control,125.00,0.00",
        "4000,Miscellaneous revenue,0.00,125.00",
        "Total,,125.00,125.00",
    ]


def test_the_journal_list_exports_what_it_shows(city, technician, client_for):  # noqa: F811
    _, entry = posted_invoice(city)
    response = client_for(technician).get("/ledger/?export=xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="journal-entries.xlsx"'


def test_a_cashier_and_a_biller_may_not_see_the_ledger(city, cashier, biller_parks, client_for):  # noqa: F811
    _, entry = posted_invoice(city)
    for user in (cashier, biller_parks):
        client = client_for(user)
        assert client.get("/ledger/").status_code == 403
        assert client.get(f"/ledger/{entry.number}/").status_code == 403
        assert client.get("/ledger/trial-balance/").status_code == 403

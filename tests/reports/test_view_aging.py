"""The aging page: who may see it, what it shows, and how it pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fiscus.receivables.services import post_items
from tests.factories import customer, invoice, make_user, payment


def test_the_auditor_sees_the_summary_with_totals_and_the_tie_out(city, auditor, client_for, today):
    pat = customer(city.clerk, "Dana Ledger")
    invoice(city, pat, "300.00", on=date(2026, 3, 2))
    payment(city, pat, "20.25", on=date(2026, 4, 25))

    response = client_for(auditor).get("/reports/aging/")

    html = response.content.decode()
    assert response.status_code == 200
    report = response.context["report"]
    assert report.as_of == date(2026, 5, 15)
    assert [(r.name, r.total) for r in report.rows] == [(pat.name, Decimal("279.75"))]
    assert "Receivable ledger <strong>$279.75</strong>" in html
    assert "= AR control <strong>$279.75</strong>" in html
    assert 'class="ok">ties<' in html
    assert "31–60" in html and "Unapplied credits" in html
    assert "-20.25" in html


def test_someone_without_a_role_is_refused(outsider, client_for, db):
    assert client_for(outsider).get("/reports/aging/").status_code == 403
    assert client_for(outsider).get("/reports/").status_code == 403


def test_a_type_filter_hides_the_tie_out_and_says_why(city, technician, client_for, today):
    invoice(city, customer(city.clerk), "10.00")

    response = client_for(technician).get("/reports/aging/", {"customer_type": "business"})

    html = response.content.decode()
    assert response.context["report"].rows == []
    assert "applies only to the whole ledger" in html
    assert "AR control <strong>" not in html


def test_a_past_date_and_invoice_date_basis_come_from_the_url(city, technician, client_for, today):
    pat = customer(city.clerk)
    invoice(city, pat, "60.00", on=date(2026, 3, 1), due_in=60)  # due 2026-04-30

    response = client_for(technician).get(
        "/reports/aging/", {"as_of": "2026-05-10", "basis": "document"}
    )

    report = response.context["report"]
    assert (report.as_of, report.basis) == (date(2026, 5, 10), "document")
    assert report.rows[0].buckets[3] == Decimal("60.00")  # 70 days since the invoice date
    assert "Days since the invoice date" in response.content.decode()


def test_a_bad_date_is_shown_beside_the_field_and_no_report(technician, client_for, db):
    response = client_for(technician).get("/reports/aging/", {"as_of": "yesterday-ish"})

    assert response.status_code == 200
    assert "report" not in response.context
    assert response.context["form"].errors["as_of"] == ["Enter a valid date."]


def test_the_detail_view_lists_items(city, technician, client_for, today):
    pat = customer(city.clerk)
    bill = invoice(city, pat, "300.00", on=date(2026, 3, 2))

    response = client_for(technician).get("/reports/aging/", {"view": "detail"})

    html = response.content.decode()
    assert bill.number in html
    assert [r.number for r in response.context["page"]] == [bill.number]
    assert "Days past due" in html


def test_a_biller_sees_only_their_departments_items(city, biller_parks, client_for, today):
    pat = customer(city.clerk)
    invoice(city, pat, "11.00", department=city.parks)
    invoice(city, pat, "22.00", department=city.works)

    response = client_for(biller_parks).get("/reports/aging/")

    report = response.context["report"]
    assert report.total == Decimal("11.00")
    assert report.tie_out is not None and report.tie_out.subledger == Decimal("11.00")
    detail = client_for(biller_parks).get("/reports/aging/", {"view": "detail"})
    assert [r.open_amount for r in detail.context["page"]] == [Decimal("11.00")]


def test_a_biller_cannot_widen_the_report_to_another_department(
    city, biller_parks, client_for, today
):
    invoice(city, customer(city.clerk), "22.00", department=city.works)

    response = client_for(biller_parks).get("/reports/aging/", {"department": city.works.pk})

    assert "report" not in response.context
    assert response.context["form"].errors["department"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    export = client_for(biller_parks).get(
        "/reports/aging/", {"department": city.works.pk, "export": "csv"}
    )
    assert "22.00" not in export.content.decode()


def test_a_biller_of_another_department_sees_nothing_of_parks(city, client_for, today):
    biller_works = make_user("department biller", departments=[city.works])
    invoice(city, customer(city.clerk), "11.00", department=city.parks)

    response = client_for(biller_works).get("/reports/aging/")

    assert response.context["report"].rows == []
    assert response.context["report"].total == Decimal("0.00")


def test_rows_are_paged_by_100_but_the_totals_cover_every_page(city, technician, client_for, today):
    from fiscus.organization.models import Account
    from fiscus.organization.services import account
    from fiscus.receivables.models import Item
    from fiscus.receivables.services import ItemSpec, Offset

    revenue = account(Account.Role.REVENUE)
    people = [customer(city.clerk) for _ in range(101)]
    post_items(
        [
            ItemSpec(
                customer=who,
                kind=Item.Kind.INVOICE,
                amount=Decimal("1.01"),
                fund=city.general,
                department=city.parks,
                document_date=date(2026, 4, 1),
                due_date=date(2026, 5, 1),
                offsets=[Offset(revenue, Decimal("1.01"))],
            )
            for who in people
        ],
        on=date(2026, 4, 1),
        by=city.clerk,
        source="test",
    )

    first = client_for(technician).get("/reports/aging/")
    second = client_for(technician).get("/reports/aging/", {"page": 2})

    assert len(first.context["page"]) == 100
    assert len(second.context["page"]) == 1
    assert first.context["report"].total == Decimal("102.01")
    assert "Page 1 of 2" in first.content.decode()
    assert "102.01" in second.content.decode()


def test_htmx_gets_only_the_report(city, technician, client_for, today):
    invoice(city, customer(city.clerk), "10.00")

    response = client_for(technician).get("/reports/aging/", HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert 'id="aging"' in html
    assert "<form" not in html and "<html" not in html
    assert "HX-Request" in response["Vary"]


def test_the_reports_index_lists_the_aging_report(auditor, client_for, db):
    response = client_for(auditor).get("/reports/")

    assert response.status_code == 200
    assert 'href="/reports/aging/"' in response.content.decode()

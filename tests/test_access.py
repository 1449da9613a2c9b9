"""Every URL, every role: each page answers as the capability table says (DESIGN §5).

The walker finds every route in the URL configuration. Pages declare their capability with
`@requires(...)`; a role that has it gets the page (200, or a redirect / 405 for actions that
take POST only), a role without it gets 403, and nobody signed in is sent to the login page.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from fiscus.organization.roles import CAPABILITIES, Role
from tests.factories import City, customer, invoice, make_user, payment

# Routes that need no capability: signing in and out, and the API (tested in tests/api).
PUBLIC = {"login", "logout"}
API_PREFIX = "api/v1/"


def _walk(
    patterns: list[Any], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, Any]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern) and p.name:
            name = f"{namespace}:{p.name}" if namespace else p.name
            yield prefix + str(p.pattern), name, p.callback


def routes() -> list[tuple[str, str, Any]]:
    return [r for r in _walk(get_resolver().url_patterns) if not r[0].startswith(API_PREFIX)]


def capability_of(callback: Any) -> str | None:
    view = callback
    while view is not None:
        cap = getattr(view, "capability", None)
        if cap:
            return str(cap)
        view = getattr(view, "__wrapped__", None)
    return None


def test_every_page_declares_the_capability_it_needs():
    missing = [name for _, name, cb in routes() if name not in PUBLIC and not capability_of(cb)]
    assert missing == []
    unknown = [c for _, _, cb in routes() if (c := capability_of(cb)) and c not in CAPABILITIES]
    assert unknown == []


def _kwargs_for(route: str, name: str, data: dict[str, Any]) -> dict[str, Any] | None:
    """Arguments for a route with parameters, from the data the test created."""
    import re

    params = re.findall(r"<(?:\w+:)?(\w+)>", route)
    if not params:
        return {}
    table = data["by_route"]
    if name in table:
        return table[name]
    out = {}
    for param in params:
        if param not in data["by_param"]:
            return None
        out[param] = data["by_param"][param]
    return out


@pytest.fixture
def world(city: City, settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path
    from fiscus.ledger.models import JournalEntry
    from fiscus.organization.models import Account, FiscalPeriod, Fund

    clerk = city.clerk
    who = customer(clerk, "Ada Lovelace", department=city.parks)
    item = invoice(city, who, "125.00", on=date(2026, 3, 2), department=city.parks)
    entry = JournalEntry.objects.get(pk=item.journal_entry_id)
    period = FiscalPeriod.objects.filter(fiscal_year__year=2026).first()
    assert period is not None
    billing = _billing_world(city, who)
    return {
        "customer": who,
        "by_route": {**_cash_world(city, who, item), **_adjustments_world(city, item)},
        "by_param": {
            "number": who.number,
            "customer": who.number,
            "entry": entry.number,
            "item": item.number,
            "pk": 1,
            "fund": Fund.objects.first().pk,  # type: ignore[union-attr]
            "account": Account.objects.first().pk,  # type: ignore[union-attr]
            "period": period.pk,
            "year": 2026,
            "id": 1,
            "department": city.parks.code,
            "username": clerk.username,
            **billing,
        },
        "entry": entry,
    }


def _billing_world(city: City, who: Any) -> dict[str, Any]:
    """A posted invoice with an attachment, a batch, a memo, a schedule and a finance-charge run,
    all in Parks (the department every walker's biller bills for), made through the services."""
    from decimal import Decimal

    from django.core.files.uploadedfile import SimpleUploadedFile

    from fiscus.billing import finance_charges, memos, recurring, services
    from fiscus.billing.models import ChargeCode, FinanceChargePolicy, ReasonCode
    from fiscus.organization.models import Account

    clerk = city.clerk
    revenue = Account.objects.get(role=Account.Role.REVENUE)
    code = ChargeCode.objects.create(
        code="PAVILION",
        description="Pavilion rental",
        department=city.parks,
        revenue_account=revenue,
        unit_price=Decimal("150.00"),
    )
    line = services.LineInput(code, Decimal("1"))
    invoice = services.create_invoice(
        by=clerk,
        customer=who,
        department=city.parks,
        invoice_date=date(2026, 3, 2),
        lines=[line],
    )
    services.add_attachment(
        invoice,
        by=clerk,
        uploaded_file=SimpleUploadedFile("backup.pdf", b"%PDF-1.7 test", "application/pdf"),
    )
    services.submit_invoice(invoice, by=clerk)
    services.post_invoice(invoice, by=clerk)
    batch = services.create_batch(
        by=clerk, department=city.parks, control_count=1, control_amount=Decimal("150.00")
    )
    memo = memos.issue_credit_memo(
        by=clerk,
        customer=who,
        reason=ReasonCode.objects.get(code="BILLERR"),
        amount=Decimal("10.00"),
        memo_date=date(2026, 3, 5),
        invoice=invoice,
    )
    schedule = recurring.create_schedule(
        by=clerk,
        customer=who,
        department=city.parks,
        description="Lease",
        frequency="monthly",
        start_date=date(2026, 4, 1),
        lines=[(code, Decimal("1"), Decimal("150.00"), "Monthly lease")],
    )
    FinanceChargePolicy.objects.update(active=True)
    run = finance_charges.preview_finance_charges(by=clerk, as_of=date(2026, 6, 30))
    return {
        "invoice": invoice.pk,
        "attachment": invoice.attachments.get().pk,
        "batch": batch.pk,
        "memo": memo.number,
        "code": code.code,
        "terms": "net30",
        "reason": "BILLERR",
        "schedule": schedule.pk,
        "run": run.pk,
    }


def _cash_world(city: City, who: Any, item: Any) -> dict[str, dict[str, Any]]:
    """An open and a closed deposit in Parks, a payment with a suggestion, a bank statement:
    the arguments of every cash route that takes one, by route name."""
    from decimal import Decimal

    from fiscus.cash import services as cash
    from fiscus.cash.models import BankLine, BankStatement, Match
    from fiscus.receivables.models import ImportBatch

    clerk = city.clerk
    on = date(2026, 3, 10)
    closed = cash.open_deposit(department=city.parks, on=on, by=clerk)
    pay = cash.record_payment(
        closed,
        cash.PaymentInput(Decimal("25.00"), "check", on, customer=who, check_number="101"),
        by=clerk,
    )
    cash.close_deposit(closed, by=clerk)
    still_open = cash.open_deposit(department=city.parks, on=on, by=clerk)
    match = Match.objects.create(
        payment=pay,
        customer=who,
        allocations=[{"item": str(item.pk), "number": item.number, "amount": "25.00"}],
        rule="amount_one",
        confidence=Decimal("0.50"),
        reason="The amount equals one open invoice.",
        status=Match.Status.SUGGESTED,
    )
    batch = ImportBatch.objects.create(
        kind="bank_statement",
        file_name="s.bai",
        file_hash="0" * 64,
        rows=1,
        total=Decimal("25.00"),
        imported_by=clerk,
    )
    statement = BankStatement.objects.create(
        import_batch=batch, account_number="12345", format="bai2", start_date=on, end_date=on
    )
    BankLine.objects.create(
        statement=statement, line=3, booked=on, amount=Decimal("25.00"), identity="x" * 64
    )
    from fiscus.cash.models import CsvMapping

    mapping = CsvMapping.objects.create(
        name="Valley", mapping={"date_column": "Date", "amount_column": "Amount"}, created_by=clerk
    )
    from fiscus.cash import returns

    other = cash.open_deposit(department=city.parks, on=on, by=clerk)
    bounced = cash.record_payment(
        other,
        cash.PaymentInput(Decimal("30.00"), "check", on, customer=who, check_number="102"),
        by=clerk,
    )
    cash.close_deposit(other, by=clerk)
    returned = returns.return_payment(bounced, reason="nsf", on=on, by=clerk)
    day = {"day": on.isoformat()}
    return {
        "cash:returned": {"pk": returned.pk},
        "cash:returned_worked": {"pk": returned.pk},
        "cash:returned_redeposit": {"pk": returned.pk},
        "cash:returned_notice": {"pk": returned.pk},
        "cash:payment_return": {"pk": pay.pk},
        "cash:deposit": {"pk": closed.pk},
        "cash:deposit_close": {"pk": still_open.pk},
        "cash:entry": {"pk": still_open.pk},
        "cash:slip": {"pk": closed.pk},
        "cash:payment": {"pk": pay.pk},
        "cash:payment_apply": {"pk": pay.pk},
        "cash:payment_identify": {"pk": pay.pk},
        "cash:receipt": {"pk": pay.pk},
        "cash:take": {"pk": match.pk},
        "cash:dismiss": {"pk": match.pk},
        "cash:statement": {"pk": statement.pk},
        "cash:upload_template": {"ext": "csv"},
        "cash:mapping": {"pk": mapping.pk},
        "cash:balancing_day": day,
        "cash:balancing_report": day,
        "cash:balancing_balance": day,
    }


def _adjustments_world(city: City, item: Any) -> dict[str, dict[str, Any]]:
    """A write-off waiting for approval, a refund sent to accounts payable, a credit."""
    from decimal import Decimal

    from fiscus.adjustments import services as adj
    from fiscus.adjustments.models import Reason

    clerk = city.clerk
    on = date(2026, 6, 15)
    write_off = adj.prepare(
        by=clerk,
        kind="write_off",
        reason=Reason.objects.get(code="BADDEBT"),
        lines=[adj.Wanted(item, Decimal("25.00"))],
        on=on,
    )
    owed = customer(clerk, "Grace Hopper")
    credit = payment(city, owed, "40.00")
    refund = adj.request_refund(
        by=clerk,
        customer=owed,
        reason=Reason.objects.get(code="OVERPAY"),
        amount=Decimal("30.00"),
        on=on,
    )
    adj.approve(refund, by=make_user("supervisor"))
    voucher = adj.export_vouchers(by=clerk)
    ids = {"pk": write_off.pk}
    return {
        **{
            f"adjustments:{name}": ids
            for name in ("request", "approve", "reject", "resubmit", "withdraw", "board_packet")
        },
        "adjustments:refund_letter": {"pk": refund.pk},
        "adjustments:paid": {"pk": refund.pk},
        "adjustments:voucher_file": {"pk": voucher.pk},
        "adjustments:discharged_pay": {"pk": credit.pk},
        "adjustments:reason_toggle": {"pk": write_off.reason_id},
        "adjustments:refund_new": {"number": owed.number},
    }


ALL_ROLES: list[Role | None] = [None, *Role]


@pytest.mark.parametrize(
    "role", ALL_ROLES, ids=lambda r: r.value.replace(" ", "_") if r else "no_role"
)
def test_every_page_answers_each_role_as_the_capability_table_says(role, world, city):
    from fiscus.ledger.models import JournalEntry

    user = make_user(role.value if role else None, departments=[city.parks])
    client = Client()
    client.force_login(user)
    failures = []
    skipped = []
    for route, name, callback in routes():
        if name in PUBLIC:
            continue
        kwargs = _kwargs_for(route, name, world)
        if kwargs is None:
            skipped.append(name)
            continue
        # ledger pages take a journal entry number where customer pages take a customer number
        if name.startswith("ledger:") and "number" in kwargs:
            kwargs = {**kwargs, "number": world["entry"].number}
        try:
            url = reverse(name, kwargs=kwargs)
        except Exception:  # noqa: BLE001 - report the route rather than stop the walk
            skipped.append(name)
            continue
        cap = capability_of(callback)
        allowed = role is not None and cap is not None and role in CAPABILITIES[cap]
        response = client.get(url)
        if response.status_code == 405:  # an action that takes POST only
            response = client.post(url)
            if allowed and response.status_code in (400, 200, 302):
                continue
        if allowed and response.status_code not in (200, 302, 405):
            failures.append(f"{name} {url}: {response.status_code}, expected the page")
        if not allowed and response.status_code != 403:
            failures.append(f"{name} {url}: {response.status_code}, expected 403")
    assert JournalEntry.objects.exists()
    assert failures == []
    assert skipped == [], f"add these routes' parameters to the world fixture: {skipped}"


def test_a_visitor_who_is_not_signed_in_is_sent_to_the_login_page(db):
    client = Client()
    for route, name, _ in routes():
        if name in PUBLIC or "<" in route:
            continue
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name

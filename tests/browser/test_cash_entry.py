"""The batch entry grid in Debian's Chromium against the real server, driven by the keyboard
alone: the cashier enters a stack of three checks into a deposit with a control total (one found
by its invoice number, one short pay with the amounts changed by hand, one overpay), sees a
cash-only customer's check refused in its row, tries to save anyway and is refused with nothing
saved, removes that row, and saves with Ctrl+S. The database then holds the payments,
applications and unapplied amounts to the cent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from tests.browser.conftest import shoot
from tests.browser.test_clerk_day import sign_in

pytestmark = pytest.mark.browser

SETUP = """
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from fiscus.cash.services import open_deposit
from fiscus.customers.services import create_customer
from fiscus.organization.models import Account, Department
from fiscus.organization.services import account
from fiscus.receivables.models import Item
from fiscus.receivables.services import ItemSpec, Offset, post_item

tina, cass = User.objects.get(username="tina"), User.objects.get(username="cass")
today = timezone.localdate()
dept = Department.objects.order_by("code").first()
revenue = account(Account.Role.REVENUE)


def bill(who, amount, age):
    doc = today - timedelta(days=age)
    spec = ItemSpec(
        customer=who, kind=Item.Kind.INVOICE, amount=Decimal(amount), fund=dept.fund,
        department=dept, document_date=doc, due_date=doc + timedelta(days=30),
        offsets=[Offset(revenue, Decimal(amount))],
    )
    return post_item(spec, on=today, by=tina, source="browser-test")


ada = create_customer(by=tina, fields={"name": "Ada Quillon"})
bram = create_customer(by=tina, fields={"name": "Bram Ostrowski"})
cyrilla = create_customer(by=tina, fields={"name": "Cyrilla Venn-Marsh"})
create_customer(by=tina, fields={"name": "Cyrilla Vennard"})
dora = create_customer(by=tina, fields={"name": "Dora Bounced", "cash_only": True})
invoices = {
    "a1": bill(ada, "40.00", 70), "a2": bill(ada, "125.00", 20),
    "b1": bill(bram, "60.00", 50), "b2": bill(bram, "140.00", 10),
    "c1": bill(cyrilla, "80.00", 15),
}
deposit = open_deposit(
    department=dept, on=today, by=cass, control_count=3, control_total=Decimal("375.00")
)
result = {
    "deposit": deposit.pk,
    "customers": {k: c.number for k, c in {"ada": ada, "bram": bram, "cyrilla": cyrilla,
                                            "dora": dora}.items()},
    "invoices": {k: {"id": i.pk, "number": i.number} for k, i in invoices.items()},
}
"""

OUTCOME = """
from fiscus.cash.models import Payment
from fiscus.receivables.models import Application, Item

payments = Payment.objects.filter(deposit_id={deposit}).select_related("customer", "item")
result = {{
    "payments": [
        [p.number, p.customer.number, str(p.amount), p.check_number, p.payer, p.method,
         str(p.unapplied)]
        for p in payments.order_by("id")
    ],
    "applications": sorted(
        [a.credit_item.number, a.debit_item.number, str(a.amount)]
        for a in Application.objects.filter(credit_item__payment__deposit_id={deposit})
        .select_related("credit_item", "debit_item")
    ),
    "open": {{i.number: str(i.open_amount) for i in Item.objects.filter(number__in={numbers})}},
}}
"""


def in_server(tmp_path_factory: pytest.TempPathFactory, code: str) -> dict[str, Any]:
    """Run `code` against the browser server's database (the conftest's fiscus-var directory);
    it leaves its answer in `result`."""
    (var,) = sorted(tmp_path_factory.getbasetemp().glob("fiscus-var[0-9]*"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FISCUS_", "DJANGO_"))}
    env.update(FISCUS_DEV="1", FISCUS_VAR_DIR=str(var), FISCUS_TESTING="0")
    script = code + "\nimport json\nprint('RESULT ' + json.dumps(result))\n"
    done = subprocess.run(
        [sys.executable, "-m", "fiscus.cli", "shell", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("RESULT "))
    return dict(json.loads(line.removeprefix("RESULT ")))


def value(page, selector: str) -> str:
    return str(page.eval_on_selector(selector, "el => el.value"))


def focused(page) -> str:
    return str(page.evaluate("document.activeElement.getAttribute('aria-label') || ''"))


def test_a_cashier_enters_a_stack_of_checks_with_the_keyboard_alone(page, server, tmp_path_factory):
    world = in_server(tmp_path_factory, SETUP)
    inv, who = world["invoices"], world["customers"]
    sign_in(page, "cass")
    page.goto(f"/cash/deposits/{world['deposit']}/entry/")
    row = [f"tbody.entry-row:nth-of-type({n})" for n in range(1, 6)]  # tbody 1.. in the grid
    assert focused(page).startswith("Row 1: customer")
    kb = page.keyboard

    # Check 1: found by one of the customer's open invoice numbers, which it pays first.
    kb.type(inv["a2"]["number"])
    page.wait_for_selector(f"{row[0]} ul.suggest li[data-k='0']")
    kb.press("Enter")
    page.wait_for_selector(f"{row[0]} input[data-item='{inv['a2']['id']}']")
    assert focused(page) == "Row 1: payer"
    kb.type("Ada Quillon")
    kb.press("Enter")
    kb.type("1001")
    kb.press("Tab")
    assert focused(page) == "Row 1: method"
    kb.press("Tab")
    kb.type("125.00")
    page.wait_for_function(
        f"document.querySelector(\"{row[0]} input[data-item='{inv['a2']['id']}']\").value"
        " === '125.00'"
    )
    assert value(page, f"{row[0]} input[data-item='{inv['a1']['id']}']") == ""
    kb.press("Enter")  # the last cell of the row: a new row

    # Check 2: found by customer number; a short pay, its amounts changed by hand.
    assert focused(page) == "Row 2: customer number, name or invoice number"
    kb.type(who["bram"])
    page.wait_for_selector(f"{row[1]} ul.suggest li[data-k='0']")
    kb.press("Enter")
    kb.type("B. Ostrowski")
    kb.press("Enter")
    kb.type("2002")
    kb.press("Enter")
    kb.press("Enter")  # the method stays a check
    assert focused(page) == "Row 2: amount"
    kb.type("150")
    page.wait_for_selector(f"{row[1]} td.state:has-text('Applied $150.00')")
    kb.press("Tab")  # into the open items, oldest first
    assert focused(page) == f"Row 2: apply to {inv['b1']['number']}"
    kb.type("10.00")
    kb.press("Tab")
    kb.type("140.00")
    page.wait_for_selector(f"{row[1]} td.state:has-text('Applied $150.00')")
    kb.press("Enter")  # the last item of the row: a new row

    # Check 3: found by name, chosen with the arrow keys; an overpay.
    kb.type("Cyrilla Ve")
    page.wait_for_selector(f"{row[2]} ul.suggest li[data-k='0']")
    page.wait_for_selector(f"{row[2]} ul.suggest li[data-k='1']")  # Venn-Marsh, Vennard
    kb.press("ArrowDown")
    page.wait_for_selector(f"{row[2]} ul.suggest li[data-k='1'][aria-selected=true]")
    shoot(page, "20-cash-entry-suggestions")
    kb.press("ArrowUp")
    page.wait_for_selector(f"{row[2]} ul.suggest li[data-k='0'][aria-selected=true]")
    kb.press("Enter")
    kb.press("Enter")  # no payer: the customer paid
    kb.type("3003")
    kb.press("Enter")
    kb.press("Enter")
    kb.type("100.00")
    page.wait_for_selector(f"{row[2]} td.state:has-text('On account $20.00')")
    assert page.inner_text("#difference-count") == "0"
    assert page.inner_text("#difference-total") == "$0.00"
    assert page.inner_text("#entered-total") == "$375.00"
    kb.press("Enter")

    # A cash-only customer's check is refused in the row before saving; the row is removed.
    kb.type(who["dora"])
    page.wait_for_selector(f"{row[3]} ul.suggest li[data-k='0']")
    kb.press("Enter")
    refusal = page.wait_for_selector(f"{row[3]} tr.row-messages li[data-field='method']")
    assert refusal is not None and "is on cash only" in refusal.inner_text()
    kb.type("Dora")
    kb.press("Enter")
    kb.type("4004")
    kb.press("Enter")
    kb.press("Enter")
    kb.type("55.00")
    assert page.inner_text("#difference-total") == "+$55.00"
    shoot(page, "21-cash-entry-grid")
    kb.press("Control+s")  # the server refuses the whole batch, naming the row and the field
    refused = page.wait_for_selector("#entry-errors .callout.error")
    assert refused is not None and "Nothing was saved." in refused.inner_text()
    assert "Row 4, method: Dora Bounced is on cash only" in refused.inner_text()
    assert focused(page) == "Row 4: method"
    kb.press("Control+Delete")
    assert page.locator("tbody.entry-row").count() == 3
    assert page.inner_text("#difference-total") == "$0.00"
    shoot(page, "22-cash-entry-ready")

    kb.press("Control+s")
    page.wait_for_selector("text=Saved 3 payments for $375.00")
    assert page.inner_text("#difference-total") == "$0.00"
    assert page.inner_text("#entered-count") == "3"
    assert "match the control totals" in page.inner_text("#entry-totals")
    shoot(page, "23-cash-entry-saved")

    numbers = [i["number"] for i in inv.values()]
    outcome = in_server(tmp_path_factory, OUTCOME.format(deposit=world["deposit"], numbers=numbers))
    pay = outcome["payments"]
    assert [p[1:6] for p in pay] == [
        [who["ada"], "125.00", "1001", "Ada Quillon", "check"],
        [who["bram"], "150.00", "2002", "B. Ostrowski", "check"],
        [who["cyrilla"], "100.00", "3003", "", "check"],
    ]
    assert [p[6] for p in pay] == ["0.00", "0.00", "20.00"]  # what each leaves unapplied
    ada_pmt, bram_pmt, cyrilla_pmt = (p[0] for p in pay)
    assert outcome["applications"] == sorted(
        [
            [ada_pmt, inv["a2"]["number"], "125.00"],
            [bram_pmt, inv["b1"]["number"], "10.00"],
            [bram_pmt, inv["b2"]["number"], "140.00"],
            [cyrilla_pmt, inv["c1"]["number"], "80.00"],
        ]
    )
    assert outcome["open"] == {
        inv["a1"]["number"]: "40.00",
        inv["a2"]["number"]: "0.00",
        inv["b1"]["number"]: "50.00",
        inv["b2"]["number"]: "0.00",
        inv["c1"]["number"]: "0.00",
    }

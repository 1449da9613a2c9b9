"""A write-off with a supervisor's approval, in Debian's Chromium against the real server: the
technician asks to write off part of a past-due invoice from the keyboard and the aging does not
move; the supervisor finds it on the dashboard and in the approval queue and approves it; the
aging's total, the customer's row and the invoice's bucket then drop by exactly that much, read
from the page. A supervisor cannot approve what they prepared, and a rejected request goes back
to the technician with the supervisor's comment."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader

from tests.browser.conftest import shoot
from tests.browser.test_billing_day import sign_out
from tests.browser.test_cash_entry import in_server
from tests.browser.test_clerk_day import _amount, sign_in

pytestmark = pytest.mark.browser

# One customer with past-due invoices, each `age` days after its document date (due in 30).
SETUP = """
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from fiscus.customers.services import create_customer
from fiscus.organization.models import Account, Department
from fiscus.organization.services import account
from fiscus.receivables.models import Item
from fiscus.receivables.services import ItemSpec, Offset, post_item

tina = User.objects.get(username="tina")
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


customer = create_customer(by=tina, fields={{"name": {name!r}}})
invoices = [bill(customer, amount, age) for amount, age in {bills!r}]
result = {{
    "today": f"{{today:%m/%d/%Y}}",
    "customer": customer.number,
    "invoices": [{{"id": i.pk, "number": i.number}} for i in invoices],
}}
"""

# Tina asks to write off an invoice; the request waits for a supervisor.
PREPARED = """
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from fiscus.adjustments import services as adj
from fiscus.adjustments.models import Kind, Reason
from fiscus.receivables.models import Item

done = adj.prepare(
    by=User.objects.get(username="tina"),
    kind=Kind.WRITE_OFF,
    reason=Reason.objects.get(code="SKIP"),
    lines=[adj.Wanted(Item.objects.get(pk={item}), Decimal({amount!r}))],
    on=timezone.localdate(),
    description={why!r},
)
result = {{"id": done.pk, "number": done.number, "status": done.status}}
"""


def world(tmp_path_factory: pytest.TempPathFactory, name: str, *bills: tuple[str, int]) -> Any:
    return in_server(tmp_path_factory, SETUP.format(name=name, bills=list(bills)))


def focused(page) -> str:
    return str(page.evaluate("document.activeElement.name || document.activeElement.id"))


def tab_to(page, name: str) -> None:
    """Press Tab until the field named `name` has the focus (a date input takes three)."""
    for _ in range(8):
        page.keyboard.press("Tab")
        if focused(page) == name:
            return
    raise AssertionError(f"Tab never reached {name!r}; the focus is on {focused(page)!r}")


def chosen(page, selector: str) -> str:
    return str(page.eval_on_selector(selector, "s => s.options[s.selectedIndex].text"))


def aging(page, customer: str) -> dict[str, dict[str, Decimal]]:
    """The aging report as of today, as the page shows it: the grand total row and the
    customer's row, each by column label (bucket labels, unapplied credits, total)."""
    page.goto("/reports/aging/")
    page.wait_for_selector("#grand-total")
    labels = [t.strip() for t in page.locator("#aging thead th").all_inner_texts()][3:]

    def cells(texts: list[str]) -> dict[str, Decimal]:
        amounts = [_amount(v) if v.strip() else Decimal("0.00") for v in texts]
        return dict(zip(labels, amounts, strict=True))

    row = page.locator("#aging tbody tr", has=page.locator(f"a:text-is('{customer}')"))
    assert row.count() == 1, f"{customer} has one row on the first page of the aging"
    return {
        "total": cells(page.locator("#grand-total td").all_inner_texts()[1:]),
        "row": cells(row.locator("td").all_inner_texts()[3:]),
    }


def less(before: dict[str, Decimal], after: dict[str, Decimal]) -> dict[str, Decimal]:
    return {k: before[k] - after[k] for k in before if before[k] != after[k]}


def test_a_technicians_write_off_waits_for_the_supervisor_and_then_leaves_the_aging(
    page, tmp_path_factory
):
    city = world(tmp_path_factory, "Wendell Farthingale", ("250.00", 75))  # 45 days past due
    customer, invoice = city["customer"], city["invoices"][0]["number"]

    # The technician reads the aging, then asks to write off part of the invoice.
    sign_in(page, "tina")
    before = aging(page, customer)
    assert f"As of {city['today']}" in page.inner_text("#report")
    owed = {k: v for k, v in before["row"].items() if v}
    assert owed == {"31–60": Decimal("250.00"), "Total": Decimal("250.00")}
    shoot(page, "30-aging-before")

    page.goto("/adjustments/new/")
    assert focused(page) == "item"
    kb = page.keyboard
    kb.type(invoice)
    tab_to(page, "kind")
    assert chosen(page, "#id_kind") == "Write-off of bad debt"
    tab_to(page, "reason")
    kb.type("BADD")  # the select's type-ahead
    assert chosen(page, "#id_reason") == "BADDEBT: Uncollectible after collection efforts"
    tab_to(page, "amount")
    kb.type("137.45")
    tab_to(page, "effective_date")
    tab_to(page, "description")
    kb.type("Three notices and two calls since spring; the business has closed its doors.")
    kb.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Send the request"
    shoot(page, "31-write-off-form")
    kb.press("Enter")
    page.wait_for_url(re.compile(r"/adjustments/\d+/$"))
    message = page.inner_text("ul.messages")
    number = re.search(r"WO-[\w-]+", message)
    assert number, message
    assert f"{number.group(0)} is waiting for a supervisor's approval: $137.45." in message
    request_url = page.url
    assert page.inner_text("#stage") == "Waiting for approval"
    assert page.inner_text("#total") == "137.45"
    assert page.locator("#approve").count() == 0  # a technician cannot approve
    assert "Needed: above the 0.00 threshold" in page.inner_text("#request")
    lines = page.inner_text("#lines tbody")
    assert f"{customer} Wendell Farthingale" in lines and invoice in lines and "137.45" in lines
    shoot(page, "32-write-off-waiting")

    # Nothing posts while it waits: the aging is as it was, to the cent.
    assert aging(page, customer) == before
    sign_out(page)

    # The supervisor sees it on the dashboard and in the approval queue.
    sign_in(page, "sam")
    card = page.locator("#to-approve")
    assert "Adjustments and refunds to approve" in card.inner_text()
    waiting = int(card.locator(".value").inner_text())
    assert waiting >= 1
    shoot(page, "33-supervisor-dashboard")
    card.locator("a:has-text('Open the approval queue')").click()
    page.wait_for_url(re.compile(r"/adjustments/\?show=approve"))
    assert page.inner_text("nav.tabs [aria-current=page]") == "To approve"
    queue = page.locator("#requests tbody tr")
    assert queue.count() == waiting  # the dashboard's count is the queue's length
    mine = page.locator("#requests tbody tr", has_text=number.group(0))
    assert mine.count() == 1
    cells = [c.strip() for c in mine.locator("td").all_inner_texts()]
    assert cells[1:7] == [
        "Write-off of bad debt",
        "BADDEBT",
        f"{customer} Wendell Farthingale",
        "137.45",
        "Waiting for approval",
        "Tina Tran",
    ], cells
    shoot(page, "34-approval-queue")

    # The supervisor reads the request, checks the board packet, and approves it.
    mine.locator(f"a:text-is('{number.group(0)}')").click()
    page.wait_for_url(request_url)
    assert page.locator("#own").count() == 0
    packet = page.request.get(page.get_attribute("#packet", "href") or "")
    assert packet.status == 200 and packet.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(packet.body())).pages)
    assert number.group(0) in text and "137.45" in text
    shoot(page, "35-request-to-decide")
    page.fill("#id_comment", "Approved: collection file reviewed.")
    page.click("#approve")
    page.wait_for_selector(f"text={number.group(0)} approved and posted.")
    assert page.inner_text("#stage") == "Posted"
    assert page.locator("#decide").count() == 0
    assert "by Sam Okafor: Approved: collection file reviewed." in page.inner_text("#request")
    assert page.inner_text("#lines tbody tr td:nth-child(5)") == "137.45"  # still discharged
    shoot(page, "36-request-posted")

    # The aging drops by exactly what was written off, in the invoice's bucket and nowhere else.
    after = aging(page, customer)
    assert less(before["total"], after["total"]) == {
        "31–60": Decimal("137.45"),
        "Total": Decimal("137.45"),
    }
    assert less(before["row"], after["row"]) == {
        "31–60": Decimal("137.45"),
        "Total": Decimal("137.45"),
    }
    assert after["row"]["Total"] == Decimal("112.55")
    assert "ties" in page.inner_text("#tie-out")
    shoot(page, "37-aging-after")


def test_a_supervisor_cannot_approve_a_request_they_prepared(page, tmp_path_factory):
    city = world(tmp_path_factory, "Odessa Brightwater", ("250.00", 130))
    invoice = city["invoices"][0]
    sign_in(page, "sam")

    # From the invoice's adjust page: the item is shown and its open amount proposed.
    page.goto(f"/adjustments/new/?item={invoice['id']}")
    assert page.locator("#item dd").first.inner_text() == f"{invoice['number']} (Invoice)"
    assert page.input_value("#id_item") == invoice["number"]
    assert page.input_value("#id_amount") == "250.00"
    assert focused(page) == "item"
    page.select_option("#id_reason", label="SKIP: Debtor cannot be located")
    page.fill("#id_description", "Mail returned; no forwarding address.")
    shoot(page, "38-adjust-the-invoice")
    page.click("button:has-text('Send the request')")
    page.wait_for_url(re.compile(r"/adjustments/\d+/$"))
    number = page.inner_text("h1").split()[-1]
    assert page.inner_text("#stage") == "Waiting for approval"
    assert page.inner_text("#own") == (
        "You prepared this request: another supervisor must approve it (separation of duties)."
    )
    assert page.locator("#approve").count() == 0
    assert page.locator("#decide").count() == 0
    shoot(page, "39-own-request")

    # It is not in the supervisor's own approval queue, but it is among what they prepared.
    page.goto("/adjustments/?show=approve")
    assert number not in page.inner_text("#requests")
    page.goto("/adjustments/?show=mine")
    assert number in page.inner_text("#requests")

    # The supervisor takes it back; nothing was posted.
    page.click(f"#requests a:text-is('{number}')")
    page.click("button:has-text('Withdraw the request')")
    page.wait_for_selector(f"text={number} withdrawn; nothing was posted.")
    assert page.inner_text("#stage") == "Withdrawn"


def test_a_rejected_request_goes_back_to_the_technician_with_the_comment(page, tmp_path_factory):
    city = world(tmp_path_factory, "Perpetua Haverstock", ("88.10", 200))
    why = "Moved away; forwarding address unknown."
    r = in_server(
        tmp_path_factory,
        PREPARED.format(item=city["invoices"][0]["id"], amount="88.10", why=why),
    )
    assert r["status"] == "pending"

    # The supervisor must say why; then the request goes back to the technician.
    sign_in(page, "sam")
    page.goto(f"/adjustments/{r['id']}/")
    page.click("#reject")
    page.wait_for_selector("text=Say why the request is rejected.")
    assert page.inner_text("#stage") == "Waiting for approval"
    comment = "Skip-trace first: try the DMV address before writing it off."
    page.fill("#id_comment", comment)
    page.click("#reject")
    page.wait_for_selector(f"text={r['number']} sent back to Tina Tran.")
    assert page.inner_text("#stage") == "Returned to the preparer"
    assert page.inner_text("#comment") == comment
    sign_out(page)

    # The technician's dashboard counts it, and the "Returned to me" tab shows the comment.
    sign_in(page, "tina")
    card = page.locator("#returned-to-me")
    assert "Your requests sent back" in card.inner_text()
    assert int(card.locator(".value").inner_text()) >= 1
    shoot(page, "40-technician-dashboard")
    card.locator("a:has-text('See the comments')").click()
    page.wait_for_url(re.compile(r"/adjustments/\?show=returned"))
    assert page.inner_text("nav.tabs [aria-current=page]") == "Returned to me"
    row = page.locator("#requests tbody tr", has_text=r["number"])
    assert f"Returned to the preparer: {comment}" in row.inner_text()
    shoot(page, "41-returned-to-me")
    row.locator(f"a:text-is('{r['number']}')").click()
    assert page.inner_text("#sent-back p") == f"Sam Okafor: {comment}"
    shoot(page, "42-sent-back")

"""A technician's morning, in Debian's Chromium against the real server: sign in, create a
customer, import that customer's opening balances, read the aging report and export it to .xlsx,
whose totals equal the page's."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from tests.browser.conftest import shoot

pytestmark = pytest.mark.browser


def _amount(text: str) -> Decimal:
    return Decimal(re.sub(r"[^0-9.\-]", "", text.replace("−", "-")))


def sign_in(page, user: str = "tina") -> None:
    page.goto("/login/")
    page.fill("#id_username", user)
    page.fill("#id_password", "riverbend-demo")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))


def test_a_technician_creates_a_customer_imports_balances_and_exports_the_aging(
    page, tmp_path: Path
):
    sign_in(page)
    shoot(page, "01-dashboard")

    # The search box is one keystroke away on every page.
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "global-search"

    # A new customer, entered from the keyboard.
    page.goto("/customers/new/")
    assert page.evaluate("document.activeElement.name") == "name"
    page.keyboard.type("Quillfeather Bakery Browser Test")
    page.select_option("#id_type", "business")
    page.fill("#id_email", "owner@quillfeather.example")
    page.fill("#id_line1", "12 Mill Race Road")
    page.fill("#id_city", "Riverbend")
    page.fill("#id_postal_code", "95870")
    page.click("button:has-text('Create customer')")
    page.wait_for_url(re.compile(r"/customers/C\d{6}/$"))
    number = re.search(r"/customers/(C\d{6})/", page.url).group(1)  # type: ignore[union-attr]
    shoot(page, "02-new-customer")

    # Its opening balances, as the agency's old system exported them.
    today = datetime.now(ZoneInfo("America/Los_Angeles")).date()  # the agency's today
    old = today - timedelta(days=75)
    rows = [
        f"{number},PS-{number}-1,{old:%Y-%m-%d},{old + timedelta(days=30):%Y-%m-%d},1234.56,"
        "Bakery permit,PLN",
        f"{number},PS-{number}-2,{today - timedelta(days=5):%Y-%m-%d},"
        f"{today + timedelta(days=25):%Y-%m-%d},65.44,Health inspection,FIRE",
    ]
    csv = "Customer Number,Document Number,Document Date,Due Date,Amount,Description,Department\n"
    csv += "\n".join(rows) + "\n"
    upload = tmp_path / "opening.csv"
    upload.write_text(csv)
    page.goto("/receivables/import/")
    page.set_input_files("#id_file", str(upload))
    page.click("button:has-text('Check the file')")
    page.wait_for_load_state()
    shoot(page, "03-import-preview")
    page.wait_for_selector("text=Post 2 items", timeout=5000)
    assert "$1,300.00" in page.content()
    shoot(page, "03-import-preview")
    page.click("button:has-text('Post 2 items')")
    page.wait_for_selector("text=Posted 2 opening balances")
    shoot(page, "04-import-posted")

    # The customer's account shows both items and the 31-60 bucket.
    page.goto(f"/customers/{number}/")
    body = page.inner_text("main")
    assert "PS-" + number + "-1" in body and "1,300.00" in body

    # The aging report ties to AR control, and its export equals the page.
    page.goto("/reports/aging/")
    tie = page.inner_text("#tie-out")
    assert "ties" in tie
    page_total = _amount(page.inner_text("#grand-total td:last-child"))
    shoot(page, "05-aging")
    with page.expect_download() as info:
        page.click("text=Export .xlsx")
    data = Path(info.value.path()).read_bytes()
    sheet = load_workbook(io.BytesIO(data)).active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    total_row = next(
        r for r in reversed(values) if r and any(isinstance(c, str) and "Total" in c for c in r)
    )
    numbers = [c for c in total_row if isinstance(c, int | float | Decimal)]
    assert Decimal(str(numbers[-1])).quantize(Decimal("0.01")) == page_total
    detail_rows = [r for r in values if r and r[0] == number]
    assert detail_rows, "the new customer is in the export"
    assert Decimal(str(detail_rows[0][-1])).quantize(Decimal("0.01")) == Decimal("1300.00")


def test_a_department_biller_cannot_open_the_general_ledger(page):
    sign_in(page, "bill")
    response = page.goto("/ledger/")
    assert response is not None and response.status == 403
    assert "General ledger" not in page.inner_text("nav.menu")

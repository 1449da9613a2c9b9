"""Billing in Debian's Chromium against the real server: a supervisor adds a charge code, the
Parks biller uploads a billing file, the technician returns one invoice and posts the rest, then
downloads a posted invoice's PDF, whose text shows the right total."""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from tests.browser.conftest import shoot
from tests.browser.test_clerk_day import sign_in

pytestmark = pytest.mark.browser


def sign_out(page) -> None:
    page.click("button:has-text('Sign out')")
    page.wait_for_url(re.compile(r"/login/"))


def test_a_biller_uploads_billing_and_the_technician_reviews_and_posts_it(page, tmp_path: Path):
    # The supervisor adds the charge code the biller will use.
    sign_in(page, "sam")
    page.goto("/billing/setup/charge-codes/new/")
    page.fill("#id_code", "BRT-CAMP")
    page.fill("#id_description", "Day camp week")
    first = (
        "(s, pattern) => [...s.options].find(o => new RegExp(pattern).test(o.text.trim())).value"
    )
    page.select_option("#id_department", page.eval_on_selector("#id_department", first, "^PRK"))
    revenue = page.eval_on_selector("#id_revenue_account", first, "^4\\d")
    page.select_option("#id_revenue_account", revenue)
    page.fill("#id_unit_price", "185.00")
    page.click("button:has-text('Save')")
    page.wait_for_load_state()
    assert "BRT-CAMP" in page.inner_text("main")
    sign_out(page)

    # The Parks biller uploads three invoices: a dry run first, then submits them for review.
    today = datetime.now(ZoneInfo("America/Los_Angeles")).date()
    rows = [
        f"BRT-A,C000003,{today:%Y-%m-%d},PRK,BRT-CAMP,2,,Day camp: two weeks,BRT-REF-A",
        f"BRT-B,C000004,{today:%Y-%m-%d},PRK,BRT-CAMP,1,,Day camp: one week,BRT-REF-B",
        f"BRT-C,C000005,{today:%Y-%m-%d},PRK,BRT-CAMP,3,180.00,Day camp: sibling rate,BRT-REF-C",
    ]
    header = "Invoice Key,Customer Number,Invoice Date,Department,Charge Code,Quantity,"
    header += "Unit Price,Line Description,Reference"
    upload = tmp_path / "parks-billing.csv"
    upload.write_text(header + "\n" + "\n".join(rows) + "\n")
    sign_in(page, "bill")
    page.goto("/billing/uploads/")
    page.set_input_files("input[type=file]", str(upload))
    page.click("button:has-text('Check the file')")
    page.wait_for_selector("text=Submit 3 invoices for review", timeout=10_000)
    assert "1,095.00" in page.inner_text("main")  # 2 x 185.00 + 185.00 + 3 x 180.00
    shoot(page, "11-billing-upload-preview")
    page.click("button:has-text('Submit 3 invoices for review')")
    page.wait_for_load_state()
    sign_out(page)

    # The technician returns the one-week invoice and posts the two others.
    sign_in(page, "tina")
    page.goto("/billing/invoices/review/")
    shoot(page, "12-review-queue")
    queue = page.locator("#queue")
    returned = queue.locator("tr", has_text="BRT-REF-B")
    returned.locator("input[name=comment]").fill("Which week? Please add the service dates.")
    returned.locator("button:has-text('Return')").click()
    page.wait_for_load_state()
    page.eval_on_selector_all(
        "input[name=invoices]", "boxes => boxes.forEach(b => b.checked = false)"
    )
    for ref in ("BRT-REF-A", "BRT-REF-C"):
        queue.locator("tr", has_text=ref).locator("input[name=invoices]").check()
    sibling = queue.locator("tr", has_text="BRT-REF-C").locator("a").first.get_attribute("href")
    page.click("button:has-text('Post selected')")
    page.wait_for_load_state()
    queue_now = page.inner_text("#queue")
    assert "BRT-REF-A" not in queue_now and "BRT-REF-C" not in queue_now
    assert "BRT-REF-B" not in queue_now  # returned to the biller

    # The posted invoice's PDF shows its number and total.
    assert sibling
    page.goto(sibling)
    number = re.search(r"INV-\d{4}-\d{6}", page.inner_text("main"))
    assert number, "the posted invoice has its number"
    shoot(page, "13-posted-invoice")
    pdf_url = page.get_attribute("a[href$='/pdf/']", "href")
    assert pdf_url
    response = page.request.get(pdf_url)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert number.group(0) in text
    assert "$540.00" in text  # 3 weeks at the sibling rate of 180.00

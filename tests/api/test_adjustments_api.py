"""/api/v1/adjustments/ and /api/v1/refunds/: requests, approval with separation of duties,
rejection back to the preparer, refunds through to payment, idempotent replays."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from fiscus.adjustments import services as adj
from fiscus.adjustments.models import Reason, RefundVoucher, Request, RequestEvent
from fiscus.adjustments.services import Wanted
from fiscus.customers.models import Customer
from fiscus.receivables.models import Item, ReceivableEntry
from fiscus.receivables.services import apply_credit
from tests.factories import City, customer, invoice, make_user, payment

Api = Callable[[User | None], APIClient]
URL = "/api/v1/adjustments/"
REFUNDS = "/api/v1/refunds/"
VOUCHERS = "/api/v1/refunds/vouchers/"
ON = date(2026, 6, 15)
FLOAT_REFUSED = 'Send amounts as strings ("100.00"); a floating-point number is not exact.'


@pytest.fixture(autouse=True)
def today() -> Iterator[None]:
    """Every test runs at noon in California on 2026-06-15."""
    with time_machine.travel(datetime(2026, 6, 15, 19, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def dana(city: City) -> Customer:
    return customer(city.clerk, "Dana Scully")


@pytest.fixture
def bill(city: City, dana: Customer) -> Item:
    return invoice(city, dana, "140.00")


def write_off(bill: Item, amount: str = "140.00", **more: Any) -> dict[str, Any]:
    return {
        "kind": "write_off",
        "reason": "BADDEBT",
        "effective_date": "2026-06-15",
        "description": "Moved out of state; skip trace failed",
        "lines": [{"item": bill.number, "amount": amount}],
        **more,
    }


def open_of(item: Item) -> Decimal:
    return Item.objects.get(pk=item.pk).open_amount


def prepared(by: User, bill: Item, amount: str = "140.00") -> Request:
    return adj.prepare(
        by=by,
        kind="write_off",
        reason=Reason.objects.get(code="BADDEBT"),
        lines=[Wanted(bill, Decimal(amount))],
        on=ON,
    )


# --- requesting and approving ----------------------------------------------------------------


def test_a_write_off_waits_for_approval_and_posts_when_a_supervisor_approves(
    api: Api, bill: Item, dana: Customer, technician: User, supervisor: User
) -> None:
    response = api(technician).post(URL, write_off(bill), format="json")

    assert response.status_code == 201, response.json()
    made = response.json()
    assert (made["number"], made["kind"], made["status"], made["needs_approval"]) == (
        "WO-2026-000001",
        "write_off",
        "pending",
        True,
    )
    assert (made["reason"], made["customer"], made["total"], made["prepared_by"]) == (
        "BADDEBT",
        dana.number,
        "140.00",
        "tina",
    )
    assert made["lines"] == [
        {"item": bill.number, "customer": dana.number, "amount": "140.00", "new_item": None}
    ]
    assert [e["action"] for e in made["events"]] == ["prepared"]
    assert (made["journal_entry"], open_of(bill)) == (None, Decimal("140.00"))

    approved = api(supervisor).post(f"{URL}{made['number']}/approve/", {"comment": "ok"})

    assert approved.status_code == 200, approved.json()
    answer = approved.json()
    assert (answer["status"], answer["decided_by"], answer["comment"]) == ("posted", "sam", "ok")
    assert answer["journal_entry"] is not None
    assert [(e["action"], e["by"]) for e in answer["events"]] == [
        ("prepared", "tina"),
        ("approved", "sam"),
        ("posted", "sam"),
    ]
    assert open_of(bill) == Decimal("0.00")


def test_the_preparer_approving_their_own_request_gets_403_and_nothing_posts(
    api: Api, bill: Item, supervisor: User
) -> None:
    client = api(supervisor)
    number = client.post(URL, write_off(bill, "40.00"), format="json").json()["number"]

    approve = client.post(f"{URL}{number}/approve/", {}, format="json")
    reject = client.post(f"{URL}{number}/reject/", {"comment": "no"}, format="json")

    assert approve.status_code == reject.status_code == 403
    assert approve.json() == {
        "message": f"You prepared request {number}; another supervisor must decide it "
        "(separation of duties).",
        "code": "own_request",
    }
    assert Request.objects.get(number=number).status == "pending"
    assert open_of(bill) == Decimal("140.00")


def test_only_approvers_approve_and_billers_have_no_adjustments_at_all(
    api: Api,
    bill: Item,
    technician: User,
    collections_officer: User,
    auditor: User,
    biller_parks: User,
    outsider: User,
) -> None:
    req = prepared(make_user("supervisor"), bill)
    url = f"{URL}{req.number}/approve/"

    for who in (technician, collections_officer, auditor, biller_parks):
        assert api(who).post(url, {}, format="json").status_code == 403
    for who in (biller_parks, outsider):
        assert api(who).get(URL).status_code == 403
        assert api(who).post(URL, write_off(bill), format="json").status_code == 403
    assert api(auditor).post(URL, write_off(bill), format="json").status_code == 403
    assert api(auditor).get(f"{URL}{req.number}/").json()["status"] == "pending"
    assert api(None).get(URL).status_code == 401
    assert open_of(bill) == Decimal("140.00")
    assert Request.objects.count() == 1


def test_a_rejection_needs_a_comment_and_goes_back_to_the_preparer_who_resubmits(
    api: Api, bill: Item, technician: User, supervisor: User
) -> None:
    req = prepared(technician, bill)
    boss, clerk = api(supervisor), api(technician)

    silent = boss.post(f"{URL}{req.number}/reject/", {"comment": "  "}, format="json")
    missing = boss.post(f"{URL}{req.number}/reject/", {}, format="json")
    rejected = boss.post(
        f"{URL}{req.number}/reject/", {"comment": "Send the second notice first."}, format="json"
    )
    by_someone_else = boss.post(f"{URL}{req.number}/resubmit/", {}, format="json")
    resubmitted = clerk.post(
        f"{URL}{req.number}/resubmit/", {"comment": "It came back undeliverable."}, format="json"
    )
    approved = boss.post(f"{URL}{req.number}/approve/", {}, format="json")

    assert silent.status_code == missing.status_code == 400
    assert silent.json() == missing.json() == {"comment": ["Say why the request is rejected."]}
    assert (rejected.status_code, rejected.json()["status"], rejected.json()["comment"]) == (
        200,
        "rejected",
        "Send the second notice first.",
    )
    assert by_someone_else.status_code == 403
    assert by_someone_else.json() == {
        "message": f"Only the preparer of request {req.number} can resubmit it.",
        "code": "not_preparer",
    }
    assert (resubmitted.status_code, resubmitted.json()["status"]) == (200, "pending")
    assert approved.json()["status"] == "posted"
    assert [(e["action"], e["by"], e["comment"]) for e in approved.json()["events"]] == [
        ("prepared", "tina", ""),
        ("rejected", "sam", "Send the second notice first."),
        ("resubmitted", "tina", "It came back undeliverable."),
        ("approved", "sam", ""),
        ("posted", "sam", ""),
    ]
    assert open_of(bill) == Decimal("0.00")


def test_a_request_is_withdrawn_by_its_preparer_or_an_approver_only(
    api: Api, bill: Item, city: City, dana: Customer, technician: User, supervisor: User
) -> None:
    other_bill = invoice(city, dana, "60.00")
    mine = prepared(technician, bill)
    theirs = prepared(technician, other_bill, "60.00")

    by_another_clerk = api(make_user("technician")).post(f"{URL}{mine.number}/withdraw/")
    by_the_preparer = api(technician).post(f"{URL}{mine.number}/withdraw/", {"comment": "dup"})
    by_a_supervisor = api(supervisor).post(f"{URL}{theirs.number}/withdraw/")
    again = api(technician).post(f"{URL}{mine.number}/withdraw/")

    assert by_another_clerk.status_code == 403
    assert by_another_clerk.json()["message"] == (
        f"Only the preparer of request {mine.number} or an approver can withdraw it."
    )
    assert by_the_preparer.json()["status"] == by_a_supervisor.json()["status"] == "withdrawn"
    assert again.status_code == 400
    assert again.json() == {
        "message": f"Request {mine.number} is withdrawn; only an undecided request can be "
        "withdrawn.",
        "code": "not_pending",
    }
    assert open_of(bill) == Decimal("140.00")
    assert open_of(other_bill) == Decimal("60.00")


def test_a_correction_within_its_threshold_posts_at_once(
    api: Api, bill: Item, technician: User
) -> None:
    body = {**write_off(bill, "40.00"), "kind": "correction", "reason": "BILLERR"}

    response = api(technician).post(URL, body, format="json")

    assert response.status_code == 201, response.json()
    made = response.json()
    assert (made["number"], made["status"], made["needs_approval"]) == (
        "ADJ-2026-000001",
        "posted",
        False,
    )
    assert [e["action"] for e in made["events"]] == ["prepared", "posted"]
    assert open_of(bill) == Decimal("100.00")


def test_a_transfer_moves_the_item_to_the_named_customer_once_approved(
    api: Api, city: City, technician: User, supervisor: User
) -> None:
    wrong, right = customer(city.clerk, "Wrong Person"), customer(city.clerk, "Right Person")
    bill = invoice(city, wrong, "600.00")
    body = {
        **write_off(bill, "600.00"),
        "kind": "transfer",
        "reason": "WRONGCUST",
        "to_customer": right.number,
    }

    made = api(technician).post(URL, body, format="json").json()
    approved = api(supervisor).post(f"{URL}{made['number']}/approve/").json()

    assert (made["status"], made["to_customer"]) == ("pending", right.number)
    [line] = approved["lines"]
    new = Item.objects.get(number=line["new_item"])
    assert (new.customer_id, new.kind, new.open_amount) == (
        right.pk,
        "debit_memo",
        Decimal("600.00"),
    )
    assert open_of(bill) == Decimal("0.00")


# --- bad input -------------------------------------------------------------------------------


def test_bad_input_is_refused_naming_the_field(
    api: Api, bill: Item, technician: User, dana: Customer
) -> None:
    client = api(technician)

    unknown = client.post(
        URL,
        {
            **write_off(bill),
            "kind": "forgiveness",
            "reason": "NOPE",
            "to_customer": "C999999",
            "lines": [
                {"item": bill.number, "amount": 12.5},
                {"item": bill.number, "amount": "0.00"},
            ],
        },
        format="json",
    )
    no_such_item = client.post(
        URL,
        {**write_off(bill), "lines": [{"item": bill.number, "amount": "1.00"}, {"item": "INV-X"}]},
        format="json",
    )
    no_item_at_all = client.post(URL, {**write_off(bill), "lines": []}, format="json")
    refund = client.post(URL, {**write_off(bill), "kind": "refund"}, format="json")
    wrong_item = client.post(
        URL,
        {**write_off(bill), "lines": [{"item": "INV-2026-999999", "amount": "1.00"}]},
        format="json",
    )

    assert unknown.status_code == 400
    assert unknown.json() == {
        "kind": [
            '"forgiveness" is not a kind of adjustment; the choices are write_off, '
            "small_balance, correction, transfer, refund."
        ],
        "reason": ['There is no reason code "NOPE".'],
        "to_customer": ['There is no customer "C999999".'],
        "lines": {
            "0": {"amount": [FLOAT_REFUSED]},
            "1": {"amount": ["The amount must be more than zero."]},
        },
    }
    assert no_such_item.json() == {"lines": {"1": {"amount": ["This field is required."]}}}
    assert no_item_at_all.json() == {"lines": {"non_field_errors": ["This list may not be empty."]}}
    assert refund.json() == {
        "kind": [
            "Request a refund at /api/v1/refunds/: it takes the customer and the amount, and "
            "refunds their credits oldest first."
        ]
    }
    assert wrong_item.json() == {"lines": {"0": {"item": ['There is no item "INV-2026-999999".']}}}
    assert not Request.objects.exists()


def test_a_refusal_by_the_rules_is_a_400_with_the_sentence(
    api: Api, bill: Item, technician: User
) -> None:
    client = api(technician)

    too_much = client.post(URL, write_off(bill, "150.00"), format="json")
    wrong_reason = client.post(URL, {**write_off(bill), "reason": "BILLERR"}, format="json")
    future = client.post(URL, {**write_off(bill), "effective_date": "2026-06-16"}, format="json")

    assert too_much.status_code == wrong_reason.status_code == future.status_code == 400
    assert too_much.json() == {
        "message": f"Item {bill.number}: $150.00 is more than the $140.00 still open.",
        "code": "more_than_open",
    }
    assert wrong_reason.json() == {
        "message": "Reason BILLERR is for a correcting entry; choose a reason for a write-off of "
        "bad debt.",
        "code": "reason_kind",
    }
    assert future.json() == {"message": "The accounting date is in the future.", "code": "bad_date"}
    assert not Request.objects.exists()


# --- idempotency -----------------------------------------------------------------------------


def test_a_request_sent_twice_with_the_same_key_is_prepared_once(
    api: Api, bill: Item, technician: User
) -> None:
    client = api(technician)

    first = client.post(URL, write_off(bill), format="json", HTTP_IDEMPOTENCY_KEY="wo-1")
    again = client.post(URL, write_off(bill), format="json", HTTP_IDEMPOTENCY_KEY="wo-1")
    other = client.post(URL, write_off(bill, "1.00"), format="json", HTTP_IDEMPOTENCY_KEY="wo-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert other.status_code == 422
    assert Request.objects.count() == 1


def test_an_approval_replayed_with_its_key_posts_once(
    api: Api, bill: Item, technician: User, supervisor: User
) -> None:
    req = prepared(technician, bill)
    client = api(supervisor)
    url = f"{URL}{req.number}/approve/"

    first = client.post(url, {"comment": "ok"}, format="json", HTTP_IDEMPOTENCY_KEY="ok-1")
    entries = ReceivableEntry.objects.count()
    again = client.post(url, {"comment": "ok"}, format="json", HTTP_IDEMPOTENCY_KEY="ok-1")
    without_key = client.post(url, {"comment": "ok"}, format="json")

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert ReceivableEntry.objects.count() == entries
    assert RequestEvent.objects.filter(request=req, action="posted").count() == 1
    assert open_of(bill) == Decimal("0.00")
    assert without_key.status_code == 400
    assert without_key.json()["code"] == "not_pending"


# --- reading ---------------------------------------------------------------------------------


def test_the_list_filters_by_status_kind_and_customer(
    api: Api, city: City, bill: Item, dana: Customer, technician: User, auditor: User
) -> None:
    ben = customer(city.clerk, "Ben Other")
    waiting = prepared(technician, bill)
    small = adj.prepare(
        by=technician,
        kind="correction",
        reason=Reason.objects.get(code="BILLERR"),
        lines=[Wanted(invoice(city, ben, "30.00"), Decimal("5.00"))],
        on=ON,
    )
    client = api(auditor)

    def numbers(query: str) -> list[str]:
        response = client.get(URL + query)
        assert response.status_code == 200, response.json()
        return sorted(r["number"] for r in response.json()["results"])

    assert numbers("") == sorted([waiting.number, small.number])
    assert numbers("?status=pending") == [waiting.number]
    assert numbers("?status=posted&kind=correction") == [small.number]
    assert numbers("?kind=write_off") == [waiting.number]
    assert numbers(f"?customer={ben.number.lower()}") == [small.number]
    assert client.get(f"{URL}WO-2026-999999/").status_code == 404


def test_the_list_reads_the_same_number_of_queries_for_more_requests(
    api: Api, city: City, dana: Customer, technician: User, auditor: User
) -> None:
    client = api(auditor)
    prepared(technician, invoice(city, dana, "10.00"), "10.00")
    client.get(URL)  # the token and the role are read once and cached on the first call

    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    for amount in ("11.00", "12.00", "13.00"):
        prepared(technician, invoice(city, dana, amount), amount)
    with CaptureQueriesContext(connection) as four:
        response = client.get(URL)

    assert response.json()["count"] == 4
    assert len(four.captured_queries) == len(one.captured_queries)


# --- refunds ---------------------------------------------------------------------------------


@pytest.fixture
def in_credit(city: City) -> Customer:
    """Fox paid 130.00 on a 50.00 invoice: the agency owes him 80.00."""
    fox = customer(city.clerk, "Fox Mulder")
    bill = invoice(city, fox, "50.00")
    paid = payment(city, fox, "130.00")
    apply_credit(paid, bill, Decimal("50.00"), on=ON, by=city.clerk)
    return fox


def refund(who: Customer, amount: str = "80.00", **more: Any) -> dict[str, Any]:
    return {
        "customer": who.number,
        "reason": "OVERPAY",
        "amount": amount,
        "effective_date": "2026-06-15",
        "payee_address": "1 Main St\nSpringfield, CA 90000",
        **more,
    }


def test_a_refund_goes_through_every_stage_to_paid(
    api: Api, in_credit: Customer, technician: User, supervisor: User
) -> None:
    clerk, boss = api(technician), api(supervisor)

    def stage(number: str) -> tuple[str, str]:
        found = clerk.get(f"{REFUNDS}{number}/").json()
        return found["stage"], found["stage_label"]

    def listed(stage: str) -> list[str]:
        return [r["number"] for r in clerk.get(f"{REFUNDS}?stage={stage}").json()["results"]]

    made = clerk.post(REFUNDS, refund(in_credit), format="json")
    assert made.status_code == 201, made.json()
    number = made.json()["number"]
    assert (made.json()["payee_name"], made.json()["total"], made.json()["kind"]) == (
        in_credit.name,
        "80.00",
        "refund",
    )
    assert stage(number) == ("pending", "Waiting for approval")
    assert listed("pending") == [number] and listed("to_send") == []

    assert boss.post(f"{URL}{number}/approve/").status_code == 200
    assert stage(number) == ("to_send", "Approved, to send to accounts payable")
    assert listed("to_send") == [number]

    sent = clerk.post(VOUCHERS, format="json")
    assert sent.status_code == 201, sent.json()
    voucher = sent.json()
    assert (voucher["number"], voucher["count"], voucher["total"], voucher["refunds"]) == (
        "VCH-2026-000001",
        1,
        "80.00",
        [number],
    )
    [row] = list(csv.DictReader(io.StringIO(voucher["content"])))
    assert (row["refund_number"], row["payee_name"], row["amount"], row["address_2"]) == (
        number,
        in_credit.name,
        "80.00",
        "Springfield, CA 90000",
    )
    assert stage(number) == ("sent", "Sent to accounts payable")
    assert [v["number"] for v in clerk.get(VOUCHERS).json()["results"]] == [voucher["number"]]
    assert clerk.get(f"{VOUCHERS}{voucher['number']}/").json()["content"] == voucher["content"]
    nothing_left = clerk.post(VOUCHERS)
    assert nothing_left.status_code == 400
    assert nothing_left.json() == {
        "message": "No approved refund is waiting to be sent.",
        "code": "nothing_to_send",
    }

    paid = clerk.post(
        f"{REFUNDS}{number}/paid/",
        {"paid_on": "2026-06-15", "paid_by": "check", "reference": "CHK 20417"},
        format="json",
    )
    assert paid.status_code == 200, paid.json()
    assert (paid.json()["stage"], paid.json()["paid_by"], paid.json()["paid_reference"]) == (
        "paid",
        "check",
        "CHK 20417",
    )
    assert listed("paid") == [number] and listed("sent") == []
    assert [e["action"] for e in paid.json()["events"]] == [
        "prepared",
        "approved",
        "posted",
        "exported",
        "paid",
    ]


def test_a_refund_is_at_most_the_credit_balance_and_its_input_is_checked(
    api: Api, in_credit: Customer, technician: User
) -> None:
    client = api(technician)

    too_much = client.post(REFUNDS, refund(in_credit, "80.01"), format="json")
    bad = client.post(
        REFUNDS,
        refund(in_credit, 80.0, customer="C999999", reason="NOPE", effective_date="15/06/2026"),
        format="json",
    )
    zero = client.post(REFUNDS, refund(in_credit, "0.00"), format="json")
    wrong_reason = client.post(REFUNDS, refund(in_credit, reason="BADDEBT"), format="json")

    assert too_much.status_code == 400
    assert too_much.json() == {
        "message": f"{in_credit} has a credit balance of $80.00; a refund cannot be more (apply "
        "their credits to their open invoices first).",
        "code": "more_than_credit",
    }
    assert bad.json() == {
        "customer": ['There is no customer "C999999".'],
        "reason": ['There is no reason code "NOPE".'],
        "amount": [FLOAT_REFUSED],
        "effective_date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],
    }
    assert zero.json() == {"amount": ["The refund must be more than zero."]}
    assert wrong_reason.json()["code"] == "reason_kind"
    assert not Request.objects.exists()


def test_paying_a_refund_checks_the_stage_and_the_input(
    api: Api, in_credit: Customer, technician: User, supervisor: User
) -> None:
    number = api(technician).post(REFUNDS, refund(in_credit), format="json").json()["number"]
    api(supervisor).post(f"{URL}{number}/approve/")
    client = api(technician)
    url = f"{REFUNDS}{number}/paid/"

    not_sent = client.post(
        url, {"paid_on": "2026-06-15", "paid_by": "check", "reference": "1"}, format="json"
    )
    bad = client.post(url, {"paid_on": "2026-06-15", "paid_by": "cash"}, format="json")

    assert not_sent.json() == {
        "message": f"Refund {number} has not been sent to accounts payable yet.",
        "code": "not_sent",
    }
    assert bad.json() == {
        "paid_by": ['"cash" is not a way to pay; the choices are check, eft.'],
        "reference": ["Give the check or EFT number."],
    }
    assert Request.objects.get(number=number).paid_on is None


def test_only_refunds_pay_sends_vouchers_and_records_payment(
    api: Api, in_credit: Customer, collections_officer: User, auditor: User, supervisor: User
) -> None:
    number = api(collections_officer).post(REFUNDS, refund(in_credit), format="json")
    assert number.status_code == 201  # collections may request a refund
    api(supervisor).post(f"{URL}{number.json()['number']}/approve/")
    paid = {"paid_on": "2026-06-15", "paid_by": "eft", "reference": "EFT 1"}

    for who in (collections_officer, auditor):
        assert api(who).post(VOUCHERS).status_code == 403
        assert api(who).post(f"{REFUNDS}{number.json()['number']}/paid/", paid).status_code == 403
    assert api(auditor).post(REFUNDS, refund(in_credit), format="json").status_code == 403
    assert api(auditor).get(VOUCHERS).status_code == 200
    assert not RefundVoucher.objects.exists()


def test_a_voucher_export_replayed_with_its_key_sends_once(
    api: Api, in_credit: Customer, technician: User, supervisor: User
) -> None:
    number = api(technician).post(REFUNDS, refund(in_credit), format="json").json()["number"]
    api(supervisor).post(f"{URL}{number}/approve/")
    client = api(technician)

    first = client.post(VOUCHERS, HTTP_IDEMPOTENCY_KEY="ap-0615")
    again = client.post(VOUCHERS, HTTP_IDEMPOTENCY_KEY="ap-0615")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert RefundVoucher.objects.count() == 1

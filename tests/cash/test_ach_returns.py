"""Importing a NACHA return file: the moov-io samples return the ACH payments they name, set
aside what is not a payment received, list notifications of change, and import once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from fiscus.audit.models import AuditEvent
from fiscus.cash import returns
from fiscus.cash import services as cash
from fiscus.cash.ach_returns import ChangeNotice, Unposted, import_ach_returns
from fiscus.cash.formats.statements import FormatError
from fiscus.cash.models import Deposit, Payment, ReturnedPayment
from fiscus.cash.services import CashError, PaymentInput
from fiscus.customers.models import Customer
from fiscus.ledger.models import JournalLine
from fiscus.ledger.services import verify as verify_gl
from fiscus.receivables.models import Item, ReceivableEntry
from fiscus.receivables.services import verify as verify_ar
from tests.cash.formats.conftest import EXTERNAL
from tests.factories import City, customer, invoice

D = Decimal
DAY = date(2026, 3, 10)  # the ACH debits were collected
TODAY = date(2026, 3, 20)
WEB = "moov-return-WEB.ach"  # R01 on a debit of 123.54, R03 on a credit of 45.65
COR = "moov-cor-example.ach"  # C01: the account number is now 1918171614
CUSTOM = "moov-return-PPD-custom-reason-code.ach"  # R97 on a credit of 1,061.61
DISHONORED = "moov-dishonored-return.ach"  # two R68 on debits of 250.00 and 230.00
NO_CONTROLS = "moov-return-no-batch-controls.ach"  # malformed: no file header
PAUL_TRACE = "091400600000001"  # the original entry of Paul Jones's R01
BOB_TRACE = "091400600000003"  # the original entry of Bob Marley's R03 (a credit)
COR_TRACE = "121042880000001"
WADE_TRACE = "059999990000301"  # both entries of the dishonored sample


def read(name: str) -> bytes:
    return (EXTERNAL / "ach" / name).read_bytes()


def variant(name: str, old: bytes, new: bytes) -> bytes:
    """A sample with one piece replaced (every occurrence; it must be there)."""
    data = read(name)
    assert old in data
    return data.replace(old, new)


def two_debit_returns() -> bytes:
    """The dishonored sample read as two plain R01 returns: 250.00 (line 3), 230.00 (line 5)."""
    return variant(DISHONORED, b"R68", b"R01")


def counts() -> tuple[int, int, int, int]:
    return (
        ReceivableEntry.objects.count(),
        JournalLine.objects.count(),
        ReturnedPayment.objects.count(),
        Item.objects.count(),
    )


def opens(items: list[Item]) -> list[Decimal]:
    return [Item.objects.get(pk=i.pk).open_amount for i in items]


def gl(entry_id: int) -> list[tuple[str, Decimal, Decimal]]:
    return sorted(
        (ln.account.role or ln.account.code, ln.debit, ln.credit)
        for ln in JournalLine.objects.filter(entry_id=entry_id).select_related("account")
    )


def ach(deposit: Deposit, who: Customer, amount: str, reference: str, *, by) -> Payment:
    return cash.record_payment(
        deposit,
        PaymentInput(
            amount=D(amount), method="ach", received_on=DAY, customer=who, reference=reference
        ),
        by=by,
    )


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime(2026, 3, 20, 17, 0, tzinfo=UTC), tick=False):
        yield


@dataclass
class Collected:
    city: City
    deposit: Deposit
    paul: Customer
    bills: list[Item]  # Paul's: 100.00 and 50.00
    paul_pays: Payment  # 123.54, trace PAUL_TRACE, applied 100.00 + 23.54
    bob_pays: Payment  # 45.65 with BOB_TRACE (the file returns a credit of that trace)
    cor_customer: Customer
    cor_pays: Payment  # 80.00 with COR_TRACE


@pytest.fixture
def collected(city, technician, cashier) -> Collected:
    """ACH debits collected on March 10 in one deposit, closed (its day not balanced)."""
    paul = customer(city.clerk, "Paul Jones")
    bills = [invoice(city, paul, "100.00"), invoice(city, paul, "50.00")]
    deposit = cash.open_deposit(department=city.parks, on=DAY, by=cashier)
    paul_pays = ach(deposit, paul, "123.54", PAUL_TRACE, by=cashier)
    cash.apply_payment(
        paul_pays, list(zip(bills, [D("100.00"), D("23.54")], strict=True)), by=technician, on=DAY
    )
    bob_pays = ach(deposit, customer(city.clerk, "Bob Marley"), "45.65", BOB_TRACE, by=cashier)
    cor_customer = customer(city.clerk, "Best Co")
    cor_pays = ach(deposit, cor_customer, "80.00", COR_TRACE, by=cashier)
    cash.close_deposit(deposit, by=cashier)
    return Collected(city, deposit, paul, bills, paul_pays, bob_pays, cor_customer, cor_pays)


def test_the_web_file_returns_pauls_debit_and_sets_the_returned_credit_aside(collected, technician):
    assert opens(collected.bills) == [D("0.00"), D("26.46")]

    result = import_ach_returns(read(WEB), WEB, by=technician)

    [back] = result.returned
    assert back.payment == collected.paul_pays
    assert (back.reason, back.ach_code, back.ach_trace, back.amount) == (
        "nsf",
        "R01",
        PAUL_TRACE,
        D("123.54"),
    )
    assert back.identity == f"ach|091000017611242|R01|{PAUL_TRACE}"
    # the batch's effective date (000101) is before the payment: the return is dated today
    assert back.returned_on == TODAY
    assert back.note == (
        f"ACH return R01 Insufficient funds. From {WEB}, line 3; receiver Paul Jones."
    )
    # Paul's invoices are open again by exactly what the ACH debit paid, plus the fee
    assert opens(collected.bills) == [D("100.00"), D("50.00")]
    assert back.fee_item is not None and back.fee_item.amount == D("15.00")
    assert gl(back.journal_entry_id) == [
        ("ar_control", D("123.54"), D("0.00")),
        ("undeposited_cash", D("0.00"), D("123.54")),
    ]
    # R03 came back on a credit the agency sent: not a payment received, nothing posted
    assert result.set_aside == [
        Unposted(
            line=7,
            trace=BOB_TRACE,
            amount=D("45.65"),
            code="R03",
            receiver="Bob Marley",
            why="a credit the agency sent (a refund or disbursement) came back (R03: No "
            "account/unable to locate account): it is not a payment received; reissue it or "
            "post it by hand.",
        )
    ]
    assert not ReturnedPayment.objects.filter(payment=collected.bob_pays).exists()
    assert (result.already, result.not_found, result.notifications) == (0, [], [])
    assert result.summary() == (
        f"{WEB}: 1 payment returned ($123.54); 1 return set aside for a person."
    )
    assert AuditEvent.objects.filter(action="payment.ach_returns_imported").count() == 1
    assert verify_gl()[1] == [] and verify_ar()[1] == []


@pytest.mark.parametrize(
    ("effective", "on", "returned_on"),
    [
        (b"260317", date(2026, 3, 16), date(2026, 3, 17)),  # the file's effective date wins
        (b"000101", date(2026, 3, 16), date(2026, 3, 16)),  # 2000-01-01: before the payment
        (b"260309", None, TODAY),  # the day before the payment: not credible either
        (b"260317", date(2026, 3, 5), date(2026, 3, 17)),
        (b"000101", date(2026, 3, 5), DAY),  # never before the payment was received
    ],
)
def test_the_return_is_dated_by_the_batch_when_credible_else_by_the_date_given(
    collected, technician, effective, on, returned_on
):
    dated = variant(WEB, b"000101   1091000010000001", effective + b"   1091000010000001")
    [back] = import_ach_returns(dated, WEB, by=technician, on=on).returned
    assert back.returned_on == returned_on


def test_importing_the_same_file_again_changes_nothing(collected, technician):
    first = import_ach_returns(read(WEB), WEB, by=technician)
    before = counts()
    audits = AuditEvent.objects.count()

    again = import_ach_returns(read(WEB), WEB, by=technician)

    assert counts() == before
    assert AuditEvent.objects.count() == audits
    assert (again.returned, again.already, again.not_found) == ([], 1, [])
    assert again.summary() == (
        f"{WEB} was already imported (1 return): nothing changed; 1 return set aside for a person."
    )
    assert ReturnedPayment.objects.get().pk == first.returned[0].pk
    assert opens(collected.bills) == [D("100.00"), D("50.00")]


def test_a_notification_of_change_is_listed_for_the_customer_and_moves_no_money(
    collected, technician
):
    before = counts()

    result = import_ach_returns(read(COR), COR, by=technician)

    assert counts() == before
    assert result.notifications == [
        ChangeNotice(
            line=3,
            change_code="C01",
            change="Incorrect DFI account number",
            corrected_data="1918171614",
            original_trace=COR_TRACE,
            receiver="Best Co. #23",
            account="*******8-99",  # 744-5678-99 as sent, masked
            customer=collected.cor_customer,
        )
    ]
    assert (result.returned, result.already, result.not_found, result.set_aside) == ([], 0, [], [])
    assert result.summary() == f"{COR}: no payment returned; 1 notification of change to work."
    assert not ReturnedPayment.objects.filter(payment=collected.cor_pays).exists()


def test_a_nonstandard_code_returns_the_payment_with_a_note_saying_so(collected, technician):
    r97 = variant(WEB, b"799R01", b"799R97")

    [back] = import_ach_returns(r97, "r97.ach", by=technician).returned

    assert (back.payment, back.reason, back.ach_code) == (collected.paul_pays, "ach_return", "R97")
    assert back.note == (
        "ACH return R97 is a non-standard return code (not in the NACHA rules): ask the bank. "
        "From r97.ach, line 3; receiver Paul Jones."
    )
    assert opens(collected.bills) == [D("100.00"), D("50.00")]


def test_the_r97_sample_is_a_returned_credit_set_aside_and_posts_nothing(
    collected, technician, cashier
):
    deposit = cash.open_deposit(department=collected.city.parks, on=DAY, by=cashier)
    jane = ach(
        deposit,
        customer(collected.city.clerk, "Jane Doe"),
        "1061.61",
        "092221172022300",
        by=cashier,
    )
    cash.close_deposit(deposit, by=cashier)
    before = counts()

    result = import_ach_returns(read(CUSTOM), CUSTOM, by=technician)

    assert counts() == before
    assert [(u.line, u.code, u.amount, u.trace) for u in result.set_aside] == [
        (3, "R97", D("1061.61"), "092221172022300")
    ]
    assert result.set_aside[0].why.startswith(
        "a credit the agency sent (a refund or disbursement) came back (R97, a non-standard code)"
    )
    assert not ReturnedPayment.objects.filter(payment=jane).exists()


def test_the_malformed_sample_is_refused_naming_the_line_and_posts_nothing(collected, technician):
    before = counts()
    with pytest.raises(FormatError) as refused:
        import_ach_returns(read(NO_CONTROLS), NO_CONTROLS, by=technician)
    assert refused.value.message == (
        "Line 1, file header: a NACHA file starts with a file header (type 1); this line is a "
        "batch header (type 5)."
    )
    assert counts() == before


def test_a_return_that_cannot_post_undoes_the_whole_file(collected, technician, cashier):
    """The 250.00 payment's deposit is closed, the 230.00 one's still open: line 5 is refused,
    and the return of line 3 goes with it."""
    closed = cash.open_deposit(department=collected.city.parks, on=DAY, by=cashier)
    wade = ach(closed, collected.paul, "250.00", WADE_TRACE, by=cashier)
    cash.close_deposit(closed, by=cashier)
    still_open = cash.open_deposit(department=collected.city.parks, on=DAY, by=cashier)
    adam = ach(still_open, collected.paul, "230.00", WADE_TRACE, by=cashier)
    before = counts()

    with pytest.raises(CashError) as refused:
        import_ach_returns(two_debit_returns(), DISHONORED, by=technician)

    assert refused.value.message.startswith(
        f"Line 5 (ACH trace {WADE_TRACE}): Deposit {still_open.number} is still open"
    )
    assert counts() == before
    assert not ReturnedPayment.objects.filter(payment__in=[wade, adam]).exists()


def test_a_return_whose_payment_is_not_found_is_listed_and_the_rest_imports(
    collected, technician, cashier
):
    deposit = cash.open_deposit(department=collected.city.parks, on=DAY, by=cashier)
    wade = ach(deposit, collected.paul, "250.00", WADE_TRACE, by=cashier)
    cash.close_deposit(deposit, by=cashier)

    result = import_ach_returns(two_debit_returns(), DISHONORED, by=technician)

    assert [(r.payment, r.ach_code, r.amount) for r in result.returned] == [
        (wade, "R01", D("250.00"))
    ]
    assert result.not_found == [
        Unposted(
            line=5,
            trace=WADE_TRACE,
            amount=D("230.00"),
            code="R01",
            receiver="Adam Decaf",
            why=f"not found: no payment of $230.00 waiting to be returned has the ACH trace "
            f"{WADE_TRACE}.",
        )
    ]
    assert result.summary() == (
        f"{DISHONORED}: 1 payment returned ($250.00); 1 return without a payment to return."
    )


def test_two_payments_with_the_trace_and_amount_are_ambiguous_and_neither_is_returned(
    collected, technician, cashier
):
    deposit = cash.open_deposit(department=collected.city.parks, on=DAY, by=cashier)
    twin = ach(deposit, collected.paul, "123.54", PAUL_TRACE, by=cashier)
    cash.close_deposit(deposit, by=cashier)

    result = import_ach_returns(read(WEB), WEB, by=technician)

    assert result.returned == []
    [listed] = result.not_found
    assert (listed.line, listed.trace, listed.amount) == (3, PAUL_TRACE, D("123.54"))
    assert listed.why == (
        f"ambiguous: 2 payments of $123.54 have the ACH trace {PAUL_TRACE} "
        f"({twin.number}, {collected.paul_pays.number}); return the right one by hand."
    )
    assert opens(collected.bills) == [D("0.00"), D("26.46")]


def test_a_payment_returned_by_hand_before_the_file_came_is_listed_as_such(collected, technician):
    by_hand = returns.return_payment(
        collected.paul_pays, reason="nsf", on=date(2026, 3, 12), by=technician
    )
    before = counts()

    result = import_ach_returns(read(WEB), WEB, by=technician)

    assert counts() == before
    assert [u.why for u in result.not_found] == [
        f"payment {collected.paul_pays.number} with the ACH trace {PAUL_TRACE} is already "
        f"returned ({by_hand.number})."
    ]


def test_a_payment_is_found_by_the_individual_id_when_no_payment_has_the_trace(
    city, technician, cashier
):
    who = customer(city.clerk, "Paul Jones")
    deposit = cash.open_deposit(department=city.parks, on=DAY, by=cashier)
    pays = ach(deposit, who, "123.54", "MjMxNDAwMjAtOGQ", by=cashier)
    cash.close_deposit(deposit, by=cashier)

    [back] = import_ach_returns(read(WEB), WEB, by=technician).returned

    assert (back.payment, back.ach_code, back.ach_trace) == (pays, "R01", PAUL_TRACE)


def test_dishonored_returns_are_set_aside_for_a_person(collected, technician, cashier):
    deposit = cash.open_deposit(department=collected.city.parks, on=DAY, by=cashier)
    ach(deposit, collected.paul, "250.00", WADE_TRACE, by=cashier)
    cash.close_deposit(deposit, by=cashier)
    before = counts()

    result = import_ach_returns(read(DISHONORED), DISHONORED, by=technician)

    assert counts() == before
    assert [(u.line, u.code, u.amount) for u in result.set_aside] == [
        (3, "R68", D("250.00")),
        (5, "R68", D("230.00")),
    ]
    assert result.set_aside[0].why.startswith(
        "a dishonored return (R68: Untimely return): the bank refused the return with trace"
    )


def test_the_command_prints_the_summary_and_each_line_not_posted(
    collected, technician, cashier, tmp_path: Path
):
    path = tmp_path / "returns.ach"
    path.write_bytes(read(WEB))
    out = StringIO()

    call_command(
        "cash_import_ach_returns",
        str(path),
        "--user",
        technician.username,
        "--date",
        "2026-03-16",
        stdout=out,
    )

    back = ReturnedPayment.objects.get()
    assert (back.payment, back.returned_on) == (collected.paul_pays, date(2026, 3, 16))
    assert out.getvalue().splitlines() == [
        "returns.ach: 1 payment returned ($123.54); 1 return set aside for a person.",
        f"  returned: {collected.paul_pays.number} $123.54 R01 as {back.number} on 03/16/2026",
        "  line 7: R03 $45.65 Bob Marley, set aside: a credit the agency sent (a refund or "
        "disbursement) came back (R03: No account/unable to locate account): it is not a payment "
        "received; reissue it or post it by hand.",
    ]

    path.write_bytes(two_debit_returns())
    out = StringIO()
    call_command("cash_import_ach_returns", str(path), "--user", technician.username, stdout=out)
    assert "  line 3: R01 $250.00 Wade Arnold, not found: no payment of $250.00" in out.getvalue()


def test_the_command_refuses_a_malformed_file_with_the_parsers_words(
    collected, technician, tmp_path: Path
):
    path = tmp_path / NO_CONTROLS
    path.write_bytes(read(NO_CONTROLS))
    before = counts()
    with pytest.raises(CommandError) as refused:
        call_command("cash_import_ach_returns", str(path), "--user", technician.username)
    assert str(refused.value) == (
        "Line 1, file header: a NACHA file starts with a file header (type 1); this line is a "
        "batch header (type 5)."
    )
    assert counts() == before

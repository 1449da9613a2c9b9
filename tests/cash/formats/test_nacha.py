"""NACHA return files read without a database: the moov-io samples (returns, a dishonored return,
a notification of change, a non-standard reason code, a malformed file), hand-broken variants of
them, and generated files that must tie to their own controls."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fiscus.cash.formats.nacha import (
    CHANGE_CODES,
    RETURN_REASONS,
    looks_like_nacha,
    parse_returns,
    routing_check_digit,
)
from fiscus.cash.formats.statements import FormatError
from tests.cash.formats.conftest import EXTERNAL

WEB = "moov-return-WEB.ach"
DISHONORED = "moov-dishonored-return.ach"
COR = "moov-cor-example.ach"
CUSTOM = "moov-return-PPD-custom-reason-code.ach"
NO_CONTROLS = "moov-return-no-batch-controls.ach"


def read(name: str) -> bytes:
    return (EXTERNAL / "ach" / name).read_bytes()


def refusal(data: bytes, name: str = "returns.ach") -> str:
    with pytest.raises(FormatError) as caught:
        parse_returns(data, name)
    return caught.value.message


def web_with(old: bytes, new: bytes) -> bytes:
    """The WEB sample with one piece of it replaced (it must be there exactly once)."""
    data = read(WEB)
    assert data.count(old) == 1
    return data.replace(old, new)


def without_line(data: bytes, number: int) -> bytes:
    lines = data.split(b"\n")
    return b"\n".join(lines[: number - 1] + lines[number:])


# -- the samples --------------------------------------------------------------------------------


def test_the_web_returns_read_as_a_returned_debit_and_a_returned_credit() -> None:
    returns = parse_returns(read(WEB), WEB)

    assert (
        returns.file_name,
        returns.immediate_destination,
        returns.immediate_origin,
        returns.destination_name,
        returns.origin_name,
        returns.creation_date,
        returns.creation_time,
        returns.file_id_modifier,
    ) == (
        WEB,
        "091400606",
        "691000134",
        "FIRST BANK & TRUST",
        "ASF APPLICATION SUPERVI",
        date(2018, 10, 17),
        time(3, 6),
        "A",
    )
    assert (
        returns.batch_count,
        returns.entry_addenda_count,
        returns.entry_hash,
        returns.total_debit,
        returns.total_credit,
    ) == (2, 4, "0018280120", Decimal("123.54"), Decimal("45.65"))
    paul, bob = returns.entries
    assert (paul.line, paul.addenda_line, paul.batch_number, paul.company_name) == (
        3,
        4,
        "0000001",
        "CoinLion",
    )
    assert (paul.company_id, paul.sec_code, paul.service_class) == ("123456789", "WEB", "200")
    assert (paul.transaction_code, paul.account_type, paul.side) == ("26", "checking", "debit")
    assert (paul.amount, paul.signed_amount) == (Decimal("123.54"), Decimal("-123.54"))
    assert (paul.receiver_name, paul.individual_id) == ("Paul Jones", "MjMxNDAwMjAtOGQ")
    assert (paul.receiving_dfi, paul.account, paul.masked_account) == (
        "091400606",
        "123456789",
        "*****6789",
    )
    assert (paul.reason_code, paul.reason, paul.nonstandard_code) == (
        "R01",
        "Insufficient funds",
        False,
    )
    assert (paul.trace, paul.original_trace, paul.original_receiving_dfi) == (
        "091000017611242",
        "091400600000001",
        "09100001",
    )
    assert (paul.is_return_of_debit, paul.is_return_of_credit, paul.is_notification) == (
        True,
        False,
        False,
    )
    assert paul.date_of_death is None
    assert paul.identity == "ach|091000017611242|R01|091400600000001"
    assert (bob.line, bob.batch_number, bob.transaction_code, bob.side) == (
        7,
        "0000002",
        "21",
        "credit",
    )
    assert (bob.amount, bob.signed_amount, bob.receiver_name) == (
        Decimal("45.65"),
        Decimal("45.65"),
        "Bob Marley",
    )
    assert (bob.reason_code, bob.reason, bob.original_trace, bob.account) == (
        "R03",
        "No account/unable to locate account",
        "091400600000003",
        "867530999999",
    )
    assert bob.is_return_of_credit
    assert (returns.returned_debits, returns.returned_credits) == (
        Decimal("123.54"),
        Decimal("45.65"),
    )
    assert [
        (b.number, b.line, b.control_line, b.entry_hash, b.total_debit, b.total_credit)
        for b in returns.batches
    ] == [
        ("0000001", 2, 5, "0009140060", Decimal("123.54"), Decimal("0.00")),
        ("0000002", 6, 9, "0009140060", Decimal("0.00"), Decimal("45.65")),
    ]


def test_dishonored_returns_read_with_the_return_they_dishonor() -> None:
    returns = parse_returns(read(DISHONORED), DISHONORED)

    assert [
        (e.receiver_name, e.amount, e.reason_code, e.transaction_code, e.trace)
        for e in returns.entries
    ] == [
        ("Wade Arnold", Decimal("250.00"), "R68", "27", "231380100000001"),
        ("Adam Decaf", Decimal("230.00"), "R68", "27", "231380100000002"),
    ]
    wade = returns.entries[0]
    assert (wade.is_dishonored, wade.is_contested, wade.reason) == (True, False, "Untimely return")
    assert (wade.sec_code, wade.service_class, wade.company_name) == ("POS", "225", "Payee Name")
    assert (wade.original_trace, wade.original_receiving_dfi) == ("059999990000301", "12391871")
    assert (wade.return_trace, wade.return_reason_code) == ("123918710000001", "R01")
    assert wade.addenda_information == "Untimely Return"
    assert (returns.total_debit, returns.total_credit, returns.returned_debits) == (
        Decimal("480.00"),
        Decimal("0.00"),
        Decimal("480.00"),
    )


def test_a_contested_dishonored_return_reads_both_traces_and_codes() -> None:
    data = read(DISHONORED)
    first = data.split(b"\n")[3]
    contested = (
        b"799R73059999990000301" + b"230401" + b"12391871" + b"179" + b"123918710000001"
        + b"180" + b"01" + b"231380100000009" + b"181" + b"68" + b" " + b"231380100000001"
    )  # fmt: skip
    assert len(first) == len(contested) == 94

    wade, _ = parse_returns(data.replace(first, contested, 1)).entries

    assert (wade.reason_code, wade.reason, wade.is_contested, wade.is_dishonored) == (
        "R73",
        "Timely original return",
        True,
        False,
    )
    assert (wade.returned_on, wade.return_trace, wade.return_reason_code) == (
        date(2023, 4, 1),
        "123918710000001",
        "R01",
    )
    assert (wade.dishonored_trace, wade.dishonored_reason_code) == ("231380100000009", "R68")


def test_a_notification_of_change_carries_its_corrected_account_and_no_money() -> None:
    returns = parse_returns(read(COR), COR)

    [change] = returns.entries
    assert returns.notifications == (change,)
    assert returns.returns == ()
    assert (change.is_notification, change.amount, change.signed_amount) == (
        True,
        Decimal("0.00"),
        Decimal("0.00"),
    )
    assert (change.change_code, change.reason_code, change.code) == ("C01", "", "C01")
    assert (change.reason, change.nonstandard_code) == ("Incorrect DFI account number", False)
    assert (change.corrected_data, change.original_trace) == ("1918171614", "121042880000001")
    assert (change.sec_code, change.receiver_name, change.account) == (
        "COR",
        "Best Co. #23",
        "744-5678-99",
    )
    assert (change.is_return_of_debit, change.is_return_of_credit) == (False, False)
    assert change.effective_date is None  # the batch header gives 000000
    assert (returns.total_debit, returns.total_credit) == (Decimal("0.00"), Decimal("0.00"))
    assert (returns.returned_debits, returns.returned_credits) == (
        Decimal("0.00"),
        Decimal("0.00"),
    )


def test_a_non_standard_reason_code_is_accepted_and_flagged_in_a_file_with_short_records() -> None:
    returns = parse_returns(read(CUSTOM), CUSTOM)

    [jane] = returns.entries
    assert (jane.reason_code, jane.nonstandard_code, jane.reason) == ("R97", True, "")
    assert (jane.receiver_name, jane.amount, jane.side, jane.transaction_code) == (
        "Jane Doe",
        Decimal("1061.61"),
        "credit",
        "21",
    )
    assert (jane.original_trace, jane.sec_code, jane.company_name, jane.effective_date) == (
        "092221172022300",
        "PPD",
        "dummy company",
        date(2021, 7, 2),
    )
    # the 74-character file header and 55-character file control read as if padded
    assert (returns.origin_name, returns.reference_code, returns.creation_date) == (
        "Fake origin",
        "",
        date(2021, 7, 22),
    )
    assert (returns.total_credit, returns.total_debit) == (Decimal("1061.61"), Decimal("0.00"))


def test_a_file_without_file_header_batch_controls_or_file_control_is_refused() -> None:
    assert refusal(read(NO_CONTROLS)) == (
        "Line 1, file header: a NACHA file starts with a file header (type 1); this line is a "
        "batch header (type 5)."
    )


def test_a_batch_without_its_batch_control_is_refused_at_the_next_batch_header() -> None:
    header = read(WEB).split(b"\n")[0]

    assert refusal(header + b"\n" + read(NO_CONTROLS)) == (
        "Line 5, batch header: batch 0000001 (line 2) has no batch control (type 8) before this "
        "batch header."
    )


def test_the_code_tables_hold_nachas_codes() -> None:
    assert RETURN_REASONS["R01"] == "Insufficient funds"
    assert RETURN_REASONS["R02"] == "Account closed"
    assert RETURN_REASONS["R10"].startswith("Customer advises")
    assert RETURN_REASONS["R29"] == "Corporate customer advises not authorized"
    assert RETURN_REASONS["R68"] == "Untimely return"
    assert {"R01", "R16", "R20", "R53", "R61", "R77", "R85"} <= RETURN_REASONS.keys()
    assert "R97" not in RETURN_REASONS
    assert list(CHANGE_CODES) == [f"C{n:02d}" for n in range(1, 14)]


def test_a_nacha_file_is_told_by_its_file_header() -> None:
    assert all(looks_like_nacha(read(name)) for name in (WEB, DISHONORED, COR, CUSTOM))
    assert not looks_like_nacha(read(NO_CONTROLS))
    assert not looks_like_nacha(b"01,BANK,CUST,181017,0306,1,80,,2/")


def test_records_sent_back_to_back_without_line_breaks_read_the_same() -> None:
    records = [line.ljust(94) for line in read(WEB).decode().splitlines()]

    joined = parse_returns("".join(records).encode(), WEB)

    assert joined == parse_returns(read(WEB), WEB)


# -- broken variants of the samples -------------------------------------------------------------


def test_a_wrong_entry_addenda_count_in_a_batch_control_is_refused() -> None:
    data = web_with(b"82000000020009140060000000012354", b"82000000030009140060000000012354")

    assert refusal(data) == (
        "Line 5, batch control: the entry/addenda count says 3 records but batch 0000001 holds 2."
    )


def test_a_wrong_batch_count_in_the_file_control_is_refused() -> None:
    data = web_with(b"9000002000001", b"9000003000001")

    assert refusal(data) == (
        "Line 10, file control: the batch count says 3 but the file holds 2 batches."
    )


def test_a_wrong_entry_hash_is_refused() -> None:
    data = web_with(b"82000000020009140060000000012354", b"82000000020009140061000000012354")

    assert refusal(data) == (
        "Line 5, batch control: the entry hash (positions 11-20) says 0009140061 but the "
        "receiving DFI identifications of batch 0000001 add up to 0009140060 (its last 10 "
        "digits)."
    )


def test_a_wrong_total_debit_in_a_batch_control_is_refused() -> None:
    data = web_with(b"0009140060000000012354", b"0009140060000000012355")

    assert refusal(data) == (
        "Line 5, batch control: the total debit entry dollar amount (positions 21-32) says "
        "123.55 but the debits of batch 0000001 add up to 123.54."
    )


def test_a_wrong_total_credit_in_the_file_control_is_refused() -> None:
    data = web_with(b"000000012354000000004565 ", b"000000012354000000456500 ")

    assert refusal(data) == (
        "Line 10, file control: the total credit entry dollar amount (positions 44-55) says "
        "4,565.00 but the credits of the batches add up to 45.65."
    )


def test_a_file_cut_short_before_its_file_control_is_refused() -> None:
    data = read(WEB)
    cut = data[: data.index(b"9000002")]

    assert refusal(cut) == (
        "Line 9, file control: the file ends without a file control (type 9); it may have been "
        "cut short."
    )


def test_a_file_cut_inside_a_batch_is_refused() -> None:
    data = read(WEB)
    cut = data[: data.index(b"82000000020009140060")]

    assert refusal(cut) == (
        "Line 4, file control: the file ends inside batch 0000001 (line 2), without its batch "
        "control (type 8) or the file control (type 9); it may have been cut short."
    )


def test_a_letter_in_an_amount_is_refused() -> None:
    data = web_with(b"0000012354MjMx", b"00000123X4MjMx")

    assert refusal(data) == (
        'Line 3, entry detail: the amount (positions 30-39) is "00000123X4"; it must be 10 digits.'
    )


def test_month_13_in_the_file_creation_date_is_refused() -> None:
    data = web_with(b"6910001341810170306", b"6910001341813170306")

    assert refusal(data) == (
        'Line 1, file header: the file creation date (positions 24-29) "181317" is not a date '
        "(YYMMDD)."
    )


def test_month_13_in_a_date_of_death_is_refused() -> None:
    data = web_with(b"799R01091400600000001      ", b"799R15091400600000001181301")

    assert refusal(data) == (
        'Line 4, addenda: the date of death (positions 22-27) "181301" is not a date (YYMMDD).'
    )


def test_a_date_of_death_is_read_from_a_deceased_return() -> None:
    data = web_with(b"799R01091400600000001      ", b"799R15091400600000001180930")

    [paul, _] = parse_returns(data).entries
    assert (paul.reason_code, paul.date_of_death) == ("R15", date(2018, 9, 30))
    assert paul.reason.startswith("Beneficiary or account holder")


def test_a_return_entry_missing_its_addenda_is_refused() -> None:
    data = without_line(read(WEB), 4)

    assert refusal(data) == (
        "Line 3, entry detail: the entry (trace 091000017611242) says it has an addenda record "
        "(indicator 1), but line 4 is a batch control; a return entry carries its return (99) or "
        "notification of change (98) addenda."
    )


def test_a_return_entry_followed_by_the_next_entry_instead_of_its_addenda_is_refused() -> None:
    data = without_line(read(DISHONORED), 4)

    assert refusal(data) == (
        "Line 3, entry detail: the entry (trace 231380100000001) says it has an addenda record "
        "(indicator 1), but line 4 is an entry detail; a return entry carries its return (99) or "
        "notification of change (98) addenda."
    )


def test_an_entry_without_an_addenda_is_not_a_return() -> None:
    data = web_with(b"Paul Jones            S 1", b"Paul Jones            S 0")

    assert refusal(data) == (
        'Line 3, entry detail: the addenda record indicator (position 79) is "0", but every '
        "entry of a return file carries its return (99) or notification of change (98) addenda "
        "(indicator 1); is this a file of payments rather than of returns?"
    )


def test_an_addenda_of_another_type_is_refused() -> None:
    data = web_with(b"799R01", b"705R01")

    assert refusal(data) == (
        'Line 4, addenda: the addenda type code (positions 2-3) is "05"; a return file carries '
        "99 (return) or 98 (notification of change) addenda."
    )


def test_a_reason_code_that_is_not_r_and_two_digits_is_refused() -> None:
    data = web_with(b"799R01", b"799X01")

    assert refusal(data) == (
        'Line 4, addenda: the return reason code (positions 4-6) is "X01"; it must be R and two '
        "digits (R01)."
    )


def test_a_notification_of_change_that_moves_money_is_refused() -> None:
    data = read(COR).replace(b"0000000000location", b"0000001000location")

    assert refusal(data) == (
        "Line 3, entry detail: the entry is a notification of change (the addenda 98 on line 4) "
        "but carries 10.00; a notification moves no money."
    )


def test_a_record_longer_than_94_characters_is_refused() -> None:
    data = web_with(b"Paul Jones            S 1", b"Paul Jones            S 1X")

    assert refusal(data) == (
        "Line 3, entry detail: the record is 95 characters long; a NACHA record is 94."
    )


def test_a_mistyped_receiving_dfi_is_refused_by_its_check_digit() -> None:
    data = web_with(b"626091400606", b"626091400607")

    assert refusal(data) == (
        "Line 3, entry detail: the check digit 7 does not fit the receiving DFI identification "
        "09140060 (it would be 6); the routing number is mistyped."
    )


def test_an_unknown_transaction_code_is_refused() -> None:
    data = web_with(b"626091400606", b"625091400606")

    assert refusal(data) == (
        "Line 3, entry detail: the transaction code (positions 2-3) is 25, which is not a NACHA "
        "transaction code."
    )


def test_two_entries_with_one_trace_number_are_refused() -> None:
    data = read(DISHONORED).replace(
        b"Adam Decaf            011231380100000002", b"Adam Decaf            011231380100000001"
    )

    assert refusal(data) == (
        "Line 5, entry detail: the trace number 231380100000001 is already used by the entry on "
        "line 3; each entry of a file has its own."
    )


def test_a_batch_control_of_another_batch_is_refused() -> None:
    data = web_with(b"1091000010000001\n626", b"1091000010000009\n626")

    assert refusal(data) == (
        "Line 5, batch control: the batch number is 0000001 but the batch header (line 2) says "
        "0000009."
    )


def test_a_record_after_the_file_control_is_refused() -> None:
    data = read(COR).replace(b"\n9999", b"\n5220", 1)

    assert refusal(data) == (
        "Line 7, batch header: there is a record after the file control (type 9); only padding "
        "lines of 9s may follow it."
    )


def test_a_second_file_header_is_refused() -> None:
    data = read(COR)
    header = data.split(b"\n")[0]

    assert refusal(header + b"\n" + data) == (
        "Line 2, file header: a second file header (the first is on line 1); import each file on "
        "its own."
    )


def test_an_empty_file_is_refused() -> None:
    assert refusal(b"  \r\n", "returns.ach") == "The file returns.ach is empty."


# -- generated files ----------------------------------------------------------------------------


def field(value: str | int, width: int) -> str:
    text = f"{value:0{width}d}" if isinstance(value, int) else value.ljust(width)
    assert len(text) == width
    return text


def generated_file(batches: list[list[tuple[str, int, str, str]]]) -> bytes:
    """A return file: each batch a list of entries (transaction code, cents, RDFI, reason)."""
    lines = [
        "101 091400606 6910001341810170306A094101" + field("BANK", 23) + field("CITY", 23)
        + " " * 8
    ]  # fmt: skip
    traces = 0
    file_hash = file_debit = file_credit = 0
    for number, entries in enumerate(batches, start=1):
        lines.append(
            "5200" + field("CITY OF MAPLE", 16) + " " * 20 + field("1234567890", 10) + "WEB"
            + field("RETURN", 10) + " " * 6 + "181017" + "   " + "1" + "09100001"
            + field(number, 7)
        )  # fmt: skip
        batch_hash = debit = credit = 0
        for code, cents, rdfi, reason in entries:
            traces += 1
            lines.append(
                "6" + code + rdfi + str(routing_check_digit(rdfi)) + field("4410098812", 17)
                + field(cents, 10) + field("C000123", 15) + field("MARIA ORTEGA", 22) + "  1"
                + field(91000010000000 + traces, 15)
            )  # fmt: skip
            lines.append(
                "799" + reason + field(91400600000000 + traces, 15) + " " * 6 + rdfi
                + " " * 44 + field(91000010000000 + traces, 15)
            )  # fmt: skip
            batch_hash += int(rdfi)
            if code[1] in "1234":
                credit += cents
            else:
                debit += cents
        lines.append(
            "8200" + field(2 * len(entries), 6) + field(batch_hash % 10**10, 10)
            + field(debit, 12) + field(credit, 12) + field("1234567890", 10) + " " * 25
            + "09100001" + field(number, 7)
        )  # fmt: skip
        file_hash += batch_hash
        file_debit += debit
        file_credit += credit
    count = sum(2 * len(entries) for entries in batches)
    lines.append(
        "9" + field(len(batches), 6) + field(1, 6) + field(count, 8)
        + field(file_hash % 10**10, 10) + field(file_debit, 12) + field(file_credit, 12)
        + " " * 39
    )  # fmt: skip
    assert all(len(line) == 94 for line in lines)
    return ("\r\n".join(lines) + "\r\n").encode()


entries = st.tuples(
    st.sampled_from(["21", "26", "31", "36"]),
    st.integers(min_value=0, max_value=99_999_999_99),
    st.from_regex(r"[0-9]{8}", fullmatch=True),
    st.sampled_from(["R01", "R02", "R03", "R16", "R20", "R29", "R97"]),
)


@settings(deadline=None)
@given(batches=st.lists(st.lists(entries, min_size=1, max_size=6), max_size=4))
def test_a_generated_return_file_ties_its_entries_to_its_file_control(
    batches: list[list[tuple[str, int, str, str]]],
) -> None:
    returns = parse_returns(generated_file(batches), "generated.ach")

    drawn = [entry for batch in batches for entry in batch]
    assert [(e.transaction_code, e.amount, e.reason_code) for e in returns.entries] == [
        (code, Decimal(cents) / 100, reason) for code, cents, _, reason in drawn
    ]
    assert returns.returned_debits == returns.total_debit
    assert returns.returned_credits == returns.total_credit
    assert sum((e.signed_amount for e in returns.entries), Decimal("0.00")) == (
        returns.total_credit - returns.total_debit
    )
    assert returns.entry_addenda_count == 2 * len(drawn)
    assert [e.nonstandard_code for e in returns.entries] == [r == "R97" for *_, r in drawn]

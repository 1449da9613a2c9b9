"""BAI2 files read without a database: every real sample, then hand-broken variants of them.

The expected figures come from the samples' own trailers and SOURCES.md, not from the parser.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from fiscus.cash.formats.bai2 import parse_bai2
from fiscus.cash.formats.statements import BankStatement, FormatError


def read(external: Path, name: str) -> bytes:
    return (external / "bai2" / name).read_bytes()


def refusal(data: bytes) -> FormatError:
    with pytest.raises(FormatError) as caught:
        parse_bai2(data)
    return caught.value


def amounts(statement: BankStatement) -> list[Decimal]:
    return [t.amount for t in statement.transactions]


# -- the real samples ---------------------------------------------------------------------------


def test_the_citi_sample_reads_its_one_credit_with_the_continued_remittance_text(
    external: Path,
) -> None:
    [statement] = parse_bai2(read(external, "moj-example.bai2"))

    assert (statement.account, statement.currency, statement.bank_id) == (
        "77777777",
        "GBP",
        "CITIGB00",
    )
    assert statement.start == statement.end == date(2015, 7, 15)
    [line] = statement.transactions
    assert (line.line, line.amount, line.type_code) == (4, Decimal("0.01"), "191")
    assert line.value_date == date(2015, 7, 15)  # funds type V
    assert (line.bank_reference, line.customer_reference) == ("1234567890", "RP12312312312312")
    assert line.text.startswith("FR:FP SIP INCOMING ENDT:20150715 TRID:RP12312312312312 PY:")
    assert line.text.endswith(
        "OB:111111 BUCKINGHAM PALACE OB3:BARCLAYS BANK PLC BO:11111111 BO1:DOE JO"
    )


def test_the_citi_sample_does_not_add_up_and_says_so(external: Path) -> None:
    [statement] = parse_bai2(read(external, "moj-example.bai2"))

    assert (statement.opening, statement.closing) == (Decimal("100.00"), Decimal("100.00"))
    assert statement.problems == [
        "The closing balance 100.00 does not equal the opening balance 100.00 plus the lines "
        "0.01 (100.01): off by 0.01."
    ]


def test_the_svb_sample_gives_one_statement_per_day(external: Path) -> None:
    first, second = parse_bai2(read(external, "moj-svb-us-example.bai2"))

    assert [s.start for s in (first, second)] == [date(2022, 2, 1), date(2022, 2, 2)]
    assert amounts(first) == [Decimal("4901.96")]
    assert amounts(second) == [Decimal("9058.00")]
    assert (first.opening, first.closing) == (Decimal("347269.79"), Decimal("352171.75"))
    assert (second.opening, second.closing) == (Decimal("352171.75"), Decimal("361229.75"))
    assert first.transactions[0].type_code == "142"
    assert first.transactions[0].bank_reference == "172629"
    assert first.transactions[0].text == "SOME PAYMENT ACH OFFSET"
    assert first.problems == second.problems == []


def test_the_natwest_sample_joins_text_cut_at_eighty_columns_without_a_space(
    external: Path,
) -> None:
    [statement] = parse_bai2(read(external, "moj-nwb-example.bai2"))

    assert statement.account == "88888888 600004"
    assert amounts(statement) == [
        Decimal("-9.71"),
        Decimal("-1.00"),
        Decimal("-1.23"),
        Decimal("-15.71"),
        Decimal("0.89"),
    ]
    assert [t.type_code for t in statement.transactions] == ["699"] * 4 + ["399"]
    assert statement.transactions[-1].text == (
        "TFR XBANKGO24007680SJ CAT JPY 2 GBPXBANKGO24007680BGC INTERNATIONAL-5373 CLIENT SECCY "
        "AC TFR"
    )
    assert (statement.opening, statement.closing) == (Decimal("365.21"), Decimal("338.45"))
    assert statement.problems == []


def test_the_canadian_sample_reads_seventeen_lines_in_two_account_reports(
    external: Path,
) -> None:
    first, second = parse_bai2(read(external, "moov-sample1.bai2"))

    assert {first.account, second.account} == {"10200123456"}
    assert first.currency == "CAD"
    assert len(first.transactions) + len(second.transactions) == 17
    # the 100/400 summaries: 2,085.00 in and out on the 16th, 1,115.00 on the 17th
    assert (first.credits, first.debits) == (Decimal("2085.00"), Decimal("-2085.00"))
    assert (second.credits, second.debits) == (Decimal("1115.00"), Decimal("-1115.00"))
    returned = first.transactions[0]
    assert (returned.line, returned.amount, returned.text) == (
        5,
        Decimal("-25.00"),
        "RETURNED CHEQUE",
    )
    assert returned.value_date == date(2006, 3, 16)
    assert first.transactions[2].text == "RTD CHQ SERVICE CHRG"
    assert first.problems == second.problems == []


def test_the_spec_sample_reads_availability_and_an_amount_carried_into_the_88(
    external: Path,
) -> None:
    statements = parse_bai2(read(external, "moov-bai-spec-sample2.bai2"))

    assert [s.account for s in statements] == [
        "0123456789",
        "9876543210",
        "4589761203",
        "0975312468",
        "7890654321",
    ]
    first, second, third = statements[:3]
    # funds type S: three availability amounts consumed, nothing taken for references
    assert [(t.amount, t.bank_reference, t.text) for t in first.transactions] == [
        (Decimal("4500.00"), "", "")
    ]
    assert first.opening == Decimal("43500.00")
    assert second.opening == Decimal("-5000.00")
    assert [(t.amount, t.text) for t in second.transactions] == [
        (Decimal("5000.00"), "LOCK BOX NO.68751")
    ]
    letter = third.transactions[0]
    assert (letter.type_code, letter.amount, letter.value_date) == (
        "218",
        Decimal("200000.00"),
        date(2004, 6, 22),
    )
    assert (letter.bank_reference, letter.customer_reference) == ("SP4738", "YRC065321")
    assert letter.text == "PROCEEDS OF LETTER OF CREDIT FROM THE ARAMCO OIL CO"


def test_the_spec_sample_reports_summaries_its_detail_does_not_reach(external: Path) -> None:
    statements = parse_bai2(read(external, "moov-bai-spec-sample2.bai2"))

    assert statements[1].problems == [
        "The bank's total credits are 10,000.00, but the credit lines add up to 5,000.00 in 1 "
        "line: some lines may be missing from the file.",
        "The bank's total debits are 20,000.00, but the debit lines add up to 0.00 in 0 lines: "
        "some lines may be missing from the file.",
    ]
    assert statements[4].notes == [
        "The bank sends the group on line 26 as a correction of an earlier report."
    ]


def test_several_records_on_one_line_and_a_record_wrapped_over_two_are_read(
    external: Path,
) -> None:
    statements = parse_bai2(read(external, "moov-sample3-multirecord-lines.bai2"))

    assert len(statements) == 15
    lines = [t for s in statements for t in s.transactions]
    assert len(lines) == 26
    # two records on physical line 3
    assert [(t.line, t.amount) for t in statements[0].transactions[:2]] == [
        (3, Decimal("25.00")),
        (3, Decimal("5.00")),
    ]
    # line 13 holds two 16s and the account trailer; line 11 an 03 and its 49
    assert [t.line for t in statements[3].transactions] == [13, 13]
    # the 16 on line 18 runs on to line 19
    assert statements[7].transactions[0].line == 18
    assert statements[7].transactions[0].text.startswith("111111     ACH_SETL           1111111111")
    # every account's opening plus its lines is its closing
    assert all(s.problems == [] for s in statements)
    assert sum((s.total for s in statements), Decimal(0)) == Decimal("-197.05")


def test_the_nonconforming_bank_file_is_refused_at_the_trailer_that_does_not_tie(
    external: Path,
) -> None:
    error = refusal(read(external, "moov-sample5-nonconforming.bai2"))

    assert error.message == (
        "Line 22, account trailer: the record count says 26 but the account holds 18 records."
    )
    assert (error.line, error.field) == (22, "account trailer")


def test_every_line_of_a_file_has_its_own_identity_and_keeps_it(external: Path) -> None:
    for name in ("moov-sample1.bai2", "moov-sample3-multirecord-lines.bai2"):
        data = read(external, name)
        once = [t.identity for s in parse_bai2(data) for t in s.transactions]
        again = [t.identity for s in parse_bai2(data) for t in s.transactions]

        assert once == again
        assert len(set(once)) == len(once)


# -- hand-broken variants -----------------------------------------------------------------------


def test_a_file_cut_short_is_refused_at_its_last_line(external: Path) -> None:
    data = read(external, "moov-sample1.bai2")
    without_trailer = data[: data.rindex(b"99,")]

    error = refusal(without_trailer)

    assert error.message == (
        "Line 26, file trailer: the file ends without a file trailer (99); it may have been "
        "cut short."
    )


def test_a_file_cut_in_the_middle_of_an_account_is_refused(external: Path) -> None:
    data = read(external, "moov-sample1.bai2")
    half = data[: data.index(b"PENHORA")]  # line 12

    error = refusal(half)

    assert (error.line, error.field) == (12, "file trailer")


def test_a_wrong_account_control_total_is_refused(external: Path) -> None:
    data = read(external, "moov-sample1.bai2").replace(
        b"49,+00000000000834000,14/", b"49,+00000000000834001,14/"
    )

    assert refusal(data).message == (
        "Line 16, account trailer: the control total says 8,340.01 but the account's amounts "
        "add up to 8,340.00."
    )


def test_a_wrong_account_record_count_is_refused(external: Path) -> None:
    data = read(external, "moov-sample1.bai2").replace(
        b"49,+00000000000446000,9/", b"49,+00000000000446000,8/"
    )

    assert refusal(data).message == (
        "Line 25, account trailer: the record count says 8 but the account holds 9 records."
    )


def test_a_wrong_group_record_count_is_refused(external: Path) -> None:
    data = read(external, "moov-sample1.bai2").replace(
        b"98,+00000000001280000,2,25/", b"98,+00000000001280000,2,24/"
    )

    assert refusal(data).message == (
        "Line 26, group trailer: the record count says 24 but the group holds 25 records."
    )


def test_a_wrong_group_account_count_is_refused(external: Path) -> None:
    data = read(external, "moov-sample1.bai2").replace(
        b"98,+00000000001280000,2,25/", b"98,+00000000001280000,3,25/"
    )

    assert refusal(data).message == (
        "Line 26, group trailer: the account count says 3 but the group holds 2 accounts."
    )


def test_a_wrong_file_control_total_is_refused(external: Path) -> None:
    data = read(external, "moov-sample1.bai2").replace(
        b"99,+00000000001280000,1,27/", b"99,+00000000001280100,1,27/"
    )

    assert refusal(data).message == (
        "Line 27, file trailer: the control total says 12,801.00 but the file's groups add up "
        "to 12,800.00."
    )


def test_a_wrong_file_record_count_is_refused(external: Path) -> None:
    data = read(external, "moj-svb-us-example.bai2").replace(
        b"99,282030196,2,20", b"99,282030196,2,21"
    )

    assert refusal(data).message == (
        "Line 20, file trailer: the record count says 21 but the file holds 20 records."
    )


def test_an_impossible_as_of_date_is_refused(external: Path) -> None:
    data = read(external, "moov-sample1.bai2").replace(
        b"02,12345,0004,1,060317", b"02,12345,0004,1,061317"
    )

    assert refusal(data).message == (
        'Line 2, group header: the as-of date "061317" is not a date (YYMMDD).'
    )


def test_an_impossible_value_date_is_refused(external: Path) -> None:
    data = read(external, "moj-example.bai2").replace(
        b"16,191,001,V,150715", b"16,191,001,V,150732"
    )

    assert refusal(data).message == (
        'Line 4, transaction: the value date "150732" is not a date (YYMMDD).'
    )


def test_an_amount_that_is_not_a_number_is_refused(external: Path) -> None:
    data = read(external, "moov-sample1.bai2").replace(
        b"000000000090000,V,060316,,,,RTN", b"00000000009OOOO,V,060316,,,,RTN"
    )

    assert refusal(data).message == (
        'Line 6, transaction: the amount "00000000009OOOO" is not an amount.'
    )


def test_an_account_without_its_trailer_is_refused_at_the_next_account(external: Path) -> None:
    data = read(external, "moov-sample1.bai2").replace(b"49,+00000000000834000,14/\n", b"")

    assert refusal(data).message == (
        "Line 16, account: the account that starts on line 3 has no account trailer (49) "
        "before this account."
    )


def test_a_record_after_the_file_trailer_is_refused(external: Path) -> None:
    data = read(external, "moj-example.bai2") + b"16,191,001,,,,\n"

    assert refusal(data).message == (
        "Line 15: there is a record (16) after the file trailer (99) on line 14."
    )


def test_an_unknown_record_type_is_refused(external: Path) -> None:
    data = read(external, "moj-example.bai2").replace(b"88,BI:22222222", b"17,BI:22222222")

    assert refusal(data).message == (
        'Line 9: "17" is not a BAI2 record type (01, 02, 03, 16, 49, 88, 98 or 99).'
    )


def test_a_file_of_another_bai_version_is_refused(external: Path) -> None:
    data = read(external, "moj-example.bai2").replace(b",,,2/", b",,,3/", 1)

    assert refusal(data).message == (
        'Line 1, file header: the version is "3"; Fiscus reads BAI version 2 files.'
    )


def test_a_balance_type_code_on_a_transaction_is_refused(external: Path) -> None:
    data = read(external, "moj-example.bai2").replace(b"16,191,", b"16,015,")

    assert refusal(data).message == (
        "Line 4, transaction: type code 015 is a balance (status) code; a transaction needs a "
        "credit or debit type code."
    )


def test_an_unknown_funds_type_is_refused(external: Path) -> None:
    data = read(external, "moj-example.bai2").replace(
        b"16,191,001,V,150715,", b"16,191,001,X,150715,"
    )

    assert refusal(data).message == (
        'Line 4, transaction: the funds type "X" is not one of 0, 1, 2, S, V, D or Z.'
    )


# -- hand-made files ----------------------------------------------------------------------------


def one_account(*details: str, control: int, opening: int = 100000, closing: int = 100000) -> bytes:
    """A file with one group and one account; `control` is the account's control total."""
    count = 2 + len(details)
    return "\n".join(
        [
            "01,CITY,BANK,260316,0800,7,80,,2/",
            "02,CITY,BANK1,1,260315,,USD,2/",
            f"03,1234,,010,{opening},,,015,{closing},,/",
            *details,
            f"49,{control},{count}/",
            f"98,{control},1,{count + 2}/",
            f"99,{control},1,{count + 4}/",
        ]
    ).encode()


def test_distributed_availability_is_consumed_before_the_references() -> None:
    data = one_account(
        "16,115,10000,D,2,0,6000,1,4000,REF-1,CUST-9,LOCKBOX DEPOSIT/",
        control=100000 + 110000 + 10000,
        closing=110000,
    )

    [statement] = parse_bai2(data)

    [line] = statement.transactions
    assert (line.amount, line.bank_reference, line.customer_reference, line.text) == (
        Decimal("100.00"),
        "REF-1",
        "CUST-9",
        "LOCKBOX DEPOSIT",
    )
    assert statement.problems == []


def test_a_non_monetary_record_is_left_out_with_a_note() -> None:
    data = one_account("16,890,0,,,,ACCOUNT REVIEWED/", control=200000)

    [statement] = parse_bai2(data)

    assert statement.transactions == []
    assert statement.notes == [
        "Line 4: type code 890 (non-monetary information) carries no money; it was not "
        "imported as a line: ACCOUNT REVIEWED."
    ]


def test_a_detail_amount_with_a_minus_sign_is_refused() -> None:
    data = one_account("16,495,-500,,,,WIRE OUT/", control=199500)

    assert refusal(data).message == (
        'Line 4, transaction: the amount "-500" has a minus sign; a detail record gives its '
        "direction by its type code."
    )


def test_detail_records_without_slashes_keep_slashes_inside_their_text() -> None:
    data = one_account(
        "16,447,60000,,SPB2322,AB/GS/RP0001,ACH Credit Payment, SEC: CCD",
        "88,EREF: AB/GS/RP0001",
        control=100000 + 40000 + 60000,
        closing=40000,
    )

    [statement] = parse_bai2(data)

    [line] = statement.transactions
    assert line.amount == Decimal("-600.00")
    assert line.customer_reference == "AB/GS/RP0001"
    assert line.text == "ACH Credit Payment, SEC: CCD EREF: AB/GS/RP0001"

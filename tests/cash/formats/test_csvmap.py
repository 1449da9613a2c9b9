"""Bank CSV exports read through a saved column mapping, without a database: the three OCA
samples with a mapping each, mappings saved as JSON and read back, and hand-broken variants."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from fiscus.cash.formats.csvmap import CsvMapping, parse_csv
from fiscus.cash.formats.statements import FormatError

# Running balance, quoted thousands separators, US dates.
BALANCE = CsvMapping(
    date_column="Date",
    amount_column="Amount",
    description_columns=["Label"],
    payer_column="Partner Name",
    balance_column="Balance",
)
# Amounts in the account's currency; the original currency's amount is left aside.
STATEMENT_EN = CsvMapping(
    date_column="Date",
    amount_column="Amount",
    description_columns=["Label"],
    payer_column="Partner Name",
)
# Four metadata lines, the column header, one footer line; decimal comma; debit and credit
# columns; the balances stated in the metadata. The file does not say whether 01/04/20 is
# January 4 or April 1; its metadata ("download start 01/04/2020, end 02/04/2020", a French
# bank) reads most naturally day first, so this agency's mapping says %d/%m/%y.
META = CsvMapping(
    date_column="Date",
    debit_column="Debit",
    credit_column="Credit",
    description_columns=["Label", "Detail"],
    reference_column="Operation Number",
    decimal_separator=",",
    thousands_separator="",
    date_format="%d/%m/%y",
    header_lines=4,
    footer_lines=1,
    opening_balance_label="Balance at start of period",
    closing_balance_label="Balance at end of period",
    account="08088804068",
    currency="EUR",
)


def read(external: Path, name: str) -> bytes:
    return (external / "csv" / name).read_bytes()


def refusal(data: bytes, mapping: CsvMapping) -> FormatError:
    with pytest.raises(FormatError) as caught:
        parse_csv(data, mapping)
    return caught.value


# -- the samples --------------------------------------------------------------------------------


def test_a_running_balance_implies_the_opening_and_ties_each_line(external: Path) -> None:
    statement = parse_csv(read(external, "oca-balance.csv"), BALANCE)

    assert [(t.line, t.booked, t.amount, t.text, t.payer) for t in statement.transactions] == [
        (2, date(2018, 12, 15), Decimal("-33.50"), "Your best supplier", "John Doe"),
        (3, date(2018, 12, 15), Decimal("1533.50"), "Your payment", "Azure Interior"),
    ]
    assert (statement.opening, statement.closing) == (Decimal("10.00"), Decimal("1510.00"))
    assert statement.opening_implied
    assert statement.problems == []


def test_the_english_sample_reads_the_amounts_in_the_account_currency(external: Path) -> None:
    statement = parse_csv(read(external, "oca-sample_statement_en.csv"), STATEMENT_EN)

    assert [t.amount for t in statement.transactions] == [Decimal("-33.50"), Decimal("1525.00")]
    assert statement.total == Decimal("1491.50")
    assert statement.transactions[1].text == "Your payment on 12/15/2018"
    assert (statement.opening, statement.closing) == (None, None)
    assert (statement.format, statement.currency) == ("csv", "USD")


def test_the_metadata_sample_reads_debits_credits_and_stated_balances(external: Path) -> None:
    statement = parse_csv(read(external, "oca-meta_data_separated_credit_debit.csv"), META)

    assert [(t.line, t.booked, t.amount, t.bank_reference) for t in statement.transactions] == [
        (6, date(2020, 4, 1), Decimal("-50.00"), "UNIQUE OP 1"),
        (7, date(2020, 4, 1), Decimal("-100.00"), "UNIQUE OP 2"),
        (8, date(2020, 4, 2), Decimal("-80.68"), "UNIQUE OP 3"),
        (9, date(2020, 4, 2), Decimal("1300.00"), "UNIQUE OP 4"),
    ]
    assert statement.transactions[1].text == "LABEL 2 CLIENTS X"
    assert (statement.opening, statement.closing) == (Decimal("30000.77"), Decimal("31070.11"))
    assert (statement.start, statement.end) == (date(2020, 4, 1), date(2020, 4, 2))
    assert (statement.account, statement.currency) == ("08088804068", "EUR")


def test_the_two_cents_the_metadata_sample_is_off_by_are_reported(external: Path) -> None:
    statement = parse_csv(read(external, "oca-meta_data_separated_credit_debit.csv"), META)

    assert statement.problems == [
        "The closing balance 31,070.11 does not equal the opening balance 30,000.77 plus the "
        "lines 1,069.32 (31,070.09): off by 0.02."
    ]


def test_the_same_export_parsed_again_gives_the_same_identities(external: Path) -> None:
    data = read(external, "oca-meta_data_separated_credit_debit.csv")

    once = [t.identity for t in parse_csv(data, META).transactions]

    assert once == [t.identity for t in parse_csv(data, META).transactions]
    assert len(set(once)) == 4


# -- saved mappings -----------------------------------------------------------------------------


@pytest.mark.parametrize("mapping", [BALANCE, STATEMENT_EN, META])
def test_a_mapping_saved_as_json_reads_back_the_same(mapping: CsvMapping) -> None:
    saved = json.dumps(mapping.to_dict())

    assert CsvMapping.from_dict(json.loads(saved)) == mapping


def test_columns_may_be_given_by_position(external: Path) -> None:
    by_position = CsvMapping(date_column=1, amount_column=3, balance_column=4, payer_column=5)

    statement = parse_csv(read(external, "oca-balance.csv"), by_position)

    assert [t.payer for t in statement.transactions] == ["John Doe", "Azure Interior"]
    assert statement.closing == Decimal("1510.00")


def test_a_saved_mapping_with_an_unknown_setting_is_refused() -> None:
    with pytest.raises(FormatError) as caught:
        CsvMapping.from_dict({"date_column": "Date", "amount_column": "Amount", "sep": ";"})

    assert caught.value.message == 'The mapping has an unknown setting "sep".'


def test_a_mapping_with_an_amount_and_debit_credit_columns_is_refused() -> None:
    with pytest.raises(FormatError) as caught:
        CsvMapping(date_column="Date", amount_column="Amount", debit_column="Debit")

    assert caught.value.message == (
        "The mapping's amount_column and debit/credit columns cannot both be given; choose one."
    )


def test_a_mapping_whose_date_format_is_not_a_whole_date_is_refused() -> None:
    with pytest.raises(FormatError) as caught:
        CsvMapping(date_column="Date", amount_column="Amount", date_format="%m/%Y")

    assert caught.value.message == (
        'The mapping\'s date_format "%m/%Y" does not give a whole date (e.g. %m/%d/%Y).'
    )


# -- hand-broken variants -----------------------------------------------------------------------


def test_a_running_balance_that_does_not_tie_is_reported_on_its_row(external: Path) -> None:
    data = read(external, "oca-balance.csv").replace(b'"1,510.00"', b'"1,510.01"')

    statement = parse_csv(data, BALANCE)

    assert statement.problems == [
        "Row 3: the balance 1,510.01 is not the balance before it plus 1,533.50 (1,510.00): "
        "off by 0.01.",
        "The closing balance 1,510.01 does not equal the opening balance 10.00 plus the lines "
        "1,500.00 (1,510.00): off by 0.01.",
    ]


def test_a_file_listed_newest_first_is_recognised_by_its_balances(external: Path) -> None:
    header, first, second = read(external, "oca-balance.csv").splitlines(keepends=True)
    newest_first = header + second + first

    statement = parse_csv(newest_first, BALANCE)

    assert statement.problems == []
    assert (statement.opening, statement.closing) == (Decimal("10.00"), Decimal("1510.00"))
    assert statement.notes[0] == "The file lists the newest line first; its balances run upwards."


def test_a_date_the_mapping_cannot_read_is_refused_with_row_and_column(external: Path) -> None:
    data = read(external, "oca-meta_data_separated_credit_debit.csv").replace(
        b"02/04/20,UNIQUE OP 3", b"31/31/20,UNIQUE OP 3"
    )

    assert refusal(data, META).message == (
        'Row 8, Date: "31/31/20" is not a date; the mapping expects dates like 31/01/26 (%d/%m/%y).'
    )


def test_an_amount_with_the_wrong_separators_is_refused(external: Path) -> None:
    data = read(external, "oca-balance.csv").replace(b'"1,533.50"', b'"1,53,3.50"')

    assert refusal(data, BALANCE).message == (
        'Row 3, Amount: "1,53,3.50" is not an amount written like 1,234.50.'
    )


def test_an_amount_with_a_fraction_of_a_cent_is_refused(external: Path) -> None:
    data = read(external, "oca-meta_data_separated_credit_debit.csv").replace(
        b'"-80,68"', b'"-80,685"'
    )

    assert refusal(data, META).message == (
        'Row 8, Debit: "-80,685" has a fraction of a cent; Fiscus books whole cents.'
    )


def test_a_row_with_both_a_debit_and_a_credit_is_refused(external: Path) -> None:
    data = read(external, "oca-meta_data_separated_credit_debit.csv").replace(
        b'"-80,68",,', b'"-80,68","80,68",'
    )

    assert refusal(data, META).message == (
        "Row 8: both Debit and Credit hold an amount; a line is one or the other."
    )


def test_a_column_the_file_does_not_have_is_refused_on_the_header_row(external: Path) -> None:
    mapping = CsvMapping(date_column="Date", amount_column="Montant")

    assert refusal(read(external, "oca-balance.csv"), mapping).message == (
        'Row 1: the header has no "Montant" column (the mapping\'s amount_column).'
    )


def test_a_footer_line_the_mapping_does_not_skip_is_refused_as_a_row(external: Path) -> None:
    mapping = CsvMapping.from_dict({**META.to_dict(), "footer_lines": 0})

    assert refusal(read(external, "oca-meta_data_separated_credit_debit.csv"), mapping).message == (
        'Row 10, Date: "Balance at start of period" is not a date; the mapping expects dates '
        "like 31/01/26 (%d/%m/%y)."
    )


def test_a_balance_label_the_file_does_not_have_is_refused(external: Path) -> None:
    mapping = CsvMapping.from_dict({**META.to_dict(), "opening_balance_label": "Solde initial"})

    assert refusal(read(external, "oca-meta_data_separated_credit_debit.csv"), mapping).message == (
        'The file has no "Solde initial" line among its header and footer lines; check the '
        "mapping's balance labels and header/footer line counts."
    )

"""camt.053 and camt.054 read without a database, checked against genkgo/camt's own reading of
the same samples (the X.expected.json beside each file), then hand-changed variants."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fiscus.cash.formats.camt import parse_camt
from fiscus.cash.formats.statements import BankStatement, FormatError

SAMPLES = (
    "camt053.v2.minimal",
    "camt053.v2.multi.statement",
    "camt053.v2.five.decimals",
    "camt053.v4",
    "camt053.v8",
    "camt054.v2",
)


def read(external: Path, name: str) -> bytes:
    return (external / "camt" / f"{name}.xml").read_bytes()


def refusal(data: bytes) -> FormatError:
    with pytest.raises(FormatError) as caught:
        parse_camt(data)
    return caught.value


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def cents(money: dict[str, Any]) -> tuple[Decimal, str]:
    return Decimal(money["getAmount"]) / 100, money["getCurrency"]["getCode"]


def expected(external: Path, name: str) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """genkgo's entries and its statements by id (its JSON writes each object once)."""
    data = json.loads((external / "camt" / f"{name}.expected.json").read_text())
    nodes = list(walk(data))
    entries = [n for n in nodes if n.get("__CLASS__") == "Genkgo\\Camt\\DTO\\Entry"]
    records = {n["getId"]: n for n in nodes if "getAccount" in n and "getId" in n}
    return entries, records


def by_id(statements: list[BankStatement]) -> dict[str, BankStatement]:
    return {s.statement_id: s for s in statements}


# -- against the independent reading ------------------------------------------------------------


@pytest.mark.parametrize("name", SAMPLES)
def test_entries_agree_with_the_independent_reading(external: Path, name: str) -> None:
    statements = parse_camt(read(external, name))
    lines = [t for s in statements for t in s.transactions]
    entries, _ = expected(external, name)

    assert entries, "the expected file lists entries"
    for entry in entries:
        amount, _currency = cents(entry["getAmount"])
        booked = date.fromisoformat(entry["getBookingDate"]["0"][:10])
        matches = [t for t in lines if t.amount == amount and t.booked == booked]
        assert len(matches) == 1, (name, amount, booked)
        line = matches[0]
        assert line.bank_reference == (entry["getAccountServicerReference"] or "")
        detail = entry["getTransactionDetail"]
        end_to_end = (detail.get("getReference") or {}).get("getEndToEndId")
        remittance = (detail.get("getRemittanceInformation") or {}).get("getMessage")
        if remittance:
            assert remittance in f"{line.customer_reference} {line.text}"
        if end_to_end and not line.customer_reference.count(";"):
            assert line.customer_reference in (end_to_end, remittance)


@pytest.mark.parametrize("name", SAMPLES)
def test_balances_agree_with_the_independent_reading(external: Path, name: str) -> None:
    statements = by_id(parse_camt(read(external, name)))
    _, records = expected(external, name)

    assert records
    for statement_id, record in records.items():
        statement = statements[statement_id]
        kinds = {b["getType"]: cents(b["getAmount"])[0] for b in record.get("getBalances", [])}
        assert statement.opening == kinds.get("opening")
        assert statement.closing == kinds.get("closing")
        assert statement.account == record["getAccount"]["getIdentification"]


# -- what each sample holds ---------------------------------------------------------------------


def test_the_minimal_statement_reads_its_credit_with_the_creditor_reference(
    external: Path,
) -> None:
    [statement] = parse_camt(read(external, "camt053.v2.minimal"))

    assert (statement.format, statement.account, statement.currency) == (
        "camt053",
        "NL26VAYB8060476890",
        "EUR",
    )
    [line] = statement.transactions
    assert (line.line, line.amount, line.booked, line.value_date) == (
        90,
        Decimal("8.85"),
        date(2014, 12, 31),
        date(2015, 1, 2),
    )
    assert (line.type_code, line.customer_reference, line.payer) == (
        "544",
        "4654654654654654",
        "NAME NAME",
    )


def test_a_closing_balance_in_another_currency_and_off_is_reported(external: Path) -> None:
    [statement] = parse_camt(read(external, "camt053.v2.minimal"))

    assert statement.problems == [
        "Line 54: the closing balance (CLBD) is in SEK, but the account is in EUR.",
        "The closing balance -27.00 does not equal the opening balance 18.15 plus the lines "
        "8.85 (27.00): off by 54.00.",
    ]


def test_two_statements_in_one_message_are_two_statements(external: Path) -> None:
    first, second = parse_camt(read(external, "camt053.v2.multi.statement"))

    assert [s.statement_id for s in (first, second)] == [
        "253EURNL26VAYB8060476890",
        "254EURNL26VAYB8060476890",
    ]
    assert [(t.amount, t.customer_reference, t.text) for t in first.transactions] == [
        (Decimal("8.85"), "000000001", "Transaction Description 1")
    ]
    assert [(t.amount, t.customer_reference, t.text) for t in second.transactions] == [
        (Decimal("-7.00"), "000000002", "Transaction Description 2")
    ]
    assert second.transactions[0].payer == "Company Name 2"  # the creditor, on a debit
    assert (second.opening, second.closing) == (Decimal("27.00"), Decimal("20.00"))
    assert first.problems == second.problems == []


def test_trailing_zeros_past_the_cent_are_read_exactly_and_the_gap_reported(
    external: Path,
) -> None:
    # "18.150", "27.050", "8.850": three places, but whole cents; genkgo reads 1815/2705/885.
    [statement] = parse_camt(read(external, "camt053.v2.five.decimals"))

    assert (statement.opening, statement.closing) == (Decimal("18.15"), Decimal("27.05"))
    assert [t.amount for t in statement.transactions] == [Decimal("8.85")]
    assert statement.problems == [
        "The closing balance 27.05 does not equal the opening balance 18.15 plus the lines "
        "8.85 (27.00): off by 0.05."
    ]


def test_an_amount_with_a_fraction_of_a_cent_is_refused_not_rounded(external: Path) -> None:
    data = read(external, "camt053.v2.five.decimals").replace(b">8.850<", b">8.855<")

    error = refusal(data)

    assert error.message == (
        'Line 62, Ntry/Amt: the amount "8.855" has a fraction of a cent. Fiscus books whole '
        "cents and does not round the bank's amounts; ask the bank for the statement in whole "
        "cents."
    )


def test_later_versions_read_the_same_with_domain_codes(external: Path) -> None:
    [v4] = parse_camt(read(external, "camt053.v4"))
    [v8] = parse_camt(read(external, "camt053.v8"))

    assert v4.transactions[0].type_code == "PAYM-0001-0005"
    assert v8.transactions[0].type_code == "PMNT-RCDT-BOOK"
    for statement in (v4, v8):
        [line] = statement.transactions
        assert (line.amount, line.bank_reference) == (Decimal("8.85"), "AAAASESS-FP-CN_98765/01")
        assert line.payer == "NAME NAME"  # v8 wraps it in Dbtr/Pty/Nm
        assert statement.bank_id == "AAAA BANKEN"
    assert v8.transactions[0].booked == date(2014, 12, 31)  # 13:15+01:00, the date as written


def test_a_notification_is_a_statement_of_its_entries(external: Path) -> None:
    [statement] = parse_camt(read(external, "camt054.v2"))

    assert (statement.account, statement.currency) == ("CH2801234000123456789", "SEK")
    assert (statement.opening, statement.closing) == (None, None)
    [line] = statement.transactions
    assert (line.amount, line.booked, line.type_code) == (
        Decimal("-200000.00"),
        date(2007, 10, 18),
        "PMNT-ICDT-DMCT",
    )
    assert line.customer_reference == (
        "ISR ref number V1; ISR ref number V2; Ref number V3 block 1; Ref number V3 block 2"
    )
    assert line.text.startswith(
        "Unstructured Remittance Information V1 Additional Remittance Information V1"
    )
    assert statement.notes == [
        "A camt.054 debit/credit notification: it lists entries but no balances."
    ]


# -- hand-changed variants ----------------------------------------------------------------------


def batch_of(external: Path, amounts: tuple[str, str, str]) -> bytes:
    """The camt.054 sample with an amount on each of its three transaction details."""
    data = read(external, "camt054.v2")
    parts = data.split(b"<TxDtls>")
    assert len(parts) == 4
    return parts[0] + b"".join(
        b'<TxDtls><Amt Ccy="SEK">' + a.encode() + b"</Amt>" + rest
        for a, rest in zip(amounts, parts[1:], strict=True)
    )


def test_a_batch_entry_whose_details_carry_amounts_becomes_one_line_each(
    external: Path,
) -> None:
    [statement] = parse_camt(batch_of(external, ("50000.00", "50000.00", "100000.00")))

    assert [(t.line, t.amount, t.customer_reference) for t in statement.transactions] == [
        (79, Decimal("-50000.00"), "ISR ref number V1"),
        (103, Decimal("-50000.00"), "ISR ref number V2"),
        (126, Decimal("-100000.00"), "Ref number V3 block 1; Ref number V3 block 2"),
    ]
    identities = [t.identity for t in statement.transactions]
    assert len(set(identities)) == 3
    assert statement.total == Decimal("-200000.00")


def test_a_batch_whose_detail_amounts_do_not_add_up_stays_one_line(external: Path) -> None:
    [statement] = parse_camt(batch_of(external, ("50000.00", "50000.00", "99999.99")))

    assert [t.amount for t in statement.transactions] == [Decimal("-200000.00")]


def test_pending_entries_are_left_out_with_a_note(external: Path) -> None:
    data = read(external, "camt053.v2.multi.statement").replace(
        b"<Sts>BOOK</Sts>", b"<Sts>PDNG</Sts>", 1
    )

    first, _second = parse_camt(data)

    assert first.transactions == []
    assert first.notes == ["1 entry was left out as PDNG (pending): only booked entries are lines."]


def test_a_transaction_summary_that_disagrees_is_reported(external: Path) -> None:
    summary = (
        b"<TxsSummry><TtlNtries><NbOfNtries>2</NbOfNtries><TtlNetNtry><Amt>9.00</Amt>"
        b"<CdtDbtInd>CRDT</CdtDbtInd></TtlNetNtry></TtlNtries></TxsSummry><Ntry>"
    )
    data = read(external, "camt053.v2.multi.statement").replace(b"<Ntry>", summary, 1)

    first, _second = parse_camt(data)

    assert first.problems == [
        "Line 66: the transaction summary counts 2 entries, but the statement holds 1.",
        "Line 66: the transaction summary's net total is 9.00, but the entries add up to 8.85.",
    ]


def test_a_missing_credit_debit_indicator_is_refused_with_its_line(external: Path) -> None:
    data = read(external, "camt053.v2.multi.statement").replace(
        b"<CdtDbtInd>DBIT</CdtDbtInd>", b"<CdtDbtInd>DEBT</CdtDbtInd>"
    )

    assert refusal(data).message == (
        'Line 147, Ntry/CdtDbtInd: the credit/debit indicator is "DEBT"; it must be CRDT or DBIT.'
    )


def test_an_impossible_booking_date_is_refused(external: Path) -> None:
    data = read(external, "camt053.v2.minimal").replace(
        b"<BookgDt>\n                    <Dt>2014-12-31",
        b"<BookgDt>\n                    <Dt>2014-12-32",
    )

    assert refusal(data).message == (
        'Line 96, Ntry/BookgDt/Dt: "2014-12-32" is not a date (YYYY-MM-DD).'
    )


def test_a_file_cut_short_is_refused_where_the_xml_breaks(external: Path) -> None:
    data = read(external, "camt053.v8")
    cut = data[: data.index(b"<NtryDtls>")]

    error = refusal(cut)

    assert error.message == "Line 132: the XML is broken (no element found)."


def test_a_doctype_is_refused_so_no_entity_can_expand(external: Path) -> None:
    bomb = (
        b'<?xml version="1.0"?>\n<!DOCTYPE Document [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">&b;</Document>'
    )

    assert "declares a DOCTYPE" in refusal(bomb).message


def test_another_iso_message_is_refused_by_name(external: Path) -> None:
    data = read(external, "camt053.v2.minimal").replace(b"camt.053.001.02", b"camt.052.001.02")

    assert refusal(data).message == (
        "Line 2: the file is an ISO 20022 camt.052 message, not a bank statement (camt.053) or "
        "debit/credit notification (camt.054)."
    )


def test_a_previous_closing_balance_serves_as_the_opening(external: Path) -> None:
    data = read(external, "camt053.v2.multi.statement").replace(b"<Cd>OPBD</Cd>", b"<Cd>PRCD</Cd>")

    first, second = parse_camt(data)

    assert (first.opening, second.opening) == (Decimal("18.15"), Decimal("27.00"))
    assert first.problems == second.problems == []


def test_a_statement_without_a_period_takes_its_dates_from_its_lines(external: Path) -> None:
    _first, second = parse_camt(read(external, "camt053.v2.multi.statement"))

    assert (second.start, second.end) == (date(2014, 12, 31), date(2014, 12, 31))

"""OFX read without a database: the two real 1.02 SGML samples, the same statement as OFX 2
XML, and hand-broken variants."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from fiscus.cash.formats.ofx import parse_ofx
from fiscus.cash.formats.statements import FormatError


def read(external: Path, name: str) -> bytes:
    return (external / "ofx" / name).read_bytes()


def refusal(data: bytes) -> FormatError:
    with pytest.raises(FormatError) as caught:
        parse_ofx(data)
    return caught.value


def test_the_checking_sample_reads_three_lines_and_the_ledger_balance(external: Path) -> None:
    [statement] = parse_ofx(read(external, "ofxparse-checking.ofx"))

    assert (statement.format, statement.account, statement.bank_id, statement.currency) == (
        "ofx",
        "1452687~7",
        "5472369148",
        "USD",
    )
    assert (statement.start, statement.end) == (date(2000, 1, 1), date(2013, 5, 25))
    assert [(t.line, t.booked, t.amount, t.type_code) for t in statement.transactions] == [
        (46, date(2011, 3, 31), Decimal("0.01"), "CREDIT"),
        (54, date(2011, 4, 5), Decimal("-34.51"), "DEBIT"),
        (62, date(2011, 4, 7), Decimal("-25.00"), "CHECK"),
    ]
    fee = statement.transactions[2]
    assert (fee.bank_reference, fee.customer_reference) == ("0000488", "319")
    assert fee.payer == "RETURNED CHECK FEE, CHECK # 319"
    assert fee.text == "RETURNED CHECK FEE, CHECK # 319 FOR $45.33 ON 04/07/11"
    assert statement.total == Decimal("-59.50")
    assert statement.closing == Decimal("100.99")


def test_the_opening_balance_is_implied_and_says_so(external: Path) -> None:
    [statement] = parse_ofx(read(external, "ofxparse-checking.ofx"))

    assert statement.opening == Decimal("160.49")
    assert statement.opening_implied
    assert statement.notes == [
        "The opening balance 160.49 is implied: OFX gives only the ledger balance (100.99 as of "
        "2013-05-25), less the lines."
    ]
    assert statement.problems == []


def test_dates_with_a_zone_offset_are_taken_as_written(external: Path) -> None:
    [statement] = parse_ofx(read(external, "ofxparse-bank_medium.ofx"))

    assert statement.currency == "CAD"
    assert statement.account == "12300 000012345678"
    assert [(t.booked, t.amount) for t in statement.transactions] == [
        (date(2009, 4, 1), Decimal("-6.60")),
        (date(2009, 4, 2), Decimal("-316.67")),
        (date(2009, 4, 3), Decimal("-22.00")),
    ]
    assert statement.total == Decimal("-345.27")
    assert (statement.opening, statement.closing) == (Decimal("727.61"), Decimal("382.34"))
    check = statement.transactions[1]
    assert check.customer_reference == ""  # CHECKNUM 0 means none
    assert check.payer == "Joe's Bald Hairstyles"


def test_the_fitid_is_the_identity_of_a_line(external: Path) -> None:
    data = read(external, "ofxparse-bank_medium.ofx")

    [statement] = parse_ofx(data)

    assert statement.transactions[0].identity == (
        "ofx|160000100|12300 000012345678|id:0000123456782009040100001|1"
    )
    assert [t.identity for t in parse_ofx(data)[0].transactions] == [
        t.identity for t in statement.transactions
    ]


OFX2 = b"""<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>
<OFX>
  <BANKMSGSRSV1><STMTTRNRS><TRNUID>1</TRNUID>
    <STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>
    <STMTRS>
      <CURDEF>USD</CURDEF>
      <BANKACCTFROM><BANKID>121000358</BANKID><ACCTID>4410098812</ACCTID>
        <ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM>
      <BANKTRANLIST><DTSTART>20260301</DTSTART><DTEND>20260331</DTEND>
        <STMTTRN><TRNTYPE>CREDIT</TRNTYPE><DTPOSTED>20260316120000[-8:PST]</DTPOSTED>
          <TRNAMT>1250.00</TRNAMT><FITID>A-1</FITID><NAME>Lakeside &amp; Sons</NAME>
          <MEMO>INV-2026-000101</MEMO></STMTTRN>
        <STMTTRN><TRNTYPE>FEE</TRNTYPE><DTPOSTED>20260317</DTPOSTED>
          <TRNAMT>-12.00</TRNAMT><FITID>A-2</FITID><NAME>Service charge</NAME></STMTTRN>
      </BANKTRANLIST>
      <LEDGERBAL><BALAMT>5238.00</BALAMT><DTASOF>20260331</DTASOF></LEDGERBAL>
    </STMTRS>
  </STMTTRNRS></BANKMSGSRSV1>
</OFX>
"""


def test_an_ofx_2_xml_statement_reads_the_same_way() -> None:
    [statement] = parse_ofx(OFX2)

    assert [(t.line, t.booked, t.amount, t.payer, t.text) for t in statement.transactions] == [
        (11, date(2026, 3, 16), Decimal("1250.00"), "Lakeside & Sons", "INV-2026-000101"),
        (14, date(2026, 3, 17), Decimal("-12.00"), "Service charge", ""),
    ]
    assert (statement.opening, statement.closing) == (Decimal("4000.00"), Decimal("5238.00"))


def test_a_file_cut_short_is_refused(external: Path) -> None:
    data = read(external, "ofxparse-checking.ofx")
    half = data[: data.index(b"<TRNTYPE>DEBIT")]

    assert refusal(half).message == (
        "Line 54, OFX: the file ends without </OFX>; it may have been cut short."
    )


def test_an_impossible_posting_date_is_refused(external: Path) -> None:
    data = read(external, "ofxparse-checking.ofx").replace(b"20110405120000", b"20110431120000")

    assert refusal(data).message == (
        'Line 56, DTPOSTED: "20110431120000.000" is not an OFX date (YYYYMMDD, then the time if '
        "any)."
    )


def test_an_amount_with_a_fraction_of_a_cent_is_refused(external: Path) -> None:
    data = read(external, "ofxparse-checking.ofx").replace(b"<TRNAMT>-34.51", b"<TRNAMT>-34.515")

    assert refusal(data).message == (
        'Line 57, TRNAMT: the amount "-34.515" has a fraction of a cent; Fiscus books whole cents '
        "and does not round the bank's amounts."
    )


def test_an_amount_that_is_not_a_number_is_refused(external: Path) -> None:
    data = read(external, "ofxparse-checking.ofx").replace(b"<TRNAMT>-25.00", b"<TRNAMT>25 USD")

    assert refusal(data).message == 'Line 65, TRNAMT: "25 USD" is not an amount.'


def test_a_stray_closing_tag_is_refused(external: Path) -> None:
    data = read(external, "ofxparse-checking.ofx").replace(b"</STMTTRN>", b"</STMTTRX>", 1)

    assert refusal(data).message == "Line 53: </STMTTRX> closes an element that is not open."


def test_an_error_answer_from_the_bank_is_refused_with_its_message() -> None:
    data = (
        b"OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\n\n<OFX><BANKMSGSRSV1><STMTTRNRS>"
        b"<TRNUID>1<STATUS><CODE>2000<SEVERITY>ERROR<MESSAGE>Account closed</STATUS>"
        b"</STMTTRNRS></BANKMSGSRSV1></OFX>"
    )

    assert refusal(data).message == (
        "Line 5, STATUS: the bank answered with error 2000: Account closed instead of a statement."
    )

"""Money: exact amounts in, exact amounts out, and a clear sentence when a person typed it wrong."""

from decimal import Decimal

import pytest

from fiscus.money import AmountError, allocate, cents, fmt, parse_amount


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("1,234.50", Decimal("1234.50")),
        ("(12.00)", Decimal("-12.00")),
        ("$5", Decimal("5.00")),
        ("-$5", Decimal("-5.00")),
        (" 1234.5 ", Decimal("1234.50")),
        ("1,234,567.89", Decimal("1234567.89")),
        (Decimal("3.10"), Decimal("3.10")),
        (7, Decimal("7.00")),
    ],
)
def test_parse_amount_accepts_what_a_clerk_types(typed, amount):
    assert parse_amount(typed) == amount
    assert str(parse_amount(typed)) == str(amount)


@pytest.mark.parametrize(
    ("typed", "sentence"),
    [
        (1.5, "1.5 is a floating-point number; amounts must be exact."),
        ("12,34", '"12,34" uses a comma as the decimal mark; write it with a point.'),
        ("10.005", '"10.005" has more than two decimal places.'),
        ("1,23,4", '"1,23,4" is not an amount.'),
        ("", "The amount is empty."),
        ("(-12)", '"(-12)" is negative twice.'),
        ("twelve", '"twelve" is not an amount.'),
        (Decimal("1.005"), "1.005 has more than two decimal places."),
        (Decimal("NaN"), "NaN is not an amount."),
        (Decimal("Infinity"), "Infinity is not an amount."),
        (None, "None is not an amount."),
    ],
)
def test_parse_amount_refuses_anything_inexact_or_ambiguous_saying_why(typed, sentence):
    with pytest.raises(AmountError) as refused:
        parse_amount(typed)
    assert refused.value.message == sentence


def test_allocate_splits_100_dollars_three_ways_into_cents_that_add_up():
    shares = allocate(Decimal("100.00"), [1, 1, 1])
    assert shares == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert sum(shares) == Decimal("100.00")


def test_allocate_gives_the_leftover_cents_to_the_largest_remainders():
    shares = allocate(Decimal("10.00"), [Decimal("1"), Decimal("2"), Decimal("3")])
    assert shares == [Decimal("1.67"), Decimal("3.33"), Decimal("5.00")]
    assert sum(shares) == Decimal("10.00")


def test_allocate_splits_a_credit_the_same_way_with_the_sign_kept():
    assert allocate(Decimal("-100.00"), [1, 1, 1]) == [
        Decimal("-33.34"),
        Decimal("-33.33"),
        Decimal("-33.33"),
    ]


def test_allocate_adds_up_even_with_a_negative_weight():
    shares = allocate(Decimal("0.01"), [Decimal("-0.8"), Decimal("-0.8"), Decimal("2.6")])
    assert sum(shares) == Decimal("0.01")


def test_allocate_refuses_float_weights_and_weights_that_add_up_to_nothing():
    with pytest.raises(TypeError):
        allocate(Decimal("1.00"), [0.5, 0.5])
    with pytest.raises(ValueError, match="do not add up to zero"):
        allocate(Decimal("1.00"), [1, -1])
    with pytest.raises(ValueError, match="at least one weight"):
        allocate(Decimal("1.00"), [])


def test_cents_rounds_half_up_away_from_zero():
    assert cents(Decimal("2.675")) == Decimal("2.68")
    assert cents(Decimal("2.665")) == Decimal("2.67")
    assert cents(Decimal("-2.675")) == Decimal("-2.68")
    assert cents("0.004") == Decimal("0.00")


def test_cents_refuses_a_float():
    with pytest.raises(TypeError, match="never a float"):
        cents(2.675)  # type: ignore[arg-type]


def test_cents_refuses_more_than_numeric_14_2_can_hold():
    with pytest.raises(AmountError) as refused:
        cents(Decimal("1000000000000.00"))
    assert refused.value.message == "1,000,000,000,000.00 is larger than Fiscus can hold."
    assert parse_amount("999,999,999,999.99") == Decimal("999999999999.99")


def test_fmt_shows_dollars_with_thousands_and_a_leading_minus():
    assert fmt(Decimal("1234.5")) == "$1,234.50"
    assert fmt(Decimal("-12")) == "-$12.00"
    assert fmt(Decimal("12"), symbol=False) == "12.00"
    assert fmt(None) == ""

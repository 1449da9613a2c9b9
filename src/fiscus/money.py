"""Money: the one place that rounds, parses and formats amounts.

Amounts are `Decimal` with two places. Floats are refused everywhere.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from fiscus.errors import FiscusError

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MAX = Decimal("999999999999.99")  # NUMERIC(14,2)


class AmountError(FiscusError):
    code = "bad_amount"


_rounding: str | None = None


def rounding() -> str:
    """The agency's rounding mode, named once here (ROUND_HALF_UP unless configured). Read from
    the settings once (bulk posting rounds tens of thousands of amounts), again when a test
    changes the setting."""
    global _rounding
    if _rounding is None:
        _rounding = str(getattr(decimal, getattr(settings, "ROUNDING", "ROUND_HALF_UP")))
    return _rounding


@receiver(setting_changed)
def _forget_rounding(*, setting: str, **kwargs: object) -> None:
    global _rounding
    if setting == "ROUNDING":
        _rounding = None


def cents(value: Decimal | int | str) -> Decimal:
    """Round to cents with the agency's rounding mode. Floats are refused."""
    if isinstance(value, float):
        raise TypeError("Money is never a float; pass a Decimal or a string.")
    result = Decimal(value).quantize(CENT, rounding=rounding())
    if abs(result) > MAX:
        # formatted here, not with fmt(): fmt() calls cents(), which recursed without end
        raise AmountError(f"{result:,.2f} is larger than Fiscus can hold.")
    return result


_PLAIN = re.compile(r"^(?P<neg>-)?(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d{1,2}))?$")


def parse_amount(text: object) -> Decimal:
    """Parse an amount a person typed or a file holds.

    Accepts "1234.50", "1,234.50", "-12", "(12.00)" and "$12.00". Refuses floats, a third
    decimal place, a comma as the decimal mark and anything else ambiguous, saying why.
    """
    if isinstance(value := text, float):
        raise AmountError(f"{value!r} is a floating-point number; amounts must be exact.")
    if isinstance(text, Decimal):
        if not text.is_finite():  # checked first: quantizing NaN or Infinity raises
            raise AmountError(f"{text} is not an amount.")
        if text != text.quantize(CENT, rounding=decimal.ROUND_DOWN):
            raise AmountError(f"{text} has more than two decimal places.")
        return cents(text)
    if isinstance(text, int) and not isinstance(text, bool):
        return cents(text)
    if not isinstance(text, str):
        raise AmountError(f"{text!r} is not an amount.")
    raw = text.strip().replace("$", "").replace(" ", "")
    if not raw:
        raise AmountError("The amount is empty.")
    negative = False
    if raw.startswith("(") and raw.endswith(")"):
        negative, raw = True, raw[1:-1]
    match = _PLAIN.match(raw)
    if not match:
        if re.match(r"^-?\d+,\d{1,2}$", raw):
            raise AmountError(
                f'"{text.strip()}" uses a comma as the decimal mark; write it with a point.'
            )
        if re.match(r"^-?[\d,]*\.\d{3,}$", raw):
            raise AmountError(f'"{text.strip()}" has more than two decimal places.')
        raise AmountError(f'"{text.strip()}" is not an amount.')
    if negative and match.group("neg"):
        raise AmountError(f'"{text.strip()}" is negative twice.')
    digits = match.group("int").replace(",", "") + "." + (match.group("frac") or "0")
    try:
        value = Decimal(digits)
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise AmountError(f'"{text.strip()}" is not an amount.') from None
    if negative or match.group("neg"):
        value = -value
    return cents(value)


def allocate(total: Decimal, weights: Sequence[Decimal | int]) -> list[Decimal]:
    """Split `total` in proportion to `weights` into cents that add up to `total` exactly.

    Largest-remainder method: every share is rounded down to the cent, then the leftover cents
    go to the shares that lost the most in rounding (earlier shares first on ties).
    """
    total = cents(total)
    if not weights:
        raise ValueError("allocate needs at least one weight.")
    if any(isinstance(w, float) for w in weights):
        raise TypeError("Weights are never floats; pass Decimals or integers.")
    whole = sum((Decimal(w) for w in weights), Decimal(0))
    if whole == 0:
        raise ValueError("allocate needs weights that do not add up to zero.")
    sign = -1 if total < 0 else 1
    units = int(abs(total) / CENT)
    exact = [Decimal(units) * Decimal(w) / whole for w in weights]
    # Floor, not int(): int() rounds a negative weight's share up, and the leftover could then
    # be negative, which handed extra cents to the wrong shares and broke the total.
    shares = [int(x.to_integral_value(rounding=decimal.ROUND_FLOOR)) for x in exact]
    leftover = units - sum(shares)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[:leftover]:
        shares[i] += 1
    return [sign * Decimal(s) * CENT for s in shares]


def fmt(value: Decimal | None, *, symbol: bool = True) -> str:
    """Format for display: "$1,234.50", "-$12.00"."""
    if value is None:
        return ""
    value = cents(value)
    body = f"{abs(value):,.2f}"
    prefix = "$" if symbol else ""
    return f"-{prefix}{body}" if value < 0 else f"{prefix}{body}"

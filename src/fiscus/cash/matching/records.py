"""What the engine takes and gives: a remittance in, a proposal out, and the customers it knows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from fiscus.errors import FiscusError

from .allocation import Allocation, Policy

THRESHOLD = Decimal("0.90")  # the default automatic-application threshold; the agency sets its own


class MatchError(FiscusError):
    code = "bad_remittance"


@dataclass(frozen=True)
class CustomerRef:
    id: int
    number: str
    name: str
    aliases: tuple[str, ...] = ()
    policy: Policy | None = None


@dataclass(frozen=True)
class RemittanceLine:
    """One line of a lockbox remittance: a document the payment is for, and how much of it."""

    invoice_number: str = ""
    amount: Decimal | None = None
    customer_number: str = ""


@dataclass(frozen=True)
class Remittance:
    """One incoming payment as read from a bank or lockbox file, or typed."""

    amount: Decimal
    payer: str = ""
    text: str = ""
    reference: str = ""
    customer_number: str = ""
    lines: tuple[RemittanceLine, ...] = ()
    received: date | None = None


@dataclass(frozen=True)
class Proposal:
    """What to do with a payment, why, and how sure the engine is."""

    customer_id: int | None
    allocations: tuple[Allocation, ...]
    confidence: Decimal  # 0.00 .. 1.00
    reason: str
    rule: str  # invoice_number, invoice_number_fuzzy, customer_number, amount_one,
    # amount_combination, payer_name, alias, none
    unapplied: Decimal  # left on account, >= 0

    def applies(self, threshold: Decimal = THRESHOLD) -> bool:
        """True when the engine may apply it without a clerk."""
        return self.customer_id is not None and self.confidence >= threshold

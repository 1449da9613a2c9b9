"""The one gate for every outbound collection action (DESIGN §3).

Statements' dunning messages, past-due notices, finance charges, agency referrals and files,
intercepts, call lists and collection letters all ask `may_collect(customer, item=..., action=...)`
and get yes or no with the reasons. A new rule is added here once, or registered by a higher app
with `@rule` (collections adds bankruptcy cases, payment plans and placements), and holds
everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from fiscus.customers.models import Customer
    from fiscus.receivables.models import Item


class Action(models.TextChoices):
    STATEMENT_DUNNING = "statement_dunning", "Dunning message on a statement"
    NOTICE = "notice", "Past-due notice"
    FINANCE_CHARGE = "finance_charge", "Finance charge"
    AGENCY_REFERRAL = "agency_referral", "Referral to a collection agency"
    INTERCEPT = "intercept", "Intercept referral"
    CALL_LIST = "call_list", "Collection call"
    LETTER = "letter", "Collection letter"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reasons: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.allowed

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


Rule = Callable[["Customer", "Item | None", str], "str | None"]
_RULES: list[Rule] = []


def rule(fn: Rule) -> Rule:
    """Register a rule: it returns the reason to refuse, or None to let the action through."""
    if fn not in _RULES:
        _RULES.append(fn)
    return fn


def may_collect(customer: Customer, *, action: str, item: Item | None = None) -> Decision:
    """May Fiscus take `action` toward `customer` (for `item`, if one)? With the reasons if not."""
    if action not in Action.values:
        raise ValueError(f"Unknown collection action {action!r}")
    reasons = tuple(r for fn in _RULES if (r := fn(customer, item, action)))
    return Decision(allowed=not reasons, reasons=reasons)


@rule
def _hold(customer: Customer, item: Item | None, action: str) -> str | None:
    return "the account is on hold" if customer.on_hold else None


@rule
def _bankruptcy(customer: Customer, item: Item | None, action: str) -> str | None:
    if customer.in_bankruptcy:
        return "the customer is in bankruptcy (the automatic stay)"
    return None


@rule
def _dispute(customer: Customer, item: Item | None, action: str) -> str | None:
    if item is not None and item.disputed:
        return f"{item.number} is disputed"
    return None


@rule
def _deceased(customer: Customer, item: Item | None, action: str) -> str | None:
    return "the customer is deceased (claims go to the estate)" if customer.deceased else None

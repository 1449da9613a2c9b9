"""Billing set-up: charge codes, payment terms, memo reason codes and the finance-charge policy.

Each change is one service call in one transaction that locks what it changes, keeps the row's
history (simple-history, with who made it) and writes an audit event with before and after.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models, transaction

from fiscus import audit
from fiscus.billing.models import (
    ChargeCode,
    FinanceChargePolicy,
    MemoKind,
    PaymentTerms,
    ReasonCode,
)
from fiscus.customers.models import CustomerType
from fiscus.db import lock
from fiscus.errors import FiscusError
from fiscus.organization.models import Account

M = TypeVar("M", bound=models.Model)


class SetupError(FiscusError):
    code = "setup_invalid"


def _changes(obj: Any, fields: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    before = {k: str(getattr(obj, k)) for k in fields}
    after = {k: str(v) for k, v in fields.items()}
    return before, after


def _save(obj: M, *, by: AbstractBaseUser) -> M:
    obj._history_user = by  # type: ignore[attr-defined]  # simple-history: who
    try:
        obj.full_clean(validate_unique=False)
    except ValidationError as invalid:
        raise SetupError(" ".join(invalid.messages), code="invalid") from None
    obj.save()
    return obj


def _unique(model: type[models.Model], code: str, what: str, exclude: int | None) -> str:
    code = code.strip()
    if not code:
        raise SetupError(f"Give the {what} a code.", code="code_required")
    others = model._default_manager.filter(code__iexact=code)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise SetupError(f"{what.capitalize()} {code} already exists.", code="duplicate")
    return code


# -- charge codes -------------------------------------------------------------------------------


def _check_charge_code(charge: ChargeCode) -> None:
    if charge.revenue_account.type != Account.Type.REVENUE:
        raise SetupError(
            f"Account {charge.revenue_account.code} is not a revenue account; "
            "choose a revenue account.",
            code="revenue_account",
        )
    if charge.unit_price is not None and charge.unit_price < 0:
        raise SetupError("The unit price cannot be negative.", code="unit_price")
    if charge.tax_rate is not None:
        if not Decimal(0) <= charge.tax_rate < 1:
            raise SetupError("A tax rate is from 0% to less than 100%.", code="tax_rate")
        if charge.tax_rate > 0 and charge.tax_account_id is None:
            raise SetupError(
                "A tax rate needs a tax account to post the tax to; choose the tax account.",
                code="tax_account_required",
            )


@transaction.atomic
def create_charge_code(fields: dict[str, Any], *, by: AbstractBaseUser) -> ChargeCode:
    """Add a charge code (code, description, department, revenue account, price, tax, active)."""
    fields = {**fields, "code": _unique(ChargeCode, fields.get("code", ""), "charge code", None)}
    charge = ChargeCode(**fields)
    _check_charge_code(charge)
    _save(charge, by=by)
    audit.record("charge_code.created", charge, by=by, **{k: str(v) for k, v in fields.items()})
    return charge


@transaction.atomic
def update_charge_code(
    charge: ChargeCode, changes: dict[str, Any], *, by: AbstractBaseUser
) -> ChargeCode:
    """Change a charge code; invoices already posted keep what they were posted with."""
    charge = lock(charge)
    if "code" in changes:
        changes = {
            **changes,
            "code": _unique(ChargeCode, changes["code"], "charge code", charge.pk),
        }
    before, after = _changes(charge, changes)
    for field, value in changes.items():
        setattr(charge, field, value)
    _check_charge_code(charge)
    _save(charge, by=by)
    audit.record("charge_code.updated", charge, by=by, before=before, after=after)
    return charge


# -- payment terms ------------------------------------------------------------------------------


def _check_terms(terms: PaymentTerms) -> None:
    if not terms.name.strip():
        raise SetupError("Give the terms a name, such as Net 30.", code="name_required")


@transaction.atomic
def create_payment_terms(fields: dict[str, Any], *, by: AbstractBaseUser) -> PaymentTerms:
    """Add payment terms: the due date is the invoice date plus `days`."""
    fields = {**fields, "code": _unique(PaymentTerms, fields.get("code", ""), "terms", None)}
    terms = PaymentTerms(**fields)
    _check_terms(terms)
    _save(terms, by=by)
    audit.record("payment_terms.created", terms, by=by, **{k: str(v) for k, v in fields.items()})
    return terms


@transaction.atomic
def update_payment_terms(
    terms: PaymentTerms, changes: dict[str, Any], *, by: AbstractBaseUser
) -> PaymentTerms:
    terms = lock(terms)
    if "code" in changes:
        changes = {**changes, "code": _unique(PaymentTerms, changes["code"], "terms", terms.pk)}
    before, after = _changes(terms, changes)
    for field, value in changes.items():
        setattr(terms, field, value)
    _check_terms(terms)
    _save(terms, by=by)
    audit.record("payment_terms.updated", terms, by=by, before=before, after=after)
    return terms


# -- reason codes -------------------------------------------------------------------------------


def _check_reason(reason: ReasonCode) -> None:
    if reason.kind not in MemoKind.values:
        raise SetupError("A reason is for credit memos or for debit memos.", code="kind")
    if not reason.name.strip():
        raise SetupError("Give the reason a name.", code="name_required")


@transaction.atomic
def create_reason_code(fields: dict[str, Any], *, by: AbstractBaseUser) -> ReasonCode:
    """Add a memo reason: its kind (credit or debit) and the GL account its memos post to."""
    fields = {**fields, "code": _unique(ReasonCode, fields.get("code", ""), "reason", None)}
    reason = ReasonCode(**fields)
    _check_reason(reason)
    _save(reason, by=by)
    audit.record("reason_code.created", reason, by=by, **{k: str(v) for k, v in fields.items()})
    return reason


@transaction.atomic
def update_reason_code(
    reason: ReasonCode, changes: dict[str, Any], *, by: AbstractBaseUser
) -> ReasonCode:
    reason = lock(reason)
    if "code" in changes:
        changes = {**changes, "code": _unique(ReasonCode, changes["code"], "reason", reason.pk)}
    before, after = _changes(reason, changes)
    for field, value in changes.items():
        setattr(reason, field, value)
    _check_reason(reason)
    _save(reason, by=by)
    audit.record("reason_code.updated", reason, by=by, before=before, after=after)
    return reason


# -- the finance-charge policy -----------------------------------------------------------------


def finance_charge_policy() -> FinanceChargePolicy:
    """The agency's one finance-charge policy (seeded, off until a supervisor turns it on)."""
    policy = FinanceChargePolicy.objects.order_by("pk").first()
    if policy is None:  # pragma: no cover - seeded by billing 0002
        raise SetupError("There is no finance-charge policy.", code="no_policy")
    return policy


@transaction.atomic
def update_finance_charge_policy(
    changes: dict[str, Any], *, by: AbstractBaseUser
) -> FinanceChargePolicy:
    """Change the monthly rate, minimum, grace days, exempt customer types, account, department
    or whether finance charges are on at all."""
    policy = lock(finance_charge_policy())
    if "exempt_types" in changes:
        types = list(changes["exempt_types"])
        unknown = [t for t in types if t not in CustomerType.values]
        if unknown:
            raise SetupError(f"{unknown[0]} is not a customer type.", code="exempt_types")
        changes = {**changes, "exempt_types": [t for t in CustomerType.values if t in types]}
    before, after = _changes(policy, changes)
    for field, value in changes.items():
        setattr(policy, field, value)
    if not Decimal(0) <= policy.monthly_rate < 1:
        raise SetupError("A monthly rate is from 0% to less than 100%.", code="monthly_rate")
    if policy.minimum_charge < 0:
        raise SetupError("The minimum charge cannot be negative.", code="minimum_charge")
    if policy.account.type != Account.Type.REVENUE:
        raise SetupError(
            f"Account {policy.account.code} is not a revenue account; choose a revenue account.",
            code="account",
        )
    _save(policy, by=by)
    audit.record("finance_charge_policy.updated", policy, by=by, before=before, after=after)
    return policy

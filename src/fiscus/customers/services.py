"""Writes for customers: create, change, flag, note, and the audited unmasking of a tax id."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q

from fiscus import audit
from fiscus.customers import crypto
from fiscus.customers.models import Address, Contact, Customer, Note
from fiscus.db import lock
from fiscus.errors import FiscusError
from fiscus.organization.models import DocumentSequence
from fiscus.organization.roles import require


class CustomerError(FiscusError):
    code = "customer_invalid"


class LikelyDuplicate(FiscusError):
    """Raised before saving a customer that looks like one we have; confirm to save anyway."""

    code = "likely_duplicate"

    def __init__(self, matches: list[Customer]) -> None:
        names = ", ".join(str(c) for c in matches[:5])
        super().__init__(f"This looks like a customer we already have: {names}.")
        self.matches = matches


def next_customer_number() -> str:
    """Customer numbers are assigned in order: C000001, C000002 ..."""
    DocumentSequence.objects.get_or_create(doc_type="CUST", fiscal_year=0)
    seq = DocumentSequence.objects.select_for_update().get(doc_type="CUST", fiscal_year=0)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"C{seq.last:06d}"


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def likely_duplicates(
    *,
    name: str,
    tax_id: str = "",
    line1: str = "",
    postal_code: str = "",
    exclude: int | None = None,
) -> list[Customer]:
    """Customers with the same tax id, or the same name at the same address."""
    found: list[Customer] = []
    if tax_id.strip():
        found += Customer.objects.filter(tax_id_digest=crypto.digest(tax_id))
    if name.strip() and line1.strip():
        key = _norm(line1)
        same_name = Customer.objects.filter(name__iexact=name.strip()).prefetch_related("addresses")
        found += [
            c
            for c in same_name
            if any(
                _norm(a.line1) == key and (not postal_code or a.postal_code[:5] == postal_code[:5])
                for a in c.addresses.all()
            )
        ]
    seen: set[int] = set()
    unique = []
    for c in found:
        if c.pk not in seen and c.pk != exclude:
            seen.add(c.pk)
            unique.append(c)
    return unique


def _set_tax_id(customer: Customer, tax_id: str) -> None:
    clean = crypto.normalize(tax_id)
    if clean and not re.fullmatch(r"\d{9}", clean):
        raise CustomerError("A tax id (SSN, ITIN or EIN) has nine digits.", code="bad_tax_id")
    customer.tax_id_encrypted = crypto.encrypt(clean) if clean else ""
    customer.tax_id_last4 = clean[-4:] if clean else ""
    customer.tax_id_digest = crypto.digest(clean) if clean else ""


@transaction.atomic
def create_customer(
    *,
    by: User,
    fields: dict[str, Any],
    tax_id: str = "",
    address: dict[str, Any] | None = None,
    contact: dict[str, Any] | None = None,
    confirm_duplicate: bool = False,
) -> Customer:
    """Create a customer with its first address and contact; warns of a likely duplicate."""
    if not str(fields.get("name", "")).strip():
        raise CustomerError("Give the customer a name.", code="name_required")
    if not confirm_duplicate:
        matches = likely_duplicates(
            name=fields["name"],
            tax_id=tax_id,
            line1=(address or {}).get("line1", ""),
            postal_code=(address or {}).get("postal_code", ""),
        )
        if matches:
            raise LikelyDuplicate(matches)
    customer = Customer(number=next_customer_number(), created_by=by, **fields)
    _set_tax_id(customer, tax_id)
    customer.full_clean()
    customer._history_user = by  # type: ignore[attr-defined]  # simple-history: who
    customer.save()
    if address and address.get("line1"):
        save_address(customer, by=by, fields={**address, "is_primary": True})
    if contact and contact.get("name"):
        save_contact(customer, by=by, fields={**contact, "is_primary": True})
    audit.record("customer.created", customer, by=by, duplicate_confirmed=confirm_duplicate)
    return customer


@transaction.atomic
def update_customer(
    customer: Customer, *, by: User, changes: dict[str, Any], tax_id: str | None = None
) -> Customer:
    """Change a customer's fields (history keeps before and after)."""
    customer = lock(customer)
    before = {k: str(getattr(customer, k)) for k in changes}
    for field, value in changes.items():
        setattr(customer, field, value)
    if tax_id is not None and crypto.normalize(tax_id) != "":
        _set_tax_id(customer, tax_id)
        before["tax_id"] = "changed"
    customer.full_clean()
    customer._history_user = by  # type: ignore[attr-defined]
    customer.save()
    after = {k: str(v) for k, v in changes.items()}
    audit.record("customer.updated", customer, by=by, before=before, after=after)
    return customer


@transaction.atomic
def save_address(
    customer: Customer,
    *,
    by: User,
    fields: dict[str, Any],
    address: Address | None = None,
) -> Address:
    address = address or Address(customer=customer)
    for field, value in fields.items():
        setattr(address, field, value)
    address.full_clean()
    address._history_user = by  # type: ignore[attr-defined]
    address.save()
    audit.record("customer.address_saved", customer, by=by, address=str(address))
    return address


@transaction.atomic
def save_contact(
    customer: Customer,
    *,
    by: User,
    fields: dict[str, Any],
    contact: Contact | None = None,
) -> Contact:
    contact = contact or Contact(customer=customer)
    for field, value in fields.items():
        setattr(contact, field, value)
    contact.full_clean()
    contact._history_user = by  # type: ignore[attr-defined]
    contact.save()
    audit.record("customer.contact_saved", customer, by=by, contact=str(contact))
    return contact


@transaction.atomic
def add_note(customer: Customer, *, by: User, text: str) -> Note:
    if not text.strip():
        raise CustomerError("The note is empty.", code="empty_note")
    note = Note.objects.create(customer=customer, text=text.strip(), by=by)
    audit.record("customer.note_added", customer, by=by)
    return note


@transaction.atomic
def reveal_tax_id(customer: Customer, *, by: User, ip: str | None = None) -> str:
    """The full tax id, for a role that may see it; every unmasking is an audit event."""
    require(by, "customers.unmask_tax_id")
    if not customer.tax_id_encrypted:
        return ""
    audit.record("customer.tax_id_unmasked", customer, by=by, ip=ip)
    clear = crypto.decrypt(customer.tax_id_encrypted)
    return f"{clear[:3]}-{clear[3:5]}-{clear[5:]}" if len(clear) == 9 else clear


def search(text: str, queryset: Any = None) -> Any:
    """Customers by number, name, address, phone or e-mail."""
    qs = queryset if queryset is not None else Customer.objects.all()
    text = text.strip()
    if not text:
        return qs
    digits = re.sub(r"\D", "", text)
    q = (
        Q(number__iexact=text)
        | Q(name__icontains=text)
        | Q(email__icontains=text)
        | Q(contacts__email__icontains=text)
        | Q(addresses__line1__icontains=text)
        | Q(addresses__city__iexact=text)
        | Q(addresses__postal_code__startswith=text)
    )
    if len(digits) >= 4:
        q |= Q(phone__contains=digits[-4:]) | Q(contacts__phone__contains=digits[-4:])
    return qs.filter(q).distinct()

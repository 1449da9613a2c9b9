"""Tax ids at rest: Fernet-encrypted, with an HMAC digest to find duplicates without decrypting.

FISCUS_FIELD_KEY holds one or more Fernet keys, comma separated; the first encrypts, all decrypt
(key rotation). In development the key is derived from the secret key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@cache
def _keys() -> tuple[bytes, ...]:
    raw = settings.FIELD_ENCRYPTION_KEY
    if raw:
        keys = tuple(k.strip().encode() for k in raw.split(",") if k.strip())
        for key in keys:
            try:
                Fernet(key)
            except ValueError:
                raise ImproperlyConfigured(
                    "FISCUS_FIELD_KEY must be Fernet keys (urlsafe base64 of 32 bytes)."
                ) from None
        return keys
    if not settings.DEV:
        raise ImproperlyConfigured("FISCUS_FIELD_KEY is required to store tax ids.")
    digest = hashlib.sha256(("fiscus-field-key:" + settings.SECRET_KEY).encode()).digest()
    return (base64.urlsafe_b64encode(digest),)


def normalize(tax_id: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", tax_id).upper()


def encrypt(tax_id: str) -> str:
    return MultiFernet([Fernet(k) for k in _keys()]).encrypt(normalize(tax_id).encode()).decode()


def decrypt(token: str) -> str:
    try:
        return MultiFernet([Fernet(k) for k in _keys()]).decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured("A tax id cannot be decrypted with FISCUS_FIELD_KEY.") from None


def digest(tax_id: str) -> str:
    key = hashlib.sha256(b"fiscus-tax-id-digest:" + _keys()[0]).digest()
    return hmac.new(key, normalize(tax_id).encode(), hashlib.sha256).hexdigest()


def mask(last4: str) -> str:
    return f"•••-••-{last4}" if last4 else ""

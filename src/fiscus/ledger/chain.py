"""Hash chains: each record carries sha256(previous hash + canonical record)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from typing import Any

from fiscus.ledger.models import Chain

GENESIS = "0" * 64


def canonical(payload: dict[str, Any]) -> str:
    """A record as one stable string: sorted keys, no spaces, every value as text."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)


def link(prev_hash: str, payload: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(payload)).encode()).hexdigest()


def head(name: str) -> Chain:
    """The chain's head, locked until the transaction ends (so appends are serial)."""
    Chain.objects.get_or_create(name=name)
    return Chain.objects.select_for_update().get(name=name)


def walk(records: Iterable[tuple[int, str, str, dict[str, Any]]]) -> Iterator[tuple[int, str]]:
    """Check records given as (seq, prev_hash, hash, payload) in chain order.

    Yields (seq, problem) for each record that does not verify.
    """
    expected_prev, expected_seq = GENESIS, 1
    for seq, prev_hash, stored, payload in records:
        if seq != expected_seq:
            yield seq, f"expected position {expected_seq}, found {seq} (a record is missing)"
        if prev_hash != expected_prev:
            yield seq, "its previous-hash does not match the record before it"
        if link(prev_hash, payload) != stored:
            yield seq, "its contents do not match its hash (the record was altered)"
        expected_prev, expected_seq = stored, seq + 1

"""`fiscus audit verify`: prove nobody altered either ledger.

Recomputes the hash chain of the general ledger (journal entries with their lines) and of the
receivable ledger, with a progress bar on stderr, then checks that every reference the database
does not check itself (fiscus.audit.references) resolves. Exits 0 when all is well, 1 otherwise,
naming the first record that is not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand
from tqdm import tqdm

from fiscus.audit.references import dangling, unchecked_references
from fiscus.ledger import services as ledger
from fiscus.ledger.models import JournalEntry
from fiscus.receivables import services as receivables
from fiscus.receivables.models import ReceivableEntry

Verify = Callable[..., tuple[int, list[tuple[int, str, str]]]]


def _name(noun: str, seq: int, ref: str) -> str:
    if ref == "?":
        return f"the {noun} chain"
    if noun == "journal entries":
        return f"journal entry {ref}"
    return f"receivable row {seq}" + (f" ({ref})" if ref else "")


class Command(BaseCommand):
    help = "Verify the hash chains of the general ledger and the receivable ledger."

    def handle(self, *args: Any, **options: Any) -> None:
        checks: list[tuple[str, Any, Verify]] = [
            ("journal entries", JournalEntry, ledger.verify),
            ("receivable rows", ReceivableEntry, receivables.verify),
        ]
        counts: list[int] = []
        out = getattr(self.stderr, "_out", self.stderr)
        for noun, model, verify in checks:
            with tqdm(
                total=model.objects.count(), desc=f"Verifying {noun}", unit=" rec", file=out
            ) as bar:
                count, problems = verify(progress=bar.update)
            if problems:
                seq, ref, problem = problems[0]
                self.stdout.write(f"FAILED: {_name(noun, seq, ref)} (position {seq}): {problem}")
                raise SystemExit(1)
            counts.append(count)
        problems = dangling()
        if problems:
            row, label, problem = problems[0]
            self.stdout.write(f"FAILED: {label}: {problem}")
            raise SystemExit(1)
        self.stdout.write(
            f"OK: {counts[0]} journal entries and {counts[1]} receivable rows verify; "
            f"{len(unchecked_references())} kinds of reference resolve."
        )

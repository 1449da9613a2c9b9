"""What every upload of rows shares (opening balances, billing, payments): a row error that
names its row and column, the list of them a file collects, and what counts as a blank cell.

Each format subclasses `RowErrors` with its own column labels and limit:

    class Errors(RowErrors):
        labels = LABELS
        limit = MAX_ERRORS
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar


@dataclass(frozen=True)
class RowError:
    line: int
    field: str  # a column label ("amount", "due date"), or "" for the row as a whole
    message: str

    def __str__(self) -> str:
        where = f"Row {self.line}, {self.field}" if self.field else f"Row {self.line}"
        return f"{where}: {self.message}"


@dataclass
class RowErrors:
    """Row errors, kept up to `limit`; the rest are counted. `add` takes a column key (shown by
    its label) or a label."""

    labels: ClassVar[Mapping[str, str]] = {}
    limit: ClassVar[int] = 50

    shown: list[RowError] = field(default_factory=list)
    more: int = 0

    def add(self, line: int, key_or_label: str, message: str) -> None:
        if len(self.shown) < self.limit:
            self.shown.append(RowError(line, self.labels.get(key_or_label, key_or_label), message))
        else:
            self.more += 1

    def __bool__(self) -> bool:
        return bool(self.shown)

    def __len__(self) -> int:
        return len(self.shown) + self.more

    def on(self, line: int) -> list[RowError]:
        return [e for e in self.shown if e.line == line]

    def sentences(self) -> list[str]:
        out = [str(e) for e in sorted(self.shown, key=lambda e: e.line)]
        if self.more:
            out.append(f"… and {self.more} more {'error' if self.more == 1 else 'errors'}.")
        return out


def blank(value: object) -> bool:
    """An empty cell: nothing, or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())

"""Every reference resolves: the check that stands in for the foreign keys the database skips.

Posted rows refer to chartfields and users without a per-row foreign-key check (ledger
migration 0003): at thousands of rows a COMMIT spent most of its time checking the same few
referenced rows. The referenced tables refuse DELETE and Django refuses to delete a referenced
row (PROTECT), so a reference can only be wrong if it was written wrong. `dangling()` looks for
such a row, one anti-join per reference, and `fiscus audit verify` and the verify page report
what it finds.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import connection, models


@dataclass(frozen=True)
class Reference:
    table: str
    column: str
    target: str
    target_column: str
    label: str  # what the column names: "fund", "posted by"
    noun: str  # what it refers to: "fund", "user"


def unchecked_references() -> list[Reference]:
    """Every foreign key of our models that the database does not check (db_constraint=False)."""
    found = []
    for model in apps.get_models():
        if not model.__module__.startswith("fiscus.") or model.__name__.startswith("Historical"):
            continue  # a history row may well refer to a row deleted since (django-simple-history)
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.ForeignKey) or getattr(field, "db_constraint", True):
                continue
            target = field.related_model._meta  # type: ignore[union-attr]
            found.append(
                Reference(
                    table=model._meta.db_table,
                    column=field.column,
                    target=target.db_table,
                    target_column=field.target_field.column,
                    label=f"{model._meta.verbose_name} {field.verbose_name}",
                    noun=str(target.verbose_name),
                )
            )
    return sorted(found, key=lambda r: (r.table, r.column))


def dangling() -> list[tuple[int, str, str]]:
    """[(first row id, "journal line fund", problem)] for each reference that points at
    nothing."""
    quote = connection.ops.quote_name
    problems: list[tuple[int, str, str]] = []
    with connection.cursor() as cursor:
        for ref in unchecked_references():
            cursor.execute(
                f"SELECT COUNT(*), MIN(r.id) FROM {quote(ref.table)} r "
                f"WHERE r.{quote(ref.column)} IS NOT NULL AND NOT EXISTS ("
                f"SELECT 1 FROM {quote(ref.target)} t "
                f"WHERE t.{quote(ref.target_column)} = r.{quote(ref.column)})"
            )
            count, first = cursor.fetchone()
            if count:
                rows = "1 row refers" if count == 1 else f"{count:,} rows refer"
                problems.append(
                    (
                        int(first),
                        ref.label,
                        f"{rows} to a {ref.noun} that does not exist "
                        f"({ref.table}.{ref.column}, first id {first})",
                    )
                )
    return problems

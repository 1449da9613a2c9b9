"""Database helpers shared by every app: row locks, append-only tables, fast bulk inserts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, models
from django.db.migrations.operations.base import Operation
from django.db.models.base import ModelState

M = TypeVar("M", bound=models.Model)


def lock(obj: M) -> M:
    """Re-read `obj` with a row lock (SELECT ... FOR UPDATE on PostgreSQL).

    SQLite has no row locks; it runs with IMMEDIATE transactions, so the whole database is
    locked for writing from the first statement of the transaction.
    """
    return type(obj)._default_manager.select_for_update().get(pk=obj.pk)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


# --- fast bulk inserts for the posting path ------------------------------------------------------
#
# `bulk_create` builds a model instance per row and prepares every field of every row through
# Django's field machinery; for the posting path (tens of thousands of append-only rows a second)
# that was most of the time. These helpers write plain value tuples instead: the caller draws the
# ids first (from the table's own sequence), so it can fill foreign keys and hashes before
# anything is written, and then writes each table in one COPY on PostgreSQL.


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """Draw `count` new primary keys for `model` from the database, as an insert would.

    PostgreSQL: `nextval` of the id column's identity sequence (never handed out twice, even to
    concurrent transactions). SQLite: the next ids after the table's AUTOINCREMENT counter, which
    is moved past them; the transaction holds SQLite's write lock (IMMEDIATE), so nobody else
    draws at the same time, and a rollback gives them back.
    """
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if is_postgres():
            # the sequence is looked up once, not once per id
            cursor.execute(
                "SELECT pg_get_serial_sequence(%s, 'id')", [connection.ops.quote_name(table)]
            )
            sequence = cursor.fetchone()[0]
            cursor.execute(
                "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count]
            )
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor != "sqlite":
            raise NotImplementedError(f"allocate_ids does not know {connection.vendor}.")
        cursor.execute(
            "SELECT MAX(n) FROM (SELECT seq AS n FROM sqlite_sequence WHERE name = %s "
            f"UNION ALL SELECT MAX(id) FROM {connection.ops.quote_name(table)})",
            [table],
        )
        last = cursor.fetchone()[0] or 0
        # move the counter past them now, so a second draw before the insert gets other ids
        cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
        cursor.execute(
            "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, last + count]
        )
    return list(range(last + 1, last + count + 1))


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Insert `rows` (tuples of values in the order of `columns`, field attnames) into `model`.

    `rows` may be a generator: on PostgreSQL each row is sent as it is made, so the server
    stores the rows already sent while the caller makes the next ones.

    PostgreSQL: one COPY. The values must be what Django itself hands psycopg for those fields
    (str, int, bool, None, Decimal, date, aware datetime: Django's PostgreSQL backend passes all
    of these through unchanged), so the rows are the ones `bulk_create` would write.
    Elsewhere (SQLite): each value goes through the field's own `get_db_prep_save`, exactly as
    `bulk_create` does, and the rows are written with executemany.

    No signals are sent and no instances are built, as with `bulk_create`.
    """
    if isinstance(rows, Sequence) and not rows:
        return
    fields: list[Any] = [model._meta.get_field(c) for c in columns]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        if is_postgres():
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        prepared = [
            tuple(f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True))
            for row in rows
        ]
        if not prepared:
            return
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", prepared)


def int_array(values: Iterable[int | None]) -> str:
    """Integers as one PostgreSQL array literal ("{1,2,NULL}"), for a `%s::bigint[]` parameter.

    psycopg adapts a Python list element by element in Python; at thousands of ids that took
    longer than the query itself. `int()` keeps anything but whole numbers out of the text.
    """
    return "{" + ",".join("NULL" if v is None else str(int(v)) for v in values) + "}"


def text_array(values: Iterable[str | None]) -> str:
    """Strings as one PostgreSQL array literal, for a `%s::text[]` parameter: each element
    double-quoted with its backslashes and quotes escaped, None as NULL (see int_array)."""
    return (
        "{"
        + ",".join(
            "NULL" if v is None else '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
            for v in values
        )
        + "}"
    )


def as_saved(
    model: type[M], values: Mapping[str, Any], related: Mapping[str, Any] | None = None
) -> M:
    """A model instance for a row just written by `insert_rows`, as `bulk_create` returns it.

    `values` gives every concrete field by attname (id included); `related` the related objects
    the caller already holds (by field name), so reading them costs no query. Built without
    `Model.__init__`, which dominated the posting path; no signals are sent.
    """
    obj = model.__new__(model)
    obj.__dict__.update(values)
    state = ModelState()
    state.adding = False
    state.db = DEFAULT_DB_ALIAS  # `connection`, which insert_rows writes to
    state.fields_cache = dict(related) if related else {}
    obj._state = state
    return obj


def saved_by_id(model: type[M], ids: Iterable[int], *, for_update: bool = False) -> dict[int, M]:
    """The rows of `model` with these ids, as instances (see `as_saved`), keyed and ordered by id.

    With `for_update` the rows are locked (SELECT ... FOR UPDATE, which PostgreSQL takes in the
    order the rows are read: by id, so two transactions locking overlapping sets never
    deadlock). Related objects are not loaded; reading one queries for it, as with a queryset.

    PostgreSQL: one query with the ids as one array parameter (see int_array), each value
    converted by the field's and the backend's converters, as a queryset converts it; building
    instances without `Model.__init__` makes this several times faster than `in_bulk` at
    thousands of rows. Elsewhere (SQLite) a queryset reads the values.
    """
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    meta = model._meta
    fields = meta.concrete_fields
    attnames = [f.attname for f in fields]
    rows: Iterable[Sequence[Any]]
    if is_postgres():
        quote = connection.ops.quote_name
        pk = quote(meta.pk.column)
        sql = (
            f"SELECT {', '.join(quote(f.column) for f in fields)} FROM {quote(meta.db_table)} "
            f"WHERE {pk} = ANY(%s::bigint[]) ORDER BY {pk}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql + (" FOR UPDATE" if for_update else ""), [int_array(wanted)])
            rows = cursor.fetchall()
        converters = []
        for n, f in enumerate(fields):
            col = f.get_col(meta.db_table)
            found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if found:
                converters.append((n, col, found))
        if converters:
            converted = []
            for row in rows:
                values = list(row)
                for n, col, found in converters:
                    for convert in found:
                        values[n] = convert(values[n], col, connection)
                converted.append(values)
            rows = converted
    else:
        rows = []
        size = connection.features.max_query_params or len(wanted)
        for start in range(0, len(wanted), size):
            queryset = model._default_manager.filter(pk__in=wanted[start : start + size])
            if for_update:
                queryset = queryset.select_for_update()
            rows.extend(queryset.order_by("pk").values_list(*attnames))
    at = attnames.index(meta.pk.attname)
    return {row[at]: as_saved(model, dict(zip(attnames, row, strict=True))) for row in rows}


_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION fiscus_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'Fiscus: % on % is refused: posted records are permanent', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'raise_exception';
END
$$ LANGUAGE plpgsql;
"""


def append_only_sql(vendor: str, table: str) -> list[str]:
    """SQL that makes `table` refuse UPDATE and DELETE. Running it again changes nothing, so a
    migration can restore the triggers after SQLite rebuilt a table (which drops them)."""
    if vendor == "postgresql":
        return [
            _PG_FUNCTION,
            f'CREATE OR REPLACE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION fiscus_refuse_change();",
        ]
    if vendor == "sqlite":
        return [
            f'CREATE TRIGGER IF NOT EXISTS "{table}_no_update" BEFORE UPDATE ON "{table}" BEGIN '
            f"SELECT RAISE(ABORT, 'Fiscus: UPDATE on {table} is refused: posted records are "
            "permanent'); END;",
            f'CREATE TRIGGER IF NOT EXISTS "{table}_no_delete" BEFORE DELETE ON "{table}" BEGIN '
            f"SELECT RAISE(ABORT, 'Fiscus: DELETE on {table} is refused: posted records are "
            "permanent'); END;",
        ]
    raise NotImplementedError(f"No append-only triggers for {vendor}.")


def drop_append_only_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}";']
    return [
        f'DROP TRIGGER IF EXISTS "{table}_no_update";',
        f'DROP TRIGGER IF EXISTS "{table}_no_delete";',
    ]


class AppendOnly(Operation):
    """Migration operation: database triggers refuse UPDATE and DELETE on a model's table."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, model_name: str) -> None:
        self.model_name = model_name

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    def _table(self, app_label: str, state: Any) -> str:
        return str(state.apps.get_model(app_label, self.model_name)._meta.db_table)

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        table = self._table(app_label, to_state)
        for sql in append_only_sql(schema_editor.connection.vendor, table):
            schema_editor.execute(sql, None)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        table = self._table(app_label, from_state)
        for sql in drop_append_only_sql(schema_editor.connection.vendor, table):
            schema_editor.execute(sql, None)

    def describe(self) -> str:
        return f"Refuse UPDATE and DELETE on {self.model_name}"

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (self.__class__.__qualname__, [], {"model_name": self.model_name})


def no_delete_sql(vendor: str, table: str) -> list[str]:
    """SQL that makes `table` refuse DELETE (its rows may change state, never disappear)."""
    if vendor == "postgresql":
        return [
            _PG_FUNCTION,
            f'CREATE OR REPLACE TRIGGER "{table}_no_delete" BEFORE DELETE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION fiscus_refuse_change();",
        ]
    if vendor == "sqlite":
        return [
            f'CREATE TRIGGER IF NOT EXISTS "{table}_no_delete" BEFORE DELETE ON "{table}" BEGIN '
            f"SELECT RAISE(ABORT, 'Fiscus: DELETE on {table} is refused: financial records are "
            "never deleted'); END;",
        ]
    raise NotImplementedError(f"No delete triggers for {vendor}.")


class NoDelete(AppendOnly):
    """Migration operation: database triggers refuse DELETE on a model's table."""

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        table = self._table(app_label, to_state)
        for sql in no_delete_sql(schema_editor.connection.vendor, table):
            schema_editor.execute(sql, None)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        table = self._table(app_label, from_state)
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_no_delete" ON "{table}";')
        else:
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_no_delete";')

    def describe(self) -> str:
        return f"Refuse DELETE on {self.model_name}"

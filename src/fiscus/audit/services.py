"""Audit events. Every service writes its event in its own transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.utils import timezone

from fiscus import db
from fiscus.audit.models import AuditEvent

COLUMNS = (
    "at",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "detail",
    "ip",
)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)  # Decimal, date, datetime: as text, never as a float


def record(
    action: str,
    obj: models.Model | None = None,
    *,
    by: AbstractBaseUser | AnonymousUser | None,
    ip: str | None = None,
    **detail: Any,
) -> AuditEvent:
    """Write one audit event: `action` done by `by` to `obj`, with details."""
    actor = by if by is not None and getattr(by, "is_authenticated", False) else None
    actor_id = actor.pk if actor is not None else None
    return AuditEvent.objects.create(
        actor_id=actor_id,
        actor_name=actor.get_username() if actor else str(detail.pop("username", "")),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        detail=_jsonable(detail),
        ip=ip,
    )


def record_many(
    action: str,
    events: Iterable[tuple[models.Model, dict[str, Any]]],
    *,
    by: AbstractBaseUser | AnonymousUser | None,
    ip: str | None = None,
) -> int:
    """Write one audit event per (object, detail) pair, each as `record` writes it, in one
    insert (COPY on PostgreSQL): the bulk paths. Returns how many were written.

    `events` may be a generator: on PostgreSQL each row is sent as it is made, so the server
    stores the rows already sent while the next ones are made.
    """
    actor = by if by is not None and getattr(by, "is_authenticated", False) else None
    actor_id = actor.pk if actor is not None else None
    actor_name = actor.get_username() if actor is not None else ""
    now = timezone.now()
    # COPY takes the detail as JSON text; elsewhere insert_rows prepares the dict itself
    as_text = db.is_postgres()
    written = 0

    def rows() -> Iterator[tuple[Any, ...]]:
        nonlocal written
        for obj, detail in events:
            value = _jsonable(detail)
            written += 1
            yield (
                now,
                actor_id,
                actor_name,
                action,
                obj._meta.label_lower,
                str(obj.pk),
                str(obj)[:200],
                json.dumps(value) if as_text else value,
                ip,
            )

    db.insert_rows(AuditEvent, COLUMNS, rows())
    return written

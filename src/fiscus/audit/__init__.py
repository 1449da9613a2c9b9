"""Audit events: `audit.record(action, obj, by=user, **detail)`."""

from typing import Any


def record(*args: Any, **kwargs: Any) -> Any:
    from fiscus.audit.services import record as _record

    return _record(*args, **kwargs)

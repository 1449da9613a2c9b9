"""Idempotency keys: replaying a POST with the same `Idempotency-Key` returns the first answer.

Use the `@idempotent` decorator on a view handler (or `IdempotentCreateMixin` on a viewset):

- no header: the handler runs as usual;
- a new key: the handler runs; a successful (2xx) answer is stored with a hash of the request, in
  the same transaction as the handler's writes, so a key is never stored for work that rolled back;
- the same key again with the same request: the stored answer (same status and body) comes back
  with `Idempotent-Replayed: true`, and nothing runs again;
- the same key with a different request (body, method or path): 422
  `{"message", "code": "idempotency_key_reused"}`.

Refusals (4xx) are not stored: the client may correct the request and send it with the same key.
Keys belong to the user who sent them.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from fiscus.api.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 100

IDEMPOTENCY_KEY = OpenApiParameter(
    name=HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (a UUID is good). Sending the same request again with the same key "
        "returns the first answer without doing the work twice; the same key with a different "
        "request is refused with 422."
    ),
)

Handler = Callable[..., Response]


def _canonical(value: Any) -> Any:
    """Request data as plain, ordered JSON values; uploaded files by the hash of their bytes."""
    if hasattr(value, "getlist") and hasattr(value, "keys"):  # QueryDict / MultiValueDict
        return {k: [_canonical(v) for v in value.getlist(k)] for k in sorted(value.keys())}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if hasattr(value, "read") and hasattr(value, "seek"):  # an uploaded file
        value.seek(0)
        digest = hashlib.sha256()
        for chunk in iter(lambda: value.read(65536), b""):
            digest.update(chunk)
        value.seek(0)
        return {"file": getattr(value, "name", ""), "sha256": digest.hexdigest()}
    return value


def request_hash(request: Request) -> str:
    """sha256 of the method, the path with its query string and the parsed body."""
    body = json.dumps(
        [request.method, request.get_full_path(), _canonical(request.data)],
        cls=JSONEncoder,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _reused(key: str) -> Response:
    return Response(
        {
            "message": f'The Idempotency-Key "{key}" was already used for a different request.',
            "code": "idempotency_key_reused",
        },
        status=422,
    )


def _replay(stored: IdempotencyKey, digest: str) -> Response:
    if stored.request_hash != digest:
        return _reused(stored.key)
    response = Response(stored.response, status=stored.status)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(handler: Handler) -> Handler:
    """Make a view handler (`post`, `create`, an `@action`) honour the Idempotency-Key header."""

    @functools.wraps(handler)
    def wrapped(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER, "").strip()
        if not key or not request.user.is_authenticated:
            return handler(view, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            return Response(
                {
                    "message": f"An Idempotency-Key has at most {MAX_KEY_LENGTH} characters.",
                    "code": "idempotency_key_too_long",
                },
                status=400,
            )
        digest = request_hash(request)
        stored = IdempotencyKey.objects.filter(user=request.user, key=key).first()
        if stored is not None:
            return _replay(stored, digest)
        try:
            with transaction.atomic():
                response = handler(view, request, *args, **kwargs)
                if 200 <= response.status_code < 300:
                    # Store exactly what the client will read, so a replay is byte-for-byte equal.
                    body = json.loads(json.dumps(response.data, cls=JSONEncoder))
                    IdempotencyKey.objects.create(
                        key=key,
                        user=request.user,
                        method=request.method or "",
                        path=request.path[:300],
                        request_hash=digest,
                        status=response.status_code,
                        response=body,
                    )
                    response.data = body
        except IntegrityError:
            # The same key arrived twice at once: the other request won, and its work stands.
            stored = IdempotencyKey.objects.filter(user=request.user, key=key).first()
            if stored is None:
                raise
            return _replay(stored, digest)
        return response

    return wrapped


class IdempotentCreateMixin:
    """For a viewset whose `create` should honour the Idempotency-Key header."""

    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)  # type: ignore[misc]

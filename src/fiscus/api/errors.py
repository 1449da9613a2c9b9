"""API errors: a FiscusError becomes a 400 with {"message", "code"}."""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from fiscus.errors import FiscusError, PermissionDenied


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, PermissionDenied):
        return Response({"message": exc.message, "code": exc.code}, status=403)
    if isinstance(exc, FiscusError):
        return Response({"message": exc.message, "code": exc.code}, status=400)
    return drf_exception_handler(exc, context)

from __future__ import annotations

from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpRequest


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every page needs a login. The API answers 401/403 itself (token or session)."""

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> Any:
        if request.path.startswith(("/api/", "/static/")):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)

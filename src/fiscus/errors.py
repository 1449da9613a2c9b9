"""Errors a clerk can fix. Views show the sentence; the API returns it with a 400."""


class FiscusError(Exception):
    """A refusal worded for the person at the keyboard."""

    code = "refused"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class PermissionDenied(FiscusError):
    code = "forbidden"

from tests.audit.pages import client_for  # noqa: F401

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "fiscus.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self) -> None:
        from fiscus.audit import signals  # noqa: F401  (sign-in events)

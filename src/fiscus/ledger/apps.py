from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "fiscus.ledger"
    label = "ledger"
    verbose_name = "General ledger"

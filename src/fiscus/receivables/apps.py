from django.apps import AppConfig


class ReceivablesConfig(AppConfig):
    name = "fiscus.receivables"
    label = "receivables"
    verbose_name = "Receivables"

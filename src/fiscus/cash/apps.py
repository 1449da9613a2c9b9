from django.apps import AppConfig


class CashConfig(AppConfig):
    name = "fiscus.cash"
    label = "cash"
    verbose_name = "Cash"

from django.apps import AppConfig


class AdjustmentsConfig(AppConfig):
    name = "fiscus.adjustments"
    label = "adjustments"
    verbose_name = "Adjustments and refunds"

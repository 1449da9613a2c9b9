from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "fiscus.reports"
    label = "reports"
    verbose_name = "Reports"

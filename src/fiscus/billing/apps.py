from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "fiscus.billing"
    label = "billing"
    verbose_name = "Billing"

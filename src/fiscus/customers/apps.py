from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "fiscus.customers"
    label = "customers"
    verbose_name = "Customers"

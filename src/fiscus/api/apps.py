from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "fiscus.api"
    label = "api"
    verbose_name = "API"

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "fiscus.web"
    label = "web"
    verbose_name = "Web"

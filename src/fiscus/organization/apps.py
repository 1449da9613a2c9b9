from django.apps import AppConfig


class OrganizationConfig(AppConfig):
    name = "fiscus.organization"
    label = "organization"
    verbose_name = "Organization"

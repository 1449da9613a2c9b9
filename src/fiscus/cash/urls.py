from django.urls import URLPattern

from fiscus.cash.views import (
    balancing,
    bank,
    deposits,
    documents,
    entry,
    payments,
    returns,
    setup,
    unapplied,
    uploads,
)

app_name = "cash"
urlpatterns: list[URLPattern] = [
    *deposits.urlpatterns,
    *entry.urlpatterns,
    *payments.urlpatterns,
    *returns.urlpatterns,
    *unapplied.urlpatterns,
    *balancing.urlpatterns,
    *bank.urlpatterns,
    *uploads.urlpatterns,
    *documents.urlpatterns,
    *setup.urlpatterns,
]

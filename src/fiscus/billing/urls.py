from django.urls import URLPattern

from fiscus.billing.views import (
    charge_codes,
    documents,
    finance_charges,
    invoices,
    memos,
    recurring,
    register,
    uploads,
)

app_name = "billing"
urlpatterns: list[URLPattern] = [
    *invoices.urlpatterns,
    *charge_codes.urlpatterns,
    *memos.urlpatterns,
    *recurring.urlpatterns,
    *finance_charges.urlpatterns,
    *uploads.urlpatterns,
    *documents.urlpatterns,
    *register.urlpatterns,
]

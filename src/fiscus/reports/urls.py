from django.urls import path

from fiscus.reports import views, views_adjustments, views_cash

app_name = "reports"
urlpatterns = [
    path("", views.report_index, name="index"),
    path("aging/", views.aging_report, name="aging"),
    *views_cash.urlpatterns,
    *views_adjustments.urlpatterns,
]

from django.urls import path

from fiscus.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.events, name="events"),
    path("history/", views.history, name="history"),
    path("verify/", views.verify, name="verify"),
]

from django.urls import path

from fiscus.ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.entries, name="entries"),
    path("trial-balance/", views.trial_balance, name="trial_balance"),
    path("<str:number>/", views.entry, name="entry"),
]

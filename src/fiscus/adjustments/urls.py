from fiscus.adjustments.views import urlpatterns as urlpatterns

app_name = "adjustments"

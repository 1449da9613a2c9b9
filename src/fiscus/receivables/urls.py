from django.urls import path

from fiscus.receivables import views

app_name = "receivables"
urlpatterns = [
    path("import/", views.import_opening_balances, name="import"),
    path("import/post/", views.post_opening_balances, name="import_post"),
    path("import/template/", views.import_template, name="import_template"),
]

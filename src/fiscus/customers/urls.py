from django.urls import path

from fiscus.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("<str:number>/", views.customer_detail, name="detail"),
    path("<str:number>/edit/", views.customer_edit, name="edit"),
    path("<str:number>/history/", views.customer_history, name="history"),
    path("<str:number>/tax-id/", views.reveal_tax_id, name="reveal_tax_id"),
    path("<str:number>/addresses/", views.add_address, name="add_address"),
    path("<str:number>/contacts/", views.add_contact, name="add_contact"),
    path("<str:number>/notes/", views.add_note, name="add_note"),
]

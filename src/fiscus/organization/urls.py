from django.urls import path

from fiscus.organization import views

app_name = "organization"
urlpatterns = [
    path("", views.home, name="home"),
    path("agency/edit/", views.agency_edit, name="agency_edit"),
    path("funds/", views.funds, name="funds"),
    path("funds/new/", views.fund_create, name="fund_create"),
    path("funds/<int:fund>/", views.fund_edit, name="fund_edit"),
    path("departments/", views.departments, name="departments"),
    path("departments/new/", views.department_create, name="department_create"),
    path("departments/<str:department>/", views.department_edit, name="department_edit"),
    path("accounts/", views.accounts, name="accounts"),
    path("accounts/new/", views.account_create, name="account_create"),
    path("accounts/<int:account>/", views.account_edit, name="account_edit"),
    path("periods/", views.periods, name="periods"),
    path("periods/next-year/", views.fiscal_year_create, name="fiscal_year_create"),
    path("periods/<int:period>/close/", views.period_close, name="period_close"),
    path("periods/<int:period>/reopen/", views.period_reopen, name="period_reopen"),
    path("staff/", views.staff, name="staff"),
    path("staff/<str:username>/", views.staff_edit, name="staff_edit"),
]

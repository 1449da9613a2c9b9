from django.conf import settings
from django.conf.urls.static import static
from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("fiscus.web.urls")),
    path("customers/", include("fiscus.customers.urls")),
    path("organization/", include("fiscus.organization.urls")),
    path("ledger/", include("fiscus.ledger.urls")),
    path("receivables/", include("fiscus.receivables.urls")),
    path("billing/", include("fiscus.billing.urls")),
    path("cash/", include("fiscus.cash.urls")),
    path("adjustments/", include("fiscus.adjustments.urls")),
    path("reports/", include("fiscus.reports.urls")),
    path("audit/", include("fiscus.audit.urls")),
    path("api/v1/", include("fiscus.api.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from fiscus.api import adjustments, billing, cash, returns, views

router = SimpleRouter()
router.register("customers", views.CustomerViewSet, basename="api-customer")
router.register("items", views.ItemViewSet, basename="api-item")
router.register("invoices", billing.InvoiceViewSet, basename="api-invoice")
router.register("memos", billing.MemoViewSet, basename="api-memo")
router.register("deposits", cash.DepositViewSet, basename="api-deposit")
router.register("payments", cash.PaymentViewSet, basename="api-payment")
router.register("adjustments", adjustments.AdjustmentViewSet, basename="api-adjustment")
# before "refunds", whose {number} would otherwise take "vouchers"
router.register("refunds/vouchers", adjustments.RefundVoucherViewSet, basename="api-voucher")
router.register("refunds", adjustments.RefundViewSet, basename="api-refund")
router.register("returns", returns.ReturnViewSet, basename="api-return")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("token/", views.ObtainToken.as_view(), name="api-token"),
    path("reports/aging/", views.AgingView.as_view(), name="api-aging"),
    path(
        "imports/opening-balances/",
        views.OpeningBalancesImportView.as_view(),
        name="api-import-opening-balances",
    ),
    path("billing/uploads/", billing.BillingUploadView.as_view(), name="api-billing-upload"),
    path("bank-files/", cash.BankFileView.as_view(), name="api-bank-files"),
    path("", include(router.urls)),
]

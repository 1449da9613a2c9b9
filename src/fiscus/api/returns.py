"""The returned-payments API: GET/POST /returns/ (a payment the bank took back, returned in one
step), POST /returns/{number}/redeposit/ and /worked/. Thin callers of fiscus.cash.returns; the
same capabilities as the web's returned-payments pages (reading: cash.view, a department biller
their departments' only; changing: cash.return).

Amounts are decimal strings.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from fiscus.api.adjustments import PatternChoiceField, described
from fiscus.api.idempotency import IDEMPOTENCY_KEY, idempotent
from fiscus.api.permissions import HasCapability
from fiscus.api.serializers import ErrorSerializer, Money
from fiscus.cash import returns
from fiscus.cash.models import Payment, ReturnedPayment, ReturnReason
from fiscus.cash.queries import payments_visible_to
from fiscus.organization.roles import department_scope

# --- fields ----------------------------------------------------------------------------------


@described
class ReturnReasonField(PatternChoiceField):
    options = ReturnReason
    what = "a return reason"


@described
class ReturnStatusField(PatternChoiceField):
    options = ReturnedPayment.Status
    what = "a return status"


# --- returned payments -----------------------------------------------------------------------


class ReversedSerializer(serializers.Serializer):
    item = serializers.CharField(source="number", help_text="The item open again.")
    amount = Money(help_text="What the payment had paid of it, open again.")


class ReturnSerializer(serializers.ModelSerializer):
    """A returned payment: what it reopened, the fee and the cash-only rule it set."""

    status = ReturnStatusField(read_only=True)
    payment = serializers.SlugRelatedField(slug_field="number", read_only=True)  # type: ignore[var-annotated]
    customer = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="number", read_only=True, allow_null=True, help_text="Null: unidentified."
    )
    customer_name = serializers.CharField(source="customer.name", read_only=True, allow_null=True)
    reason = ReturnReasonField(read_only=True)
    amount = Money(read_only=True)
    reversed = ReversedSerializer(many=True, read_only=True)
    fee_item = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="number", read_only=True, allow_null=True
    )
    fee = serializers.SerializerMethodField(help_text="The returned-payment fee charged.")
    journal_entry = serializers.SlugRelatedField(slug_field="number", read_only=True)  # type: ignore[var-annotated]
    worked_by = serializers.CharField(source="worked_by.username", read_only=True, allow_null=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)

    class Meta:
        model = ReturnedPayment
        fields = [
            "number",
            "status",
            "payment",
            "customer",
            "customer_name",
            "reason",
            "ach_code",
            "returned_on",
            "amount",
            "reversed",
            "fee_item",
            "fee",
            "cash_only_until",
            "cash_only_for_good",
            "from_bank",
            "journal_entry",
            "note",
            "worked_at",
            "worked_by",
            "redeposited_on",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(Money())
    def get_fee(self, returned: ReturnedPayment) -> str:
        fee = returned.fee_item.amount if returned.fee_item is not None else Decimal("0.00")
        return f"{fee:.2f}"


class ReturnInputSerializer(serializers.Serializer):
    """A payment the bank took back. An ACH return code (R01 ...) gives the reason when the
    reason is left out or is ach_return."""

    payment = serializers.CharField(max_length=40, help_text="The payment (PMT-2026-000001).")
    reason = ReturnReasonField(required=False, allow_blank=True, default="")
    returned_on = serializers.DateField(help_text="The day the bank returned it.")
    ach_code = serializers.RegexField(
        r"^[Rr]\d\d$",
        required=False,
        allow_blank=True,
        default="",
        help_text="The ACH return code (R01).",
        error_messages={"invalid": "An ACH return code looks like R01."},
    )
    fee = serializers.BooleanField(
        required=False, default=True, help_text="Assess the returned-payment fee (if dishonored)."
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=400, default="")

    def validate_payment(self, value: str) -> Payment:
        found = (
            payments_visible_to(self.context["request"].user)
            .filter(number__iexact=value.strip())
            .first()
        )
        if found is None:
            raise serializers.ValidationError(f'There is no payment "{value}".')
        return found

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        code = attrs["ach_code"].upper()
        attrs["ach_code"] = code
        if not attrs["reason"]:
            if not code:
                raise serializers.ValidationError(
                    {"reason": "Give the reason, or the ACH return code."}
                )
            attrs["reason"] = returns.reason_for_ach(code)
        elif code and attrs["reason"] in (ReturnReason.ACH_RETURN, ReturnReason.OTHER):
            attrs["reason"] = returns.reason_for_ach(code)  # as the web: R01 is NSF ...
        return attrs


class RedepositInputSerializer(serializers.Serializer):
    redeposited_on = serializers.DateField(
        required=False, allow_null=True, help_text="The day the check cleared (default: today)."
    )


def returns_visible_to(user: Any) -> QuerySet[ReturnedPayment]:
    """A department biller sees the returns of their departments' payments: the same rule as
    fiscus.cash.views.returns.visible_returns, which takes a page's request (one scoping for
    both belongs in fiscus.cash.queries, beside payments_visible_to)."""
    found = ReturnedPayment.objects.all()
    scope = department_scope(user)
    return found if scope is None else found.filter(payment__department_id__in=scope)


class ReturnFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ReturnedPayment.Status.choices)
    to_work = django_filters.BooleanFilter(
        method="filter_to_work",
        label="true: returns still to be worked (the dashboard's list); false: the others.",
    )
    customer = django_filters.CharFilter(
        field_name="customer__number", lookup_expr="iexact", label="Customer number (C000001)."
    )
    payment = django_filters.CharFilter(
        field_name="payment__number", lookup_expr="iexact", label="Payment number."
    )

    class Meta:
        model = ReturnedPayment
        fields = ["status", "to_work", "customer", "payment"]

    def filter_to_work(
        self, queryset: QuerySet[ReturnedPayment], name: str, value: bool | None
    ) -> QuerySet[ReturnedPayment]:
        if value is None:
            return queryset
        waiting = returns.to_work().values("pk")
        return queryset.filter(pk__in=waiting) if value else queryset.exclude(pk__in=waiting)


RETURN_ACTION_RESPONSES = {
    200: ReturnSerializer,
    400: ErrorSerializer,
    404: ErrorSerializer,
    422: ErrorSerializer,
}


@extend_schema_view(
    list=extend_schema(summary="Returned payments; a biller sees their departments'."),
    retrieve=extend_schema(summary="One returned payment, by number."),
)
class ReturnViewSet(viewsets.ReadOnlyModelViewSet):
    """Returned payments: returned (to work) -> worked; or redeposited when the check clears."""

    permission_classes = [IsAuthenticated, HasCapability]
    capability = "cash.view"
    capabilities = {"create": "cash.return", "redeposit": "cash.return", "worked": "cash.return"}
    serializer_class = ReturnSerializer
    filterset_class = ReturnFilter
    lookup_field = "number"
    lookup_value_regex = "[^/]+"
    queryset = ReturnedPayment.objects.none()

    def get_queryset(self) -> QuerySet[ReturnedPayment]:
        return (
            returns_visible_to(self.request.user)
            .select_related(
                "payment", "customer", "fee_item", "journal_entry", "worked_by", "created_by"
            )
            .order_by("-returned_on", "-id")
        )

    def _answer(self, found: ReturnedPayment, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=found.pk)
        return Response(ReturnSerializer(fresh).data, status=code)

    @extend_schema(
        request=ReturnInputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: ReturnSerializer, 400: ErrorSerializer, 422: ErrorSerializer},
        summary="Return a payment in one step: its items open again, the bank side reversed, "
        "the fee and cash-only when dishonored.",
    )
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ReturnInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        v = data.validated_data
        done = returns.return_payment(
            v["payment"],
            reason=v["reason"],
            on=v["returned_on"],
            by=request.user,  # type: ignore[arg-type]
            ach_code=v["ach_code"],
            note=v["note"],
            fee=v["fee"],
        )
        return self._answer(done, status.HTTP_201_CREATED)

    @extend_schema(
        request=RedepositInputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses=RETURN_ACTION_RESPONSES,
        summary="The check was presented again and cleared: the payment applies again.",
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    @idempotent
    def redeposit(self, request: Request, number: str | None = None) -> Response:
        data = RedepositInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        on = data.validated_data.get("redeposited_on") or timezone.localdate()
        done = returns.redeposit(self.get_object(), on=on, by=request.user)  # type: ignore[arg-type]
        return self._answer(done)

    @extend_schema(
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses=RETURN_ACTION_RESPONSES,
        summary="The return is worked (notice sent, customer called): off the dashboard.",
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    @idempotent
    def worked(self, request: Request, number: str | None = None) -> Response:
        done = returns.mark_worked(self.get_object(), by=request.user)  # type: ignore[arg-type]
        return self._answer(done)

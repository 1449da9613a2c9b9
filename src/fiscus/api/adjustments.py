"""The adjustments API: requests (write-offs, small-balance write-offs, correcting entries,
transfers) and their approval, refunds through to payment, and refund vouchers for accounts
payable. Thin callers of fiscus.adjustments.services; the same capabilities as the web.

- Requests: GET/POST /adjustments/; POST /adjustments/{number}/approve|reject|resubmit|withdraw/.
  A refund is a request too: it is approved and rejected at /adjustments/{number}/.
- Refunds: GET/POST /refunds/; POST /refunds/{number}/paid/; GET/POST /refunds/vouchers/.

Amounts are decimal strings; a JSON number with a fraction is refused.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

import django_filters
from django.db import models
from django.db.models import Prefetch, Q, QuerySet
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from fiscus.adjustments import services as adjustments
from fiscus.adjustments.models import Kind, Line, Reason, RefundVoucher, RequestEvent, Status
from fiscus.adjustments.models import Request as AdjustmentRequest
from fiscus.adjustments.services import Wanted
from fiscus.api.idempotency import IDEMPOTENCY_KEY, idempotent
from fiscus.api.permissions import HasCapability
from fiscus.api.serializers import ErrorSerializer, Money
from fiscus.customers.models import Customer
from fiscus.errors import PermissionDenied
from fiscus.organization.roles import can, department_scope
from fiscus.receivables.models import Item

# --- fields ----------------------------------------------------------------------------------


class PatternChoiceField(serializers.ChoiceField):
    """A ChoiceField of `options`, described by a pattern (see `described`)."""

    options: type[models.TextChoices]
    what: str

    def __init__(self, **kwargs: Any) -> None:
        listed = ", ".join(self.options.values)
        kwargs.setdefault(
            "error_messages",
            {"invalid_choice": f'"{{input}}" is not {self.what}; the choices are {listed}.'},
        )
        super().__init__(choices=self.options.choices, **kwargs)


F = TypeVar("F", bound=type[PatternChoiceField])


def described(field: F) -> F:
    """Describe the field by a pattern, not an enum: drf-spectacular names enums after the field,
    and "StatusEnum" or "KindEnum" would collide with the invoices' and the items'."""
    values = list(field.options.values)
    schema = {
        "type": "string",
        "pattern": f"^({'|'.join(values)})$",
        "description": ", ".join(values),
    }
    return extend_schema_field(schema)(field)


class RefundStage(models.TextChoices):
    """Where a refund is: the request's status, then, once posted, accounts payable's steps."""

    PENDING = "pending", Status.PENDING.label
    REJECTED = "rejected", Status.REJECTED.label
    WITHDRAWN = "withdrawn", Status.WITHDRAWN.label
    TO_SEND = "to_send", "Approved, to send to accounts payable"
    SENT = "sent", "Sent to accounts payable"
    PAID = "paid", "Paid"


@described
class KindField(PatternChoiceField):
    options = Kind
    what = "a kind of adjustment"


@described
class RequestStatusField(PatternChoiceField):
    options = Status
    what = "a request status"


@described
class EventActionField(PatternChoiceField):
    options = RequestEvent.Action
    what = "a step"


@described
class PaidByField(PatternChoiceField):
    options = AdjustmentRequest.PaidBy
    what = "a way to pay"


@described
class RefundStageField(PatternChoiceField):
    options = RefundStage
    what = "a refund stage"


def stage_of(refund: AdjustmentRequest) -> str:
    if refund.status != Status.POSTED:
        return str(refund.status)
    if refund.paid_on is not None:
        return RefundStage.PAID
    return RefundStage.SENT if refund.voucher_id is not None else RefundStage.TO_SEND


def customer_by_number(value: str) -> Customer:
    found = Customer.objects.filter(number__iexact=value.strip()).first()
    if found is None:
        raise serializers.ValidationError(f'There is no customer "{value}".')
    return found


def reason_by_code(value: str) -> Reason:
    found = Reason.objects.filter(code__iexact=value.strip()).first()
    if found is None:
        raise serializers.ValidationError(f'There is no reason code "{value}".')
    return found


# --- requests: output ------------------------------------------------------------------------


class LineSerializer(serializers.ModelSerializer):
    item = serializers.SlugRelatedField(slug_field="number", read_only=True)  # type: ignore[var-annotated]
    customer = serializers.SlugRelatedField(slug_field="number", read_only=True)  # type: ignore[var-annotated]
    amount = Money(read_only=True, help_text="How far the item's open amount moves toward zero.")
    new_item = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="number",
        read_only=True,
        allow_null=True,
        help_text="A posted transfer: the item on the receiving customer.",
    )

    class Meta:
        model = Line
        fields = ["item", "customer", "amount", "new_item"]
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):
    action = EventActionField(read_only=True)
    by = serializers.CharField(source="by.username", read_only=True)

    class Meta:
        model = RequestEvent
        fields = ["action", "by", "at", "comment"]
        read_only_fields = fields


class RequestSerializer(serializers.ModelSerializer):
    """A request with its lines and every step of its life."""

    kind = KindField(read_only=True)
    status = RequestStatusField(read_only=True)
    reason = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    reason_name = serializers.CharField(source="reason.name", read_only=True)
    customer = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="number",
        read_only=True,
        allow_null=True,
        help_text="The one customer of every line; null for a batch across customers.",
    )
    customer_name = serializers.CharField(source="customer.name", read_only=True, allow_null=True)
    to_customer = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="number", read_only=True, allow_null=True, help_text="A transfer's receiver."
    )
    total = Money(read_only=True)
    prepared_by = serializers.CharField(source="prepared_by.username", read_only=True)
    decided_by = serializers.CharField(
        source="decided_by.username", read_only=True, allow_null=True
    )
    journal_entry = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="number", read_only=True, allow_null=True
    )
    lines = LineSerializer(many=True, read_only=True)
    events = EventSerializer(many=True, read_only=True)

    class Meta:
        model = AdjustmentRequest
        fields = [
            "number",
            "kind",
            "status",
            "reason",
            "reason_name",
            "customer",
            "customer_name",
            "to_customer",
            "effective_date",
            "total",
            "description",
            "needs_approval",
            "prepared_by",
            "prepared_at",
            "decided_by",
            "decided_at",
            "comment",
            "posted_at",
            "journal_entry",
            "lines",
            "events",
        ]
        read_only_fields = fields


class RefundSerializer(RequestSerializer):
    """A refund: the request, then accounts payable's voucher and payment."""

    stage = serializers.SerializerMethodField()
    stage_label = serializers.CharField(source="stage", read_only=True)
    voucher = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="number", read_only=True, allow_null=True, help_text="Sent to AP in this file."
    )
    paid_by = serializers.CharField(read_only=True, help_text="check or eft; blank until paid.")

    class Meta(RequestSerializer.Meta):
        fields = [
            *RequestSerializer.Meta.fields[:3],
            "stage",
            "stage_label",
            *RequestSerializer.Meta.fields[3:-2],
            "payee_name",
            "payee_address",
            "voucher",
            "paid_on",
            "paid_by",
            "paid_reference",
            *RequestSerializer.Meta.fields[-2:],
        ]
        read_only_fields = fields

    @extend_schema_field(RefundStageField())
    def get_stage(self, refund: AdjustmentRequest) -> str:
        return stage_of(refund)


# --- requests: input -------------------------------------------------------------------------


class LineInputSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=40, help_text="An open item (INV-2026-000001).")
    amount = Money(help_text="How far its open amount moves toward zero; more than zero.")

    def validate_amount(self, value: Decimal) -> Decimal:
        if value <= 0:
            raise serializers.ValidationError("The amount must be more than zero.")
        return value


class RequestInputSerializer(serializers.Serializer):
    """A new request. Within its kind's approval threshold it posts at once; above, it waits for
    a supervisor. Refunds are requested at /api/v1/refunds/."""

    kind = KindField()
    reason = serializers.CharField(max_length=20, help_text="A reason code (BADDEBT).")
    effective_date = serializers.DateField(help_text="The accounting date it posts on.")
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=400, default=""
    )
    lines = LineInputSerializer(many=True, allow_empty=False)
    to_customer = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=20,
        help_text="A transfer: the receiving customer's number.",
    )

    def validate_kind(self, value: str) -> str:
        if value == Kind.REFUND:
            raise serializers.ValidationError(
                "Request a refund at /api/v1/refunds/: it takes the customer and the amount, "
                "and refunds their credits oldest first."
            )
        return value

    def validate_reason(self, value: str) -> Reason:
        return reason_by_code(value)

    def validate_to_customer(self, value: str | None) -> Customer | None:
        return customer_by_number(value) if value and value.strip() else None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        lines: list[dict[str, Any]] = attrs["lines"]
        wanted = {ln["item"].strip().upper() for ln in lines}
        items = {
            it.number.upper(): it
            for it in Item.objects.visible_to(self.context["request"].user).filter(
                number__in=wanted
            )
        }
        # Keyed by the line's index, as the invoices and payments APIs key their lines.
        problems = {
            str(i): {"item": [f'There is no item "{ln["item"]}".']}
            for i, ln in enumerate(lines)
            if ln["item"].strip().upper() not in items
        }
        if problems:
            raise serializers.ValidationError({"lines": problems})
        attrs["lines"] = [Wanted(items[ln["item"].strip().upper()], ln["amount"]) for ln in lines]
        return attrs


class CommentInputSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=400, default="")


class RejectInputSerializer(serializers.Serializer):
    comment = serializers.CharField(
        max_length=400,
        help_text="Why: the preparer reads it.",
        error_messages={
            "required": "Say why the request is rejected.",
            "blank": "Say why the request is rejected.",
        },
    )


# --- requests: views -------------------------------------------------------------------------


def requests_visible_to(user: Any) -> QuerySet[AdjustmentRequest]:
    """Requests a user may see: one limited to departments, those whose every line is theirs."""
    found = AdjustmentRequest.objects.all()
    scope = department_scope(user)
    if scope is not None:
        found = found.exclude(lines__in=Line.objects.exclude(item__department_id__in=scope))
    return found


def with_related(found: QuerySet[AdjustmentRequest]) -> QuerySet[AdjustmentRequest]:
    """What the serializers read, in a fixed number of queries however many requests."""
    return found.select_related(
        "reason", "customer", "to_customer", "prepared_by", "decided_by", "journal_entry", "voucher"
    ).prefetch_related(
        Prefetch("lines", Line.objects.select_related("item", "customer", "new_item")),
        Prefetch("events", RequestEvent.objects.select_related("by")),
    )


class RequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    kind = django_filters.ChoiceFilter(choices=Kind.choices)
    customer = django_filters.CharFilter(
        method="filter_customer",
        label="Customer number (C000001): requests with a line of theirs, or transferred to them.",
    )

    class Meta:
        model = AdjustmentRequest
        fields = ["status", "kind", "customer"]

    def filter_customer(
        self, queryset: QuerySet[AdjustmentRequest], name: str, value: str
    ) -> QuerySet[AdjustmentRequest]:
        number = value.strip()
        lines = Line.objects.filter(customer__number__iexact=number).values("request_id")
        return queryset.filter(Q(pk__in=lines) | Q(to_customer__number__iexact=number))


REQUEST_ACTION_RESPONSES = {
    200: RequestSerializer,
    400: ErrorSerializer,
    403: OpenApiResponse(ErrorSerializer, description="Not allowed, or separation of duties."),
    404: ErrorSerializer,
    422: ErrorSerializer,
}


@extend_schema_view(
    list=extend_schema(summary="Adjustment requests (refunds too), filterable."),
    retrieve=extend_schema(summary="One request, by number, with its lines and events."),
)
class AdjustmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Requests: pending -> posted on approval, or rejected back to the preparer (who resubmits
    or withdraws). Nothing posts before approval; the preparer never approves their own."""

    permission_classes = [IsAuthenticated, HasCapability]
    capability = "adjustments.view"
    capabilities = {
        "create": "adjustments.request",
        "approve": "adjustments.approve",
        "reject": "adjustments.approve",
        "resubmit": "adjustments.request",
        "withdraw": "adjustments.request",
    }
    serializer_class = RequestSerializer
    filterset_class = RequestFilter
    lookup_field = "number"
    lookup_value_regex = "[^/]+"
    queryset = AdjustmentRequest.objects.none()

    def get_queryset(self) -> QuerySet[AdjustmentRequest]:
        return with_related(requests_visible_to(self.request.user)).order_by("-prepared_at", "-id")

    def _answer(self, found: AdjustmentRequest, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=found.pk)
        return Response(RequestSerializer(fresh).data, status=code)

    def _comment(self, request: Request) -> str:
        data = CommentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment: str = data.validated_data["comment"]
        return comment

    @extend_schema(
        request=RequestInputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: RequestSerializer, 400: ErrorSerializer, 422: ErrorSerializer},
        summary="Prepare a write-off, small-balance write-off, correcting entry or transfer.",
    )
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = RequestInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        v = data.validated_data
        prepared = adjustments.prepare(
            by=request.user,  # type: ignore[arg-type]
            kind=v["kind"],
            reason=v["reason"],
            lines=v["lines"],
            on=v["effective_date"],
            description=v.get("description", ""),
            to_customer=v.get("to_customer"),
        )
        return self._answer(prepared, status.HTTP_201_CREATED)

    @extend_schema(
        request=CommentInputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses=REQUEST_ACTION_RESPONSES,
        summary="Approve a pending request: it posts. Its preparer cannot.",
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    @idempotent
    def approve(self, request: Request, number: str | None = None) -> Response:
        comment = self._comment(request)
        done = adjustments.approve(self.get_object(), by=request.user, comment=comment)  # type: ignore[arg-type]
        return self._answer(done)

    @extend_schema(
        request=RejectInputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses=REQUEST_ACTION_RESPONSES,
        summary="Send a pending request back to its preparer, saying why. Nothing posts.",
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    @idempotent
    def reject(self, request: Request, number: str | None = None) -> Response:
        data = RejectInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = adjustments.reject(
            self.get_object(),
            by=request.user,  # type: ignore[arg-type]
            comment=data.validated_data["comment"],
        )
        return self._answer(done)

    @extend_schema(
        request=CommentInputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses=REQUEST_ACTION_RESPONSES,
        summary="The preparer sends a rejected request back for approval, with a reply.",
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    @idempotent
    def resubmit(self, request: Request, number: str | None = None) -> Response:
        comment = self._comment(request)
        done = adjustments.resubmit(self.get_object(), by=request.user, comment=comment)  # type: ignore[arg-type]
        return self._answer(done)

    @extend_schema(
        request=CommentInputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses=REQUEST_ACTION_RESPONSES,
        summary="Take back a request not yet posted (its preparer, or an approver).",
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    @idempotent
    def withdraw(self, request: Request, number: str | None = None) -> Response:
        comment = self._comment(request)
        found = self.get_object()
        if found.prepared_by_id != request.user.pk and not can(request.user, "adjustments.approve"):
            raise PermissionDenied(
                f"Only the preparer of request {found.number} or an approver can withdraw it.",
                code="not_preparer",
            )
        done = adjustments.withdraw(found, by=request.user, comment=comment)  # type: ignore[arg-type]
        return self._answer(done)


# --- refunds ---------------------------------------------------------------------------------


class RefundInputSerializer(serializers.Serializer):
    """A refund of (part of) a customer's credit balance: at most what the agency owes them net
    of their open items. It takes their credits oldest first."""

    customer = serializers.CharField(max_length=20, help_text="The customer number (C000001).")
    reason = serializers.CharField(max_length=20, help_text="A refund reason code (OVERPAY).")
    amount = Money(help_text="More than zero.")
    effective_date = serializers.DateField(help_text="The accounting date it posts on.")
    payee_name = serializers.CharField(
        required=False, allow_blank=True, max_length=200, default="", help_text="Default: theirs."
    )
    payee_address = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=1000,
        default="",
        help_text="One line per address line. Default: the customer's billing address.",
    )
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=400, default=""
    )

    def validate_customer(self, value: str) -> Customer:
        return customer_by_number(value)

    def validate_reason(self, value: str) -> Reason:
        return reason_by_code(value)

    def validate_amount(self, value: Decimal) -> Decimal:
        if value <= 0:
            raise serializers.ValidationError("The refund must be more than zero.")
        return value


class PaidInputSerializer(serializers.Serializer):
    paid_on = serializers.DateField(help_text="The day accounts payable paid it.")
    paid_by = PaidByField()
    reference = serializers.CharField(
        max_length=40,
        help_text="The check or EFT number.",
        error_messages={
            "required": "Give the check or EFT number.",
            "blank": "Give the check or EFT number.",
        },
    )


class RefundFilter(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(choices=RefundStage.choices, method="filter_stage")
    customer = django_filters.CharFilter(
        field_name="customer__number", lookup_expr="iexact", label="Customer number (C000001)."
    )

    class Meta:
        model = AdjustmentRequest
        fields = ["stage", "customer"]

    def filter_stage(
        self, queryset: QuerySet[AdjustmentRequest], name: str, value: str
    ) -> QuerySet[AdjustmentRequest]:
        if value in (RefundStage.PENDING, RefundStage.REJECTED, RefundStage.WITHDRAWN):
            return queryset.filter(status=value)
        posted = queryset.filter(status=Status.POSTED)
        if value == RefundStage.TO_SEND:
            return posted.filter(voucher__isnull=True)
        if value == RefundStage.SENT:
            return posted.filter(voucher__isnull=False, paid_on__isnull=True)
        return posted.filter(paid_on__isnull=False)


@extend_schema_view(
    list=extend_schema(summary="Refunds, by stage: pending -> to_send -> sent -> paid."),
    retrieve=extend_schema(summary="One refund, by number, with its lines and events."),
)
class RefundViewSet(viewsets.ReadOnlyModelViewSet):
    """Refunds: requested, approved at /adjustments/{number}/approve/, sent to accounts payable
    in a voucher file, and paid by check or EFT."""

    permission_classes = [IsAuthenticated, HasCapability]
    capability = "adjustments.view"
    capabilities = {"create": "adjustments.request", "paid": "refunds.pay"}
    serializer_class = RefundSerializer
    filterset_class = RefundFilter
    lookup_field = "number"
    lookup_value_regex = "[^/]+"
    queryset = AdjustmentRequest.objects.none()

    def get_queryset(self) -> QuerySet[AdjustmentRequest]:
        refunds = requests_visible_to(self.request.user).filter(kind=Kind.REFUND)
        return with_related(refunds).order_by("-prepared_at", "-id")

    def _answer(self, found: AdjustmentRequest, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=found.pk)
        return Response(RefundSerializer(fresh).data, status=code)

    @extend_schema(
        request=RefundInputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: RefundSerializer, 400: ErrorSerializer, 422: ErrorSerializer},
        summary="Request a refund of a customer's credit balance.",
    )
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = RefundInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        refund = adjustments.request_refund(
            by=request.user,  # type: ignore[arg-type]
            customer=v["customer"],
            reason=v["reason"],
            amount=v["amount"],
            on=v["effective_date"],
            payee_name=v["payee_name"],
            payee_address=v["payee_address"],
            description=v["description"],
        )
        return self._answer(refund, status.HTTP_201_CREATED)

    @extend_schema(
        request=PaidInputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: RefundSerializer,
            400: ErrorSerializer,
            404: ErrorSerializer,
            422: ErrorSerializer,
        },
        summary="Record accounts payable's check or EFT for a refund sent to them.",
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    @idempotent
    def paid(self, request: Request, number: str | None = None) -> Response:
        data = PaidInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        done = adjustments.mark_paid(
            self.get_object(),
            by=request.user,  # type: ignore[arg-type]
            paid_on=v["paid_on"],
            paid_by=v["paid_by"],
            reference=v["reference"],
        )
        return self._answer(done)


class VoucherSerializer(serializers.ModelSerializer):
    """One voucher file sent to accounts payable, kept as sent."""

    total = Money(read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    refunds = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="number", many=True, read_only=True, help_text="The refunds it holds."
    )

    class Meta:
        model = RefundVoucher
        fields = ["number", "file_name", "count", "total", "created_by", "created_at", "refunds"]
        read_only_fields = fields


class VoucherFileSerializer(VoucherSerializer):
    content = serializers.CharField(read_only=True, help_text="The CSV file, as sent.")

    class Meta(VoucherSerializer.Meta):
        fields = [*VoucherSerializer.Meta.fields, "content"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="The refund voucher files sent to accounts payable."),
    retrieve=extend_schema(summary="One voucher file, with its CSV content."),
)
class RefundVoucherViewSet(viewsets.ReadOnlyModelViewSet):
    """Voucher files: each holds every approved refund not yet sent when it was made."""

    permission_classes = [IsAuthenticated, HasCapability]
    capability = "adjustments.view"
    capabilities = {"create": "refunds.pay"}
    serializer_class = VoucherSerializer
    lookup_field = "number"
    lookup_value_regex = "[^/]+"
    queryset = RefundVoucher.objects.none()

    def get_queryset(self) -> QuerySet[RefundVoucher]:
        return (
            RefundVoucher.objects.select_related("created_by")
            .prefetch_related(Prefetch("refunds", AdjustmentRequest.objects.order_by("number")))
            .order_by("-created_at", "-id")
        )

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return VoucherFileSerializer if self.action == "retrieve" else VoucherSerializer

    @extend_schema(
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: VoucherFileSerializer, 400: ErrorSerializer, 422: ErrorSerializer},
        summary="Send every approved refund not yet sent to accounts payable, as one CSV file.",
    )
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        voucher = adjustments.export_vouchers(by=request.user)  # type: ignore[arg-type]
        fresh = self.get_queryset().get(pk=voucher.pk)
        return Response(VoucherFileSerializer(fresh).data, status=status.HTTP_201_CREATED)

"""The cash API: deposits (open, read, close), payments (record with an Idempotency-Key, apply,
read) and bank-statement files. Thin callers of fiscus.cash's services; the same capabilities as
the web. A department biller sees only their departments' deposits and payments.

Amounts are decimal strings; a JSON number with a fraction is refused.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import django_filters
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fiscus import money
from fiscus.api.idempotency import HEADER, IDEMPOTENCY_KEY, idempotent
from fiscus.api.permissions import HasCapability
from fiscus.api.serializers import ErrorSerializer, Money
from fiscus.cash.models import (
    ApplicationReason,
    BankStatement,
    CsvMapping,
    Deposit,
    Method,
    Payment,
)
from fiscus.cash.queries import deposits_visible_to, payments_visible_to
from fiscus.cash.services import (
    CashError,
    PaymentInput,
    allocation_for,
    apply_payment,
    close_deposit,
    open_deposit,
    policy_for,
    record_payments,
)
from fiscus.customers.models import Customer
from fiscus.errors import PermissionDenied
from fiscus.organization.models import Department
from fiscus.organization.roles import can, department_scope
from fiscus.receivables.models import Item

AUTO = "auto"
# What a payment can pay: the kinds of item a customer owes.
OWED_KINDS = sorted(Item.DEBIT_KINDS | {Item.Kind.OPENING_BALANCE})
SOURCE = "api"


# --- fields ----------------------------------------------------------------------------------


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^(open|closed|balanced)$",
        "description": "open, closed or balanced",
    }
)
class DepositStatusField(serializers.ChoiceField):
    """A deposit's status. Described by a pattern: an enum named "Status" would collide with the
    invoices' status (drf-spectacular names enums after the field)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Deposit.Status.choices, **kwargs)


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^(unidentified|posted)$",
        "description": "unidentified or posted",
    }
)
class PaymentStatusField(serializers.ChoiceField):
    """A payment's status: unidentified (no customer yet) or posted."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Payment.Status.choices, **kwargs)


METHODS = ", ".join(Method.values)


@extend_schema_field(
    {"type": "string", "pattern": f"^({'|'.join(Method.values)})$", "description": METHODS}
)
class MethodField(serializers.ChoiceField):
    """How the money came: check, cash, money_order, card, ach or wire."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "error_messages",
            {"invalid_choice": f'"{{input}}" is not a payment method; the methods are {METHODS}.'},
        )
        super().__init__(choices=Method.choices, **kwargs)


class ApplyLineSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=40, help_text="An open item (INV-2026-000001).")
    amount = Money(help_text="How much of the payment goes to it.")

    def validate_amount(self, value: Decimal) -> Decimal:
        if value <= 0:
            raise serializers.ValidationError("The amount to apply must be more than zero.")
        return value


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "pattern": "^auto$"},
            {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "item": {"type": "string", "example": "INV-2026-000001"},
                        "amount": {"type": "string", "format": "decimal", "example": "12.34"},
                    },
                    "required": ["item", "amount"],
                },
            },
        ],
        "description": '"auto" (the allocation policy over the customer\'s open items) or a list '
        'of {"item", "amount"}.',
    }
)
class ApplyField(serializers.Field):
    """How to apply a payment: "auto", or [{"item", "amount"}] with each item's number."""

    def to_internal_value(self, data: Any) -> str | list[dict[str, Any]]:
        if isinstance(data, str) and data.strip().lower() == AUTO:
            return AUTO
        if not isinstance(data, list) or not data:
            raise serializers.ValidationError(
                'Send "auto", or a list of the items to pay: [{"item": "INV-2026-000001", '
                '"amount": "12.34"}].'
            )
        lines = ApplyLineSerializer(data=data, many=True)
        if not lines.is_valid():
            # Keyed by the line's index, as the invoices API keys its lines. (DRF gives a list
            # serializer's errors as {index: errors}; older versions as a list.)
            errors: Any = lines.errors
            pairs = errors.items() if isinstance(errors, dict) else enumerate(errors)
            raise serializers.ValidationError({str(i): found for i, found in pairs if found})
        validated: list[dict[str, Any]] = lines.validated_data
        return validated

    def to_representation(self, value: Any) -> Any:
        return value


def allocations_from(
    lines: list[dict[str, Any]], customer: Customer, user: Any
) -> list[tuple[Item, Decimal]]:
    """The apply lines' item numbers -> the customer's items, or 400 naming each unknown line."""
    wanted = {ln["item"].strip().upper() for ln in lines}
    found = {
        it.number.upper(): it
        for it in Item.objects.visible_to(user).filter(customer=customer, number__in=wanted)
    }
    problems = {
        str(i): {"item": [f'Customer {customer.number} has no item "{ln["item"]}".']}
        for i, ln in enumerate(lines)
        if ln["item"].strip().upper() not in found
    }
    if problems:
        raise serializers.ValidationError({"apply": problems})
    return [(found[ln["item"].strip().upper()], ln["amount"]) for ln in lines]


# --- deposits --------------------------------------------------------------------------------


class DepositInputSerializer(serializers.Serializer):
    """A new deposit batch: one day, one department, the signed-in cashier."""

    department = serializers.CharField(max_length=20, help_text="The department code (PRK).")
    deposit_date = serializers.DateField()
    control_count = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, help_text="How many payments it will hold."
    )
    control_total = Money(
        required=False, allow_null=True, help_text="What its payments will add up to."
    )
    bank_reference = serializers.CharField(
        required=False, allow_blank=True, max_length=60, default="", help_text="The bank's."
    )

    def validate_department(self, value: str) -> Department:
        department = (
            Department.objects.select_related("fund").filter(code__iexact=value.strip()).first()
        )
        if department is None or not department.active:
            raise serializers.ValidationError(f'"{value}" is not an active department.')
        scope = department_scope(self.context["request"].user)
        if scope is not None and department.pk not in scope:
            allowed = ", ".join(
                sorted(Department.objects.filter(pk__in=scope).values_list("code", flat=True))
            )
            raise serializers.ValidationError(
                f"You may not record cash for department {department.code}; "
                f"you record cash for {allowed or 'no department'}."
            )
        return department

    def validate_deposit_date(self, value: Any) -> Any:
        if value > timezone.localdate():
            raise serializers.ValidationError("A deposit cannot be dated in the future.")
        return value

    def validate_control_total(self, value: Decimal | None) -> Decimal | None:
        if value is not None and value < 0:
            raise serializers.ValidationError("The control total cannot be negative.")
        return value


class DepositSerializer(serializers.ModelSerializer):
    """A deposit with what its payments add up to against its control totals."""

    department = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    fund = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    cashier = serializers.CharField(source="cashier.username", read_only=True)
    status = DepositStatusField(read_only=True)
    control_total = Money(read_only=True, allow_null=True)
    count = serializers.IntegerField(
        source="payment_count", read_only=True, help_text="How many payments it holds."
    )
    total = serializers.SerializerMethodField(help_text="What its payments add up to.")
    count_off = serializers.SerializerMethodField(help_text="count - control_count, if given.")
    total_off = serializers.SerializerMethodField(help_text="total - control_total, if given.")
    matches = serializers.SerializerMethodField(help_text="The payments match the controls.")

    class Meta:
        model = Deposit
        fields = [
            "number",
            "deposit_date",
            "department",
            "fund",
            "cashier",
            "status",
            "source",
            "bank_reference",
            "control_count",
            "control_total",
            "count",
            "total",
            "count_off",
            "total_off",
            "matches",
            "created_at",
            "closed_at",
        ]
        read_only_fields = fields

    # The view annotates payment_count and payment_total, so a list reads no row twice.
    def _total(self, deposit: Deposit) -> Decimal:
        return money.cents(getattr(deposit, "payment_total", None) or money.ZERO)

    def _count_off(self, deposit: Deposit) -> int | None:
        if deposit.control_count is None:
            return None
        return int(getattr(deposit, "payment_count", 0)) - deposit.control_count

    def _total_off(self, deposit: Deposit) -> Decimal | None:
        if deposit.control_total is None:
            return None
        return self._total(deposit) - deposit.control_total

    @extend_schema_field(Money())
    def get_total(self, deposit: Deposit) -> str:
        return str(self._total(deposit))

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_count_off(self, deposit: Deposit) -> int | None:
        return self._count_off(deposit)

    @extend_schema_field(Money(allow_null=True))
    def get_total_off(self, deposit: Deposit) -> str | None:
        off = self._total_off(deposit)
        return None if off is None else str(off)

    @extend_schema_field(serializers.BooleanField())
    def get_matches(self, deposit: Deposit) -> bool:
        return not self._count_off(deposit) and not self._total_off(deposit)


class DepositFilter(django_filters.FilterSet):
    date = django_filters.DateFilter(field_name="deposit_date", label="The deposit date.")
    status = django_filters.ChoiceFilter(choices=Deposit.Status.choices)
    department = django_filters.CharFilter(
        field_name="department__code", lookup_expr="iexact", label="Department code (PRK)."
    )

    class Meta:
        model = Deposit
        fields = ["date", "status", "department"]


@extend_schema_view(
    list=extend_schema(summary="Deposits, filterable; a biller sees their departments'."),
    retrieve=extend_schema(summary="One deposit, by number, with its totals."),
)
class DepositViewSet(viewsets.ReadOnlyModelViewSet):
    """Deposit batches: open -> closed (matching their control totals) -> balanced."""

    permission_classes = [IsAuthenticated, HasCapability]
    capability = "cash.view"
    capabilities = {"create": "cash.receive", "close": "cash.deposit"}
    serializer_class = DepositSerializer
    filterset_class = DepositFilter
    lookup_field = "number"
    lookup_value_regex = "[^/]+"
    queryset = Deposit.objects.none()

    def get_queryset(self) -> QuerySet[Deposit]:
        return (
            deposits_visible_to(self.request.user)
            .select_related("department", "fund", "cashier")
            .annotate(payment_count=Count("payments"), payment_total=Sum("payments__amount"))
            .order_by("-deposit_date", "-id")
        )

    def _answer(self, deposit: Deposit) -> Response:
        return Response(DepositSerializer(self.get_queryset().get(pk=deposit.pk)).data)

    @extend_schema(
        request=DepositInputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: DepositSerializer, 400: ErrorSerializer, 422: ErrorSerializer},
        summary="Open a deposit batch for a day and department, with control totals.",
    )
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = DepositInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        v = data.validated_data
        deposit = open_deposit(
            department=v["department"],
            on=v["deposit_date"],
            by=request.user,  # type: ignore[arg-type]
            control_count=v.get("control_count"),
            control_total=v.get("control_total"),
            source=SOURCE,
            bank_reference=v.get("bank_reference", ""),
        )
        response = self._answer(deposit)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: DepositSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
        summary="Close a deposit; its payments must match its control totals.",
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    @idempotent
    def close(self, request: Request, number: str | None = None) -> Response:
        deposit = close_deposit(self.get_object(), by=request.user)  # type: ignore[arg-type]
        return self._answer(deposit)


# --- payments --------------------------------------------------------------------------------


class PaymentApplicationSerializer(serializers.ModelSerializer):
    """Part of the payment applied to an item, and why."""

    item = serializers.CharField(source="application.debit_item.number", read_only=True)
    amount = Money(source="application.amount", read_only=True)
    date = serializers.DateField(source="application.effective_date", read_only=True)
    confidence = serializers.DecimalField(
        max_digits=3, decimal_places=2, coerce_to_string=True, read_only=True, allow_null=True
    )

    class Meta:
        model = ApplicationReason
        fields = ["item", "amount", "date", "rule", "automatic", "confidence"]
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    """A payment with its applications and what is left of it to apply."""

    status = PaymentStatusField(read_only=True)
    method = MethodField(read_only=True)
    deposit = serializers.SlugRelatedField(slug_field="number", read_only=True)  # type: ignore[var-annotated]
    customer = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="number", read_only=True, allow_null=True, help_text="Null: unidentified."
    )
    customer_name = serializers.CharField(source="customer.name", read_only=True, allow_null=True)
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    fund = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    amount = Money(read_only=True)
    unapplied = Money(read_only=True, help_text="What is left of it to apply.")
    cashier = serializers.CharField(source="cashier.username", read_only=True)
    journal_entry = serializers.SlugRelatedField(slug_field="number", read_only=True)  # type: ignore[var-annotated]
    applications = PaymentApplicationSerializer(many=True, read_only=True)

    class Meta:
        model = Payment
        fields = [
            "number",
            "status",
            "method",
            "deposit",
            "customer",
            "customer_name",
            "department",
            "fund",
            "amount",
            "unapplied",
            "received_on",
            "payer",
            "check_number",
            "bank_account",
            "reference",
            "remittance",
            "source",
            "cashier",
            "journal_entry",
            "created_at",
            "applications",
        ]
        read_only_fields = fields


class PaymentInputSerializer(serializers.Serializer):
    """A payment into an open deposit. Without a customer it waits as unidentified cash."""

    deposit = serializers.CharField(max_length=40, help_text="An open deposit (DEP-2026-000001).")
    customer = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=20,
        help_text="The customer number (C000001); leave out when not known, and name the payer.",
    )
    method = MethodField()
    amount = Money(help_text="More than zero.")
    received_on = serializers.DateField()
    payer = serializers.CharField(required=False, allow_blank=True, max_length=140, default="")
    check_number = serializers.CharField(
        required=False, allow_blank=True, max_length=30, default=""
    )
    bank_account = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=40,
        default="",
        help_text="The payer's account number; only its last four digits are kept.",
    )
    reference = serializers.CharField(required=False, allow_blank=True, max_length=140, default="")
    remittance = serializers.CharField(
        required=False, allow_blank=True, max_length=10000, default="", help_text="As received."
    )
    apply = ApplyField(
        required=False,
        allow_null=True,
        help_text='Apply it at once (needs cash.apply): "auto" or [{"item", "amount"}].',
    )

    def validate_deposit(self, value: str) -> Deposit:
        deposit = (
            deposits_visible_to(self.context["request"].user)
            .select_related("department", "fund")
            .filter(number__iexact=value.strip())
            .first()
        )
        if deposit is None:
            raise serializers.ValidationError(f'There is no deposit "{value}".')
        if deposit.status != Deposit.Status.OPEN:
            raise serializers.ValidationError(
                f"Deposit {deposit.number} is {deposit.status}; "
                "open a new deposit for this payment."
            )
        return deposit

    def validate_customer(self, value: str | None) -> Customer | None:
        if not value or not value.strip():
            return None
        customer = Customer.objects.filter(number__iexact=value.strip()).first()
        if customer is None:
            raise serializers.ValidationError(f'There is no customer "{value}".')
        return customer

    def validate_amount(self, value: Decimal) -> Decimal:
        if value <= 0:
            raise serializers.ValidationError("The amount must be more than zero.")
        return value

    def validate_received_on(self, value: Any) -> Any:
        if value > timezone.localdate():
            raise serializers.ValidationError("The received date is in the future.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        customer: Customer | None = attrs.get("customer")
        if customer is None:
            if not attrs.get("payer", "").strip():
                raise serializers.ValidationError(
                    {"payer": "Without a customer number, give the payer's name."}
                )
            if attrs.get("apply"):
                raise serializers.ValidationError(
                    {
                        "apply": "A payment without a customer cannot be applied; give the "
                        "customer number, or apply it once it is identified."
                    }
                )
        elif isinstance(attrs.get("apply"), list):
            attrs["apply"] = allocations_from(
                attrs["apply"], customer, self.context["request"].user
            )
        return attrs


class ApplyInputSerializer(serializers.Serializer):
    apply = ApplyField(help_text='"auto", or [{"item", "amount"}].')

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        payment: Payment = self.context["payment"]
        if payment.customer is None:
            raise serializers.ValidationError(
                {
                    "apply": f"Payment {payment.number} is unidentified: name its customer "
                    "before applying it."
                }
            )
        if isinstance(attrs["apply"], list):
            attrs["apply"] = allocations_from(
                attrs["apply"], payment.customer, self.context["request"].user
            )
        return attrs


def apply_as_asked(
    payment: Payment, how: str | list[tuple[Item, Decimal]], *, by: Any, required: bool
) -> None:
    """Apply a payment by the given lines, or by the allocation policy ("auto").

    "auto" with nothing to allocate (nothing open, or nothing left of the payment) applies
    nothing; it is refused only when applying was the whole request (`required`).
    """
    if how != AUTO:
        apply_payment(payment, how, by=by)  # type: ignore[arg-type]
        return
    customer = payment.customer
    if payment.unapplied <= 0:
        if required:
            raise CashError(f"Payment {payment.number} is already applied in full.")
        return
    items = list(
        Item.objects.visible_to(by).filter(
            customer=customer, kind__in=OWED_KINDS, open_amount__gt=0
        )
    )
    allocations = allocation_for(payment, items)
    if not allocations:
        if not required:
            return
        raise CashError(
            f"{customer} owes nothing that payment {payment.number} could pay; "
            "it stays on account as unapplied cash."
        )
    apply_payment(payment, allocations, by=by, rule=f"policy:{policy_for(customer)}")


class PaymentFilter(django_filters.FilterSet):
    received_from = django_filters.DateFilter(
        field_name="received_on", lookup_expr="gte", label="Received on or after."
    )
    received_to = django_filters.DateFilter(
        field_name="received_on", lookup_expr="lte", label="Received on or before."
    )
    customer = django_filters.CharFilter(
        field_name="customer__number", lookup_expr="iexact", label="Customer number (C000001)."
    )
    status = django_filters.ChoiceFilter(choices=Payment.Status.choices)
    unapplied = django_filters.BooleanFilter(
        method="filter_unapplied",
        label="true: payments with something left to apply (unidentified ones too); "
        "false: payments applied in full.",
    )
    deposit = django_filters.CharFilter(
        field_name="deposit__number", lookup_expr="iexact", label="Deposit number."
    )

    class Meta:
        model = Payment
        fields = ["received_from", "received_to", "customer", "status", "unapplied", "deposit"]

    def filter_unapplied(self, queryset: QuerySet[Payment], name: str, value: bool | None) -> Any:
        if value is None:
            return queryset
        left = Q(status=Payment.Status.UNIDENTIFIED) | Q(item__open_amount__lt=0)
        return queryset.filter(left) if value else queryset.exclude(left)


IDEMPOTENCY_KEY_REQUIRED = OpenApiParameter(
    name=HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=True,
    description=(
        "Required: any unique string (a UUID is good). A payment sent again with the same key is "
        "recorded once and the first answer comes back; the same key with a different payment is "
        "refused with 422."
    ),
)


@extend_schema_view(
    list=extend_schema(summary="Payments, filterable; a biller sees their departments'."),
    retrieve=extend_schema(summary="One payment, by number, with its applications."),
)
class PaymentViewSet(viewsets.ReadOnlyModelViewSet):
    """Payments post when recorded; applying them moves what they pay, never the payment."""

    permission_classes = [IsAuthenticated, HasCapability]
    capability = "cash.view"
    capabilities = {"create": "cash.receive", "apply": "cash.apply"}
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    lookup_field = "number"
    lookup_value_regex = "[^/]+"
    queryset = Payment.objects.none()

    def get_queryset(self) -> QuerySet[Payment]:
        reasons = ApplicationReason.objects.select_related("application__debit_item").order_by(
            "application_id"
        )
        return (
            payments_visible_to(self.request.user)
            .select_related(
                "deposit", "customer", "department", "fund", "item", "cashier", "journal_entry"
            )
            .prefetch_related(Prefetch("applications", reasons))
            .order_by("-received_on", "-id")
        )

    def _answer(self, payment: Payment, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=payment.pk)
        return Response(PaymentSerializer(fresh).data, status=code)

    @extend_schema(
        request=PaymentInputSerializer,
        parameters=[IDEMPOTENCY_KEY_REQUIRED],
        responses={
            201: PaymentSerializer,
            400: OpenApiResponse(
                ErrorSerializer, description="A refusal, or no Idempotency-Key header."
            ),
            403: OpenApiResponse(ErrorSerializer, description='"apply" needs cash.apply.'),
            422: ErrorSerializer,
        },
        summary="Record a payment into an open deposit, and apply it at once if asked.",
    )
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not request.headers.get(HEADER, "").strip():
            return Response(
                {
                    "message": f"Send an {HEADER} header (a UUID is good), so a payment sent "
                    "twice is recorded once.",
                    "code": "idempotency_key_required",
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        if request.data.get("apply") not in (None, "", []) and not can(request.user, "cash.apply"):
            raise PermissionDenied(
                'Your role may record payments but not apply them; leave out "apply" and a '
                "technician will apply it."
            )
        data = PaymentInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        v = data.validated_data
        with transaction.atomic():
            (payment,) = record_payments(
                v["deposit"],
                [
                    PaymentInput(
                        amount=v["amount"],
                        method=v["method"],
                        received_on=v["received_on"],
                        customer=v.get("customer"),
                        payer=v["payer"],
                        check_number=v["check_number"],
                        bank_account=v["bank_account"],
                        reference=v["reference"],
                        remittance=v["remittance"],
                    )
                ],
                by=request.user,  # type: ignore[arg-type]
                source=SOURCE,
            )
            if v.get("apply"):
                apply_as_asked(payment, v["apply"], by=request.user, required=False)
        return self._answer(payment, status.HTTP_201_CREATED)

    @extend_schema(
        request=ApplyInputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: PaymentSerializer,
            400: ErrorSerializer,
            404: ErrorSerializer,
            422: ErrorSerializer,
        },
        summary="Apply a payment to open items: by amount, or by the allocation policy.",
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    @idempotent
    def apply(self, request: Request, number: str | None = None) -> Response:
        payment = self.get_object()
        data = ApplyInputSerializer(
            data=request.data, context={"request": request, "payment": payment}
        )
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            apply_as_asked(payment, data.validated_data["apply"], by=request.user, required=True)
        return self._answer(payment)


# --- bank files ------------------------------------------------------------------------------


class BankFileInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A BAI2, camt.053, OFX or CSV bank statement file.")
    mapping = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=80,
        help_text="A CSV file: the name of the saved column mapping to read it with.",
    )

    def validate_mapping(self, value: str) -> CsvMapping | None:
        if not value.strip():
            return None
        mapping = CsvMapping.objects.filter(name__iexact=value.strip()).first()
        if mapping is None:
            names = ", ".join(CsvMapping.objects.values_list("name", flat=True))
            raise serializers.ValidationError(
                f'There is no saved CSV mapping "{value}"; '
                + (f"the mappings are {names}." if names else "save one on the bank-files page.")
            )
        return mapping


class BankStatementSerializer(serializers.ModelSerializer):
    account = serializers.SerializerMethodField(help_text="The account number, masked.")
    opening = Money(read_only=True, allow_null=True)
    closing = Money(read_only=True, allow_null=True)
    lines = serializers.IntegerField(source="line_count", read_only=True)

    class Meta:
        model = BankStatement
        fields = [
            "id",
            "account",
            "format",
            "currency",
            "start_date",
            "end_date",
            "opening",
            "closing",
            "lines",
            "problems",
        ]
        read_only_fields = fields

    def get_account(self, statement: BankStatement) -> str:
        return f"••••{statement.account_number[-4:]}"


class BankFileResultSerializer(serializers.Serializer):
    message = serializers.CharField()
    file_name = serializers.CharField()
    file_hash = serializers.CharField()
    already_imported = serializers.BooleanField()
    lines_new = serializers.IntegerField(help_text="Bank lines imported now.")
    lines_known = serializers.IntegerField(help_text="Lines already imported from another file.")
    problems = serializers.ListField(
        child=serializers.CharField(),
        help_text="Statements that do not add up, reported as the bank sent them.",
    )
    statements = BankStatementSerializer(many=True)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class BankFileView(APIView):
    """A bank statement file: imported whole or not at all, and each line only once."""

    permission_classes = [IsAuthenticated, HasCapability]
    capability = "cash.bank_import"
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": BankFileInputSerializer},
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: OpenApiResponse(BankFileResultSerializer, description="The statements imported."),
            200: OpenApiResponse(
                BankFileResultSerializer, description="The file was already imported."
            ),
            400: OpenApiResponse(
                ErrorSerializer, description="The file cannot be read; the line is named."
            ),
        },
        summary="Import a bank statement file (BAI2, camt.053, OFX, or CSV with a mapping).",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        from fiscus.cash.imports import import_bank_file

        upload = BankFileInputSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        content = file.read(settings.MAX_IMPORT_BYTES + 1)
        if len(content) > settings.MAX_IMPORT_BYTES:
            limit = settings.MAX_IMPORT_BYTES // (1024 * 1024)
            raise CashError(
                f"{file.name} is larger than {limit} MB, the most Fiscus imports at once.",
                code="too_large",
            )
        result = import_bank_file(
            content,
            file.name,
            by=request.user,  # type: ignore[arg-type]
            mapping=upload.validated_data.get("mapping"),
        )
        statements = list(
            BankStatement.objects.filter(pk__in=[s.pk for s in result.statements])
            .annotate(line_count=Count("lines"))
            .order_by("pk")
        )
        batch = result.batch
        if result.already_imported:
            message = f"This file was already imported as {batch.file_name}; nothing changed."
        else:
            message = (
                f"Imported {_plural(result.lines_new, 'bank line')} from "
                f"{_plural(len(statements), 'statement')}"
                + (
                    f"; {_plural(result.lines_known, 'line')} had been imported before."
                    if result.lines_known
                    else "."
                )
            )
        answer = {
            "message": message,
            "file_name": batch.file_name,
            "file_hash": batch.file_hash,
            "already_imported": result.already_imported,
            "lines_new": result.lines_new,
            "lines_known": result.lines_known,
            "problems": list(result.problems),
            "statements": statements,
        }
        return Response(
            BankFileResultSerializer(answer).data,
            status=status.HTTP_200_OK if result.already_imported else status.HTTP_201_CREATED,
        )

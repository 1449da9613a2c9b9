"""The billing API: invoices (create, submit, post, read, and the bulk path for other systems),
memos (read), and department uploads. Thin callers of fiscus.billing's services; the same
capabilities as the web. A department biller sees and bills only their departments.

Amounts are decimal strings; a JSON number with a fraction is refused, for quantities too.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import django_filters
from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fiscus import money
from fiscus.api.idempotency import IDEMPOTENCY_KEY, idempotent
from fiscus.api.permissions import HasCapability
from fiscus.api.serializers import ErrorSerializer, Money
from fiscus.billing.imports import UploadRefused, upload_invoices
from fiscus.billing.models import (
    ChargeCode,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Memo,
    MemoKind,
    PaymentTerms,
    ReasonCode,
)
from fiscus.customers.models import Customer
from fiscus.organization.models import Department
from fiscus.organization.roles import department_scope, require

# --- fields ----------------------------------------------------------------------------------


class Quantity(serializers.DecimalField):
    """A quantity, up to three decimal places, more than zero: a string or a whole number."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 3)
        kwargs["coerce_to_string"] = True
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, float):
            raise serializers.ValidationError(
                'Send quantities as strings ("1.5"); a floating-point number is not exact.'
            )
        value: Decimal = super().to_internal_value(data)
        if value <= 0:
            raise serializers.ValidationError("A quantity must be more than zero.")
        return value


@extend_schema_field(
    {"type": "string", "pattern": "^(credit|debit)$", "description": "credit or debit"}
)
class MemoKindField(serializers.ChoiceField):
    """A memo's kind. Described by a pattern: an enum named "Kind" would collide with the items'
    kind (drf-spectacular names enums after the field)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=MemoKind.choices, **kwargs)


def _scope_error(department: Department, scope: set[int]) -> serializers.ValidationError:
    allowed = ", ".join(
        sorted(Department.objects.filter(pk__in=scope).values_list("code", flat=True))
    )
    return serializers.ValidationError(
        f"You may not bill for department {department.code}; "
        f"you bill for {allowed or 'no department'}."
    )


# --- invoices: input -------------------------------------------------------------------------


class InvoiceLineInputSerializer(serializers.Serializer):
    charge_code = serializers.CharField(max_length=20, help_text="A charge code (PRK-PAVILION).")
    quantity = Quantity()
    unit_price = Money(
        required=False,
        allow_null=True,
        min_value=Decimal("0.00"),
        help_text="Leave out for the charge code's price.",
    )
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=200, default=""
    )
    service_from = serializers.DateField(required=False, allow_null=True)
    service_to = serializers.DateField(required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("service_from"), attrs.get("service_to")
        if start and end and end < start:
            raise serializers.ValidationError({"service_to": "It is before the service start."})
        return attrs


class InvoiceInputSerializer(serializers.Serializer):
    """A new invoice. It is created as a draft, or submitted for review with "submit": true."""

    customer = serializers.CharField(max_length=20, help_text="The customer number (C000001).")
    department = serializers.CharField(max_length=20, help_text="The department code (PRK).")
    invoice_date = serializers.DateField()
    terms = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=16,
        help_text="A payment terms code (net30); leave out for the customer's terms.",
    )
    due_date = serializers.DateField(
        required=False, allow_null=True, help_text="Leave out: the terms give it."
    )
    reference = serializers.CharField(
        required=False, allow_blank=True, max_length=60, default="", help_text="Customer PO."
    )
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=200, default=""
    )
    lines = InvoiceLineInputSerializer(many=True, allow_empty=False)
    submit = serializers.BooleanField(
        required=False, default=False, help_text="Submit it for review at once."
    )

    def validate_customer(self, value: str) -> Customer:
        customer = Customer.objects.filter(number__iexact=value.strip()).first()
        if customer is None:
            raise serializers.ValidationError(f'There is no customer "{value}".')
        return customer

    def validate_department(self, value: str) -> Department:
        department = (
            Department.objects.select_related("fund").filter(code__iexact=value.strip()).first()
        )
        if department is None or not department.active:
            raise serializers.ValidationError(f'"{value}" is not an active department.')
        scope = department_scope(self.context["request"].user)
        if scope is not None and department.pk not in scope:
            raise _scope_error(department, scope)
        return department

    def validate_terms(self, value: str | None) -> PaymentTerms | None:
        if not value:
            return None
        terms = PaymentTerms.objects.filter(code__iexact=value.strip(), active=True).first()
        if terms is None:
            active = PaymentTerms.objects.filter(active=True)
            codes = ", ".join(active.values_list("code", flat=True))
            raise serializers.ValidationError(
                f'"{value}" is not a payment terms code; the codes are {codes}.'
            )
        return terms

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        department: Department = attrs["department"]
        wanted = {ln["charge_code"].strip().upper() for ln in attrs["lines"]}
        codes = {
            c.code.upper(): c
            for c in ChargeCode.objects.select_related("department").filter(
                code__in=wanted | {ln["charge_code"].strip() for ln in attrs["lines"]}
            )
        }
        # Keyed by the line's index, as DRF keys a nested list's field errors.
        problems: dict[str, dict[str, list[str]]] = {}
        for i, line in enumerate(attrs["lines"]):
            code = codes.get(line["charge_code"].strip().upper())
            if code is None:
                problems[str(i)] = {
                    "charge_code": [f'There is no charge code "{line["charge_code"]}".']
                }
            elif not code.active:
                problems[str(i)] = {
                    "charge_code": [f"Charge code {code.code} is no longer active."]
                }
            elif code.department_id != department.pk:
                problems[str(i)] = {
                    "charge_code": [
                        f"Charge code {code.code} belongs to department {code.department.code}, "
                        f"not {department.code}."
                    ]
                }
            elif line.get("unit_price") is None and code.unit_price is None:
                problems[str(i)] = {
                    "unit_price": [
                        f"Charge code {code.code} has no price of its own; give the unit price."
                    ]
                }
            else:
                line["charge_code"] = code
        if problems:
            raise serializers.ValidationError({"lines": problems})
        return attrs


def create_from(data: dict[str, Any], *, by: Any, source: str = Invoice.Source.API) -> Invoice:
    """A validated InvoiceInputSerializer's data -> a draft invoice, through the service."""
    from fiscus.billing.services import LineInput, create_invoice

    return create_invoice(
        by=by,
        customer=data["customer"],
        department=data["department"],
        invoice_date=data["invoice_date"],
        terms=data.get("terms"),
        due_date=data.get("due_date"),
        reference=data.get("reference", ""),
        description=data.get("description", ""),
        source=source,
        lines=[
            LineInput(
                charge_code=ln["charge_code"],
                quantity=ln["quantity"],
                unit_price=ln.get("unit_price"),
                description=ln.get("description", ""),
                service_from=ln.get("service_from"),
                service_to=ln.get("service_to"),
            )
            for ln in data["lines"]
        ],
    )


class PostInputSerializer(serializers.Serializer):
    on = serializers.DateField(
        required=False, allow_null=True, help_text="The posting date (default: the invoice date)."
    )


class BulkInputSerializer(serializers.Serializer):
    invoices = InvoiceInputSerializer(many=True, allow_empty=False)
    post = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Post them at once (needs billing.review) instead of leaving them for review.",
    )
    on = serializers.DateField(
        required=False, allow_null=True, help_text='With "post": the posting date.'
    )

    def validate_invoices(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        limit = getattr(settings, "API_BULK_MAX", 10000)
        if len(value) > limit:
            raise serializers.ValidationError(f"Send at most {limit} invoices at a time.")
        return value


# --- invoices: output ------------------------------------------------------------------------


class InvoiceLineSerializer(serializers.ModelSerializer):
    charge_code = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    quantity = serializers.DecimalField(
        max_digits=12, decimal_places=3, coerce_to_string=True, read_only=True
    )
    unit_price = Money(read_only=True)
    amount = Money(read_only=True)
    tax_amount = Money(read_only=True)

    class Meta:
        model = InvoiceLine
        fields = [
            "line_no",
            "charge_code",
            "description",
            "quantity",
            "unit_price",
            "amount",
            "tax_amount",
            "service_from",
            "service_to",
        ]
        read_only_fields = fields


class InvoiceSerializer(serializers.ModelSerializer):
    customer = serializers.SlugRelatedField(slug_field="number", read_only=True)  # type: ignore[var-annotated]
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    terms = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    item = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="number", read_only=True, allow_null=True, help_text="The posted open item."
    )
    total = Money(read_only=True)
    tax_total = Money(read_only=True)
    lines = InvoiceLineSerializer(many=True, read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "status",
            "customer",
            "customer_name",
            "department",
            "invoice_date",
            "terms",
            "due_date",
            "reference",
            "description",
            "source",
            "total",
            "tax_total",
            "item",
            "return_comment",
            "created_at",
            "submitted_at",
            "posted_at",
            "lines",
        ]
        read_only_fields = fields


class BulkResultSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    total = Money()
    posted = serializers.BooleanField()
    invoices = InvoiceSerializer(many=True)


# --- invoices: views -------------------------------------------------------------------------


class InvoiceFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=InvoiceStatus.choices)
    department = django_filters.CharFilter(
        field_name="department__code", lookup_expr="iexact", label="Department code (PRK)."
    )
    customer = django_filters.CharFilter(
        field_name="customer__number", lookup_expr="iexact", label="Customer number (C000001)."
    )
    number = django_filters.CharFilter(
        field_name="number", lookup_expr="iexact", label="Invoice number (INV-2026-000001)."
    )

    class Meta:
        model = Invoice
        fields = ["status", "department", "customer", "number"]


def invoices_for(user: Any) -> QuerySet[Invoice]:
    """The invoices a user may see: a department biller, their departments' only."""
    invoices = Invoice.objects.all()
    scope = department_scope(user)
    if scope is not None:
        invoices = invoices.filter(department_id__in=scope)
    return invoices


INVOICE_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)


@extend_schema_view(
    list=extend_schema(summary="Invoices, filterable; a biller sees their departments'."),
    retrieve=extend_schema(summary="One invoice with its lines.", parameters=[INVOICE_ID]),
)
class InvoiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Invoices: draft -> submitted -> posted. There is no delete and no edit of a posted one."""

    permission_classes = [IsAuthenticated, HasCapability]
    capability = "billing.view"
    capabilities = {
        "create": "billing.submit",
        "submit": "billing.submit",
        "bulk": "billing.submit",
        "post_invoice": "billing.review",
    }
    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilter
    lookup_field = "pk"
    lookup_url_kwarg = "id"
    lookup_value_regex = r"\d+"
    queryset = Invoice.objects.none()

    def get_queryset(self) -> QuerySet[Invoice]:
        return (
            invoices_for(self.request.user)
            .select_related("customer", "department", "terms", "item")
            .prefetch_related(Prefetch("lines", InvoiceLine.objects.select_related("charge_code")))
            .order_by("-id")
        )

    def _answer(self, invoices: list[Invoice]) -> list[Invoice]:
        """The invoices again, as the list reads them (lines and related rows at once)."""
        found = {i.pk: i for i in self.get_queryset().filter(pk__in=[i.pk for i in invoices])}
        return [found[i.pk] for i in invoices]

    @extend_schema(
        request=InvoiceInputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: InvoiceSerializer, 400: ErrorSerializer, 422: ErrorSerializer},
        summary='Create an invoice (a draft, or submitted for review with "submit": true).',
    )
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = InvoiceInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            invoice = create_from(data.validated_data, by=request.user)
            if data.validated_data["submit"]:
                from fiscus.billing.services import submit_invoice

                invoice = submit_invoice(invoice, by=request.user)
        (invoice,) = self._answer([invoice])
        return Response(InvoiceSerializer(invoice).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        parameters=[INVOICE_ID, IDEMPOTENCY_KEY],
        responses={200: InvoiceSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
        summary="Submit a draft (or returned) invoice for review.",
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    @idempotent
    def submit(self, request: Request, id: str | None = None) -> Response:
        from fiscus.billing.services import submit_invoice

        invoice = submit_invoice(self.get_object(), by=request.user)
        (invoice,) = self._answer([invoice])
        return Response(InvoiceSerializer(invoice).data)

    @extend_schema(
        request=PostInputSerializer,
        parameters=[INVOICE_ID, IDEMPOTENCY_KEY],
        responses={200: InvoiceSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
        summary="Post a submitted invoice: its number, its open item and its journal entry.",
    )
    @action(detail=True, methods=["post"], url_path="post", url_name="post", filterset_class=None)
    @idempotent
    def post_invoice(self, request: Request, id: str | None = None) -> Response:
        from fiscus.billing.services import post_invoice

        data = PostInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invoice = post_invoice(self.get_object(), by=request.user, on=data.validated_data.get("on"))
        (invoice,) = self._answer([invoice])
        return Response(InvoiceSerializer(invoice).data)

    @extend_schema(
        request=BulkInputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: BulkResultSerializer,
            400: ErrorSerializer,
            403: OpenApiResponse(ErrorSerializer, description='"post": true needs billing.review.'),
            422: ErrorSerializer,
        },
        summary="The bulk path: many invoices created and submitted (or posted) at once, "
        "all or none.",
    )
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    @idempotent
    def bulk(self, request: Request) -> Response:
        from fiscus.billing.services import post_invoices, submit_invoices

        data = BulkInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        post = data.validated_data["post"]
        if post:
            require(request.user, "billing.review")
        with transaction.atomic():
            drafts = [create_from(d, by=request.user) for d in data.validated_data["invoices"]]
            invoices = submit_invoices(drafts, by=request.user)
            if post:
                invoices = post_invoices(
                    invoices, by=request.user, on=data.validated_data.get("on")
                )
        invoices = self._answer(invoices)
        body = {
            "count": len(invoices),
            "total": sum((i.total for i in invoices), money.ZERO),
            "posted": post,
            "invoices": invoices,
        }
        return Response(BulkResultSerializer(body).data, status=status.HTTP_201_CREATED)


# --- memos -----------------------------------------------------------------------------------


class MemoSerializer(serializers.ModelSerializer):
    kind = MemoKindField(read_only=True)
    customer = serializers.SlugRelatedField(slug_field="number", read_only=True)  # type: ignore[var-annotated]
    invoice = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="number", read_only=True, allow_null=True
    )
    reason = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    amount = Money(read_only=True)
    item = serializers.SlugRelatedField(slug_field="number", read_only=True)  # type: ignore[var-annotated]

    class Meta:
        model = Memo
        fields = [
            "number",
            "kind",
            "customer",
            "invoice",
            "reason",
            "department",
            "memo_date",
            "amount",
            "description",
            "item",
            "posted_at",
        ]
        read_only_fields = fields


class MemoInputSerializer(serializers.Serializer):
    """A credit memo (against a posted invoice, in full or part, or on account) or a debit memo.
    It posts at once."""

    kind = MemoKindField()
    customer = serializers.CharField(max_length=20, help_text="The customer number (C000001).")
    reason = serializers.CharField(max_length=20, help_text="A reason code (BILLERR).")
    amount = Money(help_text="More than zero.")
    memo_date = serializers.DateField()
    invoice = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=24,
        help_text="A credit memo: the posted invoice it credits (INV-2026-000001).",
    )
    department = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=20,
        help_text="The department code; a credit against an invoice takes the invoice's.",
    )
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=200, default=""
    )
    due_date = serializers.DateField(
        required=False, allow_null=True, help_text="A debit memo: default by the customer's terms."
    )

    def validate_customer(self, value: str) -> Customer:
        customer = Customer.objects.filter(number__iexact=value.strip()).first()
        if customer is None:
            raise serializers.ValidationError(f'There is no customer "{value}".')
        return customer

    def validate_reason(self, value: str) -> ReasonCode:
        reason = ReasonCode.objects.filter(code__iexact=value.strip()).first()
        if reason is None:
            raise serializers.ValidationError(f'There is no reason code "{value}".')
        return reason

    def validate_department(self, value: str | None) -> Department | None:
        if not value:
            return None
        department = Department.objects.select_related("fund").filter(code__iexact=value).first()
        if department is None or not department.active:
            raise serializers.ValidationError(f'"{value}" is not an active department.')
        return department

    def validate_invoice(self, value: str | None) -> Invoice | None:
        if not value:
            return None
        invoice = invoices_for(self.context["request"].user).filter(number__iexact=value).first()
        if invoice is None:
            raise serializers.ValidationError(f'There is no posted invoice "{value}".')
        return invoice

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["kind"] == MemoKind.DEBIT:
            if attrs.get("invoice") is not None:
                raise serializers.ValidationError(
                    {"invoice": "A debit memo is not against an invoice; leave it out."}
                )
            if attrs.get("department") is None:
                raise serializers.ValidationError(
                    {"department": "Give the department the debit memo is for."}
                )
        return attrs


class MemoFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=MemoKind.choices)
    customer = django_filters.CharFilter(
        field_name="customer__number", lookup_expr="iexact", label="Customer number (C000001)."
    )
    department = django_filters.CharFilter(
        field_name="department__code", lookup_expr="iexact", label="Department code (PRK)."
    )
    invoice = django_filters.CharFilter(
        field_name="invoice__number", lookup_expr="iexact", label="Invoice number."
    )

    class Meta:
        model = Memo
        fields = ["kind", "customer", "department", "invoice"]


@extend_schema_view(
    list=extend_schema(summary="Credit and debit memos; a biller sees their departments'."),
    retrieve=extend_schema(summary="One memo, by number."),
)
class MemoViewSet(viewsets.ReadOnlyModelViewSet):
    """Memos post when they are issued; a posted memo is never edited."""

    permission_classes = [IsAuthenticated, HasCapability]
    capability = "billing.view"
    capabilities = {"create": "billing.memo"}
    serializer_class = MemoSerializer
    filterset_class = MemoFilter
    lookup_field = "number"
    lookup_value_regex = "[^/]+"
    queryset = Memo.objects.none()

    def get_queryset(self) -> QuerySet[Memo]:
        memos = Memo.objects.select_related("customer", "invoice", "reason", "department", "item")
        scope = department_scope(self.request.user)
        if scope is not None:
            memos = memos.filter(department_id__in=scope)
        return memos.order_by("-posted_at", "-id")

    @extend_schema(
        request=MemoInputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: MemoSerializer, 400: ErrorSerializer, 422: ErrorSerializer},
        summary="Issue a credit or debit memo (it posts at once).",
    )
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        from fiscus.billing.memos import issue_credit_memo, issue_debit_memo

        data = MemoInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        v = data.validated_data
        common = {
            "by": request.user,
            "customer": v["customer"],
            "reason": v["reason"],
            "amount": v["amount"],
            "memo_date": v["memo_date"],
            "description": v.get("description", ""),
        }
        if v["kind"] == MemoKind.CREDIT:
            memo = issue_credit_memo(
                **common, invoice=v.get("invoice"), department=v.get("department")
            )
        else:
            memo = issue_debit_memo(
                **common, department=v["department"], due_date=v.get("due_date")
            )
        memo = self.get_queryset().get(pk=memo.pk)
        return Response(MemoSerializer(memo).data, status=status.HTTP_201_CREATED)


# --- uploads ---------------------------------------------------------------------------------


class BillingUploadInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A .csv or .xlsx billing file: one row per line.")


class UploadLineSerializer(serializers.Serializer):
    row = serializers.IntegerField(source="line", help_text="The spreadsheet row.")
    charge_code = serializers.CharField(source="charge_code.code")
    description = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3, coerce_to_string=True)
    unit_price = Money()
    amount = Money()
    tax_amount = Money()
    service_from = serializers.DateField(allow_null=True)
    service_to = serializers.DateField(allow_null=True)


class UploadInvoiceSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The file's invoice key.")
    customer = serializers.CharField(source="customer.number")
    department = serializers.CharField(source="department.code")
    invoice_date = serializers.DateField()
    terms = serializers.CharField(source="terms_code")
    reference = serializers.CharField()
    total = Money()
    tax_total = Money()
    lines = UploadLineSerializer(many=True)


class UploadResultSerializer(serializers.Serializer):
    message = serializers.CharField()
    file_name = serializers.CharField()
    file_hash = serializers.CharField()
    dry_run = serializers.BooleanField()
    already_uploaded = serializers.BooleanField()
    count = serializers.IntegerField(help_text="How many invoices the file holds.")
    total = Money()
    preview = serializers.SerializerMethodField(help_text="The invoices, as the file gives them.")
    invoices = serializers.SerializerMethodField(help_text="The submitted invoices' ids.")

    @extend_schema_field(UploadInvoiceSerializer(many=True))
    def get_preview(self, result: Any) -> Any:
        return UploadInvoiceSerializer(result.invoices, many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_invoices(self, result: Any) -> Any:
        return [i.pk for i in result.created]


class UploadErrorSerializer(ErrorSerializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # "errors" would shadow Serializer.errors as a class attribute; add it here instead.
        fields["errors"] = serializers.ListField(
            child=serializers.CharField(), help_text="Every row error, naming the row and field."
        )
        return fields


class BillingUploadView(APIView):
    """A department's billing file: every row checked; whole or not at all, and only once."""

    permission_classes = [IsAuthenticated, HasCapability]
    capability = "billing.submit"
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": BillingUploadInputSerializer},
        parameters=[
            OpenApiParameter(
                "dry_run", OpenApiTypes.BOOL, description="Check the file and create nothing."
            ),
            IDEMPOTENCY_KEY,
        ],
        responses={
            201: OpenApiResponse(
                UploadResultSerializer, description="Invoices created and submitted for review."
            ),
            200: OpenApiResponse(
                UploadResultSerializer, description="A dry run, or a file already uploaded."
            ),
            400: OpenApiResponse(UploadErrorSerializer, description="Row errors; nothing made."),
        },
        summary="Upload a department's billing file.",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        upload = BillingUploadInputSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        dry_run = request.query_params.get("dry_run", "").strip().lower() in {
            "1",
            "true",
            "yes",
            "on",
        }
        # Read one byte past the limit at most: the service refuses an oversized file.
        content = file.read(settings.MAX_IMPORT_BYTES + 1)
        try:
            result = upload_invoices(content, file.name, by=request.user, dry_run=dry_run)  # type: ignore[arg-type]
        except UploadRefused as refused:
            return _refused(refused)
        if result.errors:  # a dry run reports the same errors a real run would refuse with
            return _refused(UploadRefused(result.errors))
        created = not (dry_run or result.already_uploaded)
        return Response(
            UploadResultSerializer(result).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


def _refused(refused: UploadRefused) -> Response:
    return Response(
        {"message": refused.message, "code": refused.code, "errors": refused.errors},
        status=status.HTTP_400_BAD_REQUEST,
    )

"""The REST API: thin callers of the services and queries, with the web's permissions."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fiscus import audit, money
from fiscus.api.filters import FLAGS, CustomerFilter, ItemFilter
from fiscus.api.idempotency import IDEMPOTENCY_KEY, idempotent
from fiscus.api.permissions import HasCapability
from fiscus.api.serializers import (
    AgingSerializer,
    BalanceSerializer,
    CustomerInputSerializer,
    CustomerSerializer,
    DuplicateSerializer,
    ErrorSerializer,
    ImportErrorSerializer,
    ImportResultSerializer,
    ItemSerializer,
    LedgerRowSerializer,
    OpeningBalancesUploadSerializer,
)
from fiscus.customers.models import Customer, CustomerType
from fiscus.customers.services import LikelyDuplicate, create_customer, update_customer
from fiscus.errors import FiscusError
from fiscus.organization.models import Department
from fiscus.organization.roles import department_scope
from fiscus.receivables import queries as receivables
from fiscus.receivables.imports import ImportRefused, import_opening_balances
from fiscus.receivables.models import Item
from fiscus.reports.forms import AgingForm
from fiscus.reports.queries import BASES, aging


class BadParameter(FiscusError):
    code = "bad_parameter"


def date_param(request: Request, name: str) -> date | None:
    """A YYYY-MM-DD query parameter, or None when absent."""
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadParameter(f'{name} must be a date written YYYY-MM-DD; "{raw}" is not.') from None


def flag_param(request: Request, name: str) -> bool:
    return request.query_params.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def client_ip(request: Request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def as_drf_error(error: DjangoValidationError) -> serializers.ValidationError:
    """A model's full_clean() refusal as the API's 400 with the fields named."""
    detail = (
        error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
    )
    return serializers.ValidationError(detail)


AGING_PARAMETERS = ("as_of", "known_at", "basis", "department", "customer_type", "flag")
AS_OF = OpenApiParameter(
    "as_of", OpenApiTypes.DATE, description="Open amounts as of this date (YYYY-MM-DD)."
)


# --- token ----------------------------------------------------------------------------------


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


@transaction.atomic
def issue_token(user: AbstractBaseUser, *, ip: str | None) -> Token:
    """The user's API token (made on first use); every issue is an audit event."""
    token, created = Token.objects.get_or_create(user=user)
    audit.record("api.token_issued", user, by=user, ip=ip, created=created)
    return token


class ObtainToken(ObtainAuthToken):
    """Exchange a username and password for an API token.

    Failed attempts count against the sign-in throttle (django-axes), like the sign-in page.
    """

    @extend_schema(
        request=AuthTokenSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(description="Wrong username or password."),
            429: OpenApiResponse(ErrorSerializer, description="Locked after failed sign-ins."),
        },
        auth=[],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            if getattr(request, "axes_locked_out", False):
                return Response(
                    {
                        "message": "Too many failed sign-ins: this account is locked for now. "
                        "Try again later.",
                        "code": "locked_out",
                    },
                    status=status.HTTP_429_TOO_MANY_REQUESTS,
                )
            raise serializers.ValidationError(serializer.errors)
        token = issue_token(serializer.validated_data["user"], ip=client_ip(request))
        return Response({"token": token.key})


# --- customers ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Customers, searchable and filterable."),
    retrieve=extend_schema(summary="One customer, by number."),
)
class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Customers. There is no delete: a customer is made inactive instead."""

    permission_classes = [IsAuthenticated, HasCapability]
    capability = "customers.view"
    capabilities = {
        "create": "customers.edit",
        "update": "customers.edit",
        "partial_update": "customers.edit",
        "items": "receivables.view",
        "balance": "receivables.view",
        "ledger": "receivables.view",
    }
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    lookup_field = "number"
    queryset = Customer.objects.none()

    def get_queryset(self) -> QuerySet[Customer]:
        return (
            Customer.objects.visible_to(self.request.user)
            .select_related("department")
            .prefetch_related("addresses", "contacts")
            .order_by("number")
        )

    def _created_or_updated(self, customer: Customer, code: int) -> Response:
        customer = self.get_queryset().get(pk=customer.pk)
        return Response(CustomerSerializer(customer).data, status=code)

    @extend_schema(
        request=CustomerInputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: CustomerSerializer,
            400: ErrorSerializer,
            409: OpenApiResponse(
                DuplicateSerializer,
                description='Looks like a customer we have; send "confirm_duplicate": true.',
            ),
            422: ErrorSerializer,
        },
        summary="Create a customer.",
    )
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = CustomerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        tax_id = fields.pop("tax_id", "")
        address = fields.pop("address", None)
        contact = fields.pop("contact", None)
        confirm = fields.pop("confirm_duplicate", False)
        try:
            customer = create_customer(
                by=request.user,  # type: ignore[arg-type]
                fields=fields,
                tax_id=tax_id,
                address=address,
                contact=contact,
                confirm_duplicate=confirm,
            )
        except LikelyDuplicate as duplicate:
            return Response(
                {
                    "message": duplicate.message,
                    "code": duplicate.code,
                    "matches": [c.number for c in duplicate.matches],
                },
                status=status.HTTP_409_CONFLICT,
            )
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return self._created_or_updated(customer, status.HTTP_201_CREATED)

    @extend_schema(
        request=CustomerInputSerializer,
        responses={200: CustomerSerializer, 400: ErrorSerializer},
        summary="Change a customer (PUT: every field; PATCH: the fields sent).",
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        customer = self.get_object()
        partial = kwargs.get("partial", False)
        data = CustomerInputSerializer(customer, data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        tax_id = changes.pop("tax_id", None)
        changes.pop("confirm_duplicate", None)
        try:
            customer = update_customer(
                customer,
                by=request.user,  # type: ignore[arg-type]
                changes=changes,
                tax_id=tax_id,
            )
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return self._created_or_updated(customer, status.HTTP_200_OK)

    @extend_schema(
        request=CustomerInputSerializer,
        responses={200: CustomerSerializer, 400: ErrorSerializer},
        summary="Change some of a customer's fields.",
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def _items(self, customer: Customer) -> QuerySet[Item]:
        return Item.objects.visible_to(self.request.user).filter(customer=customer)

    @extend_schema(
        parameters=[
            AS_OF,
            OpenApiParameter(
                "all", OpenApiTypes.BOOL, description="Every item, settled ones included."
            ),
        ],
        responses=ItemSerializer(many=True),
        filters=False,
        summary="The customer's open items, oldest due first.",
    )
    @action(detail=True, filterset_class=None)
    def items(self, request: Request, number: str | None = None) -> Response:
        customer = self.get_object()
        as_of = date_param(request, "as_of")
        scope = department_scope(request.user)
        rows: list[Item] | QuerySet[Item]
        if flag_param(request, "all"):
            rows = self._items(customer).select_related("customer", "fund", "department")
        else:
            rows = receivables.open_items(customer.pk, as_of=as_of)
            if scope is not None:
                rows = [item for item in rows if item.department_id in scope]
            for item in rows:
                item.customer = customer
        page: list[Any] | None = self.paginate_queryset(rows)  # type: ignore[arg-type]
        return self.get_paginated_response(ItemSerializer(page, many=True).data)

    @extend_schema(
        parameters=[AS_OF],
        responses=BalanceSerializer,
        filters=False,
        summary="What the customer owes, net of credits.",
    )
    @action(detail=True, filterset_class=None, pagination_class=None)
    def balance(self, request: Request, number: str | None = None) -> Response:
        customer = self.get_object()
        as_of = date_param(request, "as_of")
        scope = department_scope(request.user)
        if scope is None:
            amount = receivables.customer_balance(customer.pk, as_of=as_of)
        else:
            visible = receivables.open_items(customer.pk, as_of=as_of)
            amount = money.cents(
                sum((i.open_amount for i in visible if i.department_id in scope), money.ZERO)
            )
        body = {"customer": customer.number, "balance": amount, "as_of": as_of}
        return Response(BalanceSerializer(body).data)

    @extend_schema(
        responses=LedgerRowSerializer(many=True),
        filters=False,
        summary="The customer's receivable ledger with a running balance, newest first.",
    )
    @action(detail=True, filterset_class=None)
    def ledger(self, request: Request, number: str | None = None) -> Response:
        customer = self.get_object()
        rows = receivables.history(customer.pk)
        scope = department_scope(request.user)
        if scope is not None:
            # A biller's running balance counts only the rows of their departments.
            rows = [r for r in rows if r.entry.department_id in scope]
            running = money.ZERO
            for row in reversed(rows):
                running += row.entry.amount
                row.balance = money.cents(running)
        page: list[Any] | None = self.paginate_queryset(rows)  # type: ignore[arg-type]
        return self.get_paginated_response(LedgerRowSerializer(page, many=True).data)


# --- items ----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Open items across customers."),
    retrieve=extend_schema(summary="One item, by number."),
)
class ItemViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsAuthenticated, HasCapability]
    capability = "receivables.view"
    serializer_class = ItemSerializer
    filterset_class = ItemFilter
    lookup_field = "number"
    lookup_value_regex = "[^/]+"
    queryset = Item.objects.none()

    def get_queryset(self) -> QuerySet[Item]:
        return (
            Item.objects.visible_to(self.request.user)
            .select_related("customer", "fund", "department")
            .order_by("due_date", "id")
        )


# --- reports --------------------------------------------------------------------------------


@extend_schema(
    parameters=[
        OpenApiParameter("as_of", OpenApiTypes.DATE, description="Default: today."),
        OpenApiParameter(
            "known_at",
            OpenApiTypes.DATETIME,
            description="Reproduce the report as Fiscus knew it at this moment.",
        ),
        OpenApiParameter("basis", OpenApiTypes.STR, enum=list(BASES), description="Default: due."),
        OpenApiParameter("department", OpenApiTypes.STR, description="Department code (PRK)."),
        OpenApiParameter("customer_type", OpenApiTypes.STR, enum=CustomerType.values),
        OpenApiParameter(
            "flag", OpenApiTypes.STR, enum=[*FLAGS, *Customer.FLAGS], description="Customer flag."
        ),
    ],
    responses={200: AgingSerializer, 400: OpenApiResponse(description="A bad parameter.")},
    summary="The aging report: what each customer owes by age, with the tie-out to AR control.",
)
class AgingView(APIView):
    """The same numbers as the aging page: the same form reads the parameters and the same
    query computes. A department biller gets their departments only."""

    permission_classes = [IsAuthenticated, HasCapability]
    capability = "reports.view"

    def get(self, request: Request) -> Response:
        query = request.query_params
        params = {k: str(query.get(k, "")) for k in AGING_PARAMETERS if k in query}
        department = params.get("department", "").strip()
        if department and not department.isdigit():
            found = Department.objects.filter(code__iexact=department).first()
            params["department"] = str(found.pk) if found else department
        params["flag"] = FLAGS.get(params.get("flag", ""), params.get("flag", ""))
        form = AgingForm(params, user=request.user)
        if not form.is_valid():
            raise serializers.ValidationError(
                {f: [str(m) for m in e] for f, e in form.errors.items()}
            )
        return Response(AgingSerializer(aging(**form.filters())).data)


# --- imports --------------------------------------------------------------------------------


class OpeningBalancesImportView(APIView):
    """Import an opening-balances file (.csv or .xlsx): whole or not at all, and only once."""

    permission_classes = [IsAuthenticated, HasCapability]
    capability = "opening_balances.import"
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": OpeningBalancesUploadSerializer},
        parameters=[
            OpenApiParameter(
                "dry_run", OpenApiTypes.BOOL, description="Check the file and post nothing."
            ),
            IDEMPOTENCY_KEY,
        ],
        responses={
            201: OpenApiResponse(ImportResultSerializer, description="Posted."),
            200: OpenApiResponse(
                ImportResultSerializer, description="A dry run, or a file already imported."
            ),
            400: OpenApiResponse(ImportErrorSerializer, description="Row errors; nothing posted."),
        },
        summary="Import opening balances.",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        upload = OpeningBalancesUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        on = upload.validated_data.get("date") or timezone.localdate()
        dry_run = flag_param(request, "dry_run")
        # Read one byte past the limit at most: the service refuses an oversized file.
        content = file.read(settings.MAX_IMPORT_BYTES + 1)
        try:
            result = import_opening_balances(
                content,
                file.name,
                on=on,
                by=request.user,  # type: ignore[arg-type]
                dry_run=dry_run,
            )
        except ImportRefused as refused:
            return _import_refused(refused)
        if result.errors:  # a dry run reports the same errors a real run would refuse with
            return _import_refused(ImportRefused(result.errors))
        posted = not (dry_run or result.already_imported)
        return Response(
            ImportResultSerializer(result).data,
            status=status.HTTP_201_CREATED if posted else status.HTTP_200_OK,
        )


def _import_refused(refused: ImportRefused) -> Response:
    return Response(
        {"message": refused.message, "code": refused.code, "errors": refused.errors},
        status=status.HTTP_400_BAD_REQUEST,
    )

"""Input and output shapes of the API. Amounts are decimal strings, never floats."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from fiscus.customers.models import Address, Contact, Customer
from fiscus.organization.models import Department
from fiscus.receivables.models import Item


class Money(serializers.DecimalField):
    """An amount: sent as a string ("100.00"); a JSON number with a fraction is refused."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs["coerce_to_string"] = True
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, float):
            raise serializers.ValidationError(
                'Send amounts as strings ("100.00"); a floating-point number is not exact.'
            )
        return super().to_internal_value(data)


class DepartmentCode(serializers.SlugRelatedField):
    """A department by its code ("PRK")."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("slug_field", "code")
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", Department.objects.all())
        super().__init__(**kwargs)


# --- customers -------------------------------------------------------------------------------


class AddressSerializer(serializers.ModelSerializer):
    class Meta:
        model = Address
        fields = ["kind", "line1", "line2", "city", "state", "postal_code", "is_primary"]
        read_only_fields = ["is_primary"]


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["name", "title", "phone", "email", "is_primary"]
        read_only_fields = ["is_primary"]


CUSTOMER_FIELDS = [
    "name",
    "type",
    "department",
    "email",
    "phone",
    "terms",
    "credit_limit",
    "statement_cycle",
    "dunning_policy",
    *Customer.FLAGS,
    "active",
]


class CustomerSerializer(serializers.ModelSerializer):
    """A customer as the API shows it. The tax id only ever appears masked."""

    department = DepartmentCode(read_only=True, allow_null=True)
    credit_limit = Money(read_only=True, allow_null=True)
    tax_id_masked = serializers.CharField(read_only=True)
    addresses = AddressSerializer(many=True, read_only=True)
    contacts = ContactSerializer(many=True, read_only=True)

    class Meta:
        model = Customer
        fields = [
            "number",
            *CUSTOMER_FIELDS,
            "tax_id_masked",
            "created_at",
            "addresses",
            "contacts",
        ]
        read_only_fields = fields


class CustomerInputSerializer(serializers.ModelSerializer):
    """A new customer or changes to one. `tax_id` is write-only; `address` and `contact` are the
    first address and contact of a new customer."""

    department = DepartmentCode(required=False, allow_null=True)
    credit_limit = Money(required=False, allow_null=True, min_value=Decimal("0.00"))
    tax_id = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=20)
    address = AddressSerializer(write_only=True, required=False)
    contact = ContactSerializer(write_only=True, required=False)
    confirm_duplicate = serializers.BooleanField(
        write_only=True,
        default=False,
        help_text="Save even though the customer looks like one we already have.",
    )

    class Meta:
        model = Customer
        fields = [*CUSTOMER_FIELDS, "tax_id", "address", "contact", "confirm_duplicate"]
        extra_kwargs = {"name": {"required": True}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            for field in ("address", "contact", "confirm_duplicate"):
                if field in self.initial_data:
                    raise serializers.ValidationError(
                        {field: "Only a new customer takes this field."}
                    )
        return attrs


class DuplicateSerializer(serializers.Serializer):
    message = serializers.CharField()
    code = serializers.CharField()
    matches = serializers.ListField(child=serializers.CharField())


class ErrorSerializer(serializers.Serializer):
    message = serializers.CharField()
    code = serializers.CharField()


# --- items and the receivable ledger ---------------------------------------------------------


class ItemSerializer(serializers.ModelSerializer):
    customer = serializers.SlugRelatedField(slug_field="number", read_only=True)  # type: ignore[var-annotated]
    fund = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[var-annotated]
    department = DepartmentCode(read_only=True, allow_null=True)
    amount = Money(read_only=True)
    open_amount = Money(read_only=True)

    class Meta:
        model = Item
        fields = [
            "number",
            "kind",
            "customer",
            "fund",
            "department",
            "document_date",
            "due_date",
            "posted_on",
            "amount",
            "open_amount",
            "description",
            "reference",
        ]
        read_only_fields = fields


class BalanceSerializer(serializers.Serializer):
    customer = serializers.CharField(help_text="The customer number.")
    balance = Money()
    as_of = serializers.DateField(
        allow_null=True, help_text="The date asked for; null means everything posted."
    )


class LedgerRowSerializer(serializers.Serializer):
    seq = serializers.IntegerField(source="entry.seq")
    effective_date = serializers.DateField(source="entry.effective_date")
    recorded_at = serializers.DateTimeField(source="entry.recorded_at")
    item = serializers.CharField(source="entry.item.number")
    kind = serializers.CharField(source="entry.item.kind")
    description = serializers.CharField(source="entry.item.description")
    amount = Money(source="entry.amount")
    balance = Money(help_text="The running balance after this row.")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # "source" would shadow Field.source as a class attribute; add it here instead.
        fields["source"] = serializers.CharField(source="entry.source")
        return fields


# --- reports ---------------------------------------------------------------------------------


class AgingRowSerializer(serializers.Serializer):
    customer = serializers.CharField(source="number", help_text="The customer number.")
    name = serializers.CharField()
    type = serializers.CharField()
    buckets = serializers.ListField(child=Money(), help_text="One amount per label, in order.")
    credits = Money(help_text="Unapplied credits (negative).")
    total = Money()


class TieOutSerializer(serializers.Serializer):
    subledger = Money(help_text="The receivable ledger.")
    gl = Money(help_text="AR control in the general ledger.")
    difference = Money()
    ties = serializers.BooleanField()


class AgingSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    known_at = serializers.DateTimeField(allow_null=True)
    basis = serializers.CharField()
    basis_label = serializers.CharField()
    labels = serializers.ListField(child=serializers.CharField())
    rows = AgingRowSerializer(many=True)
    bucket_totals = serializers.ListField(child=Money())
    credits_total = Money()
    total = Money(help_text="The grand total: every bucket plus the unapplied credits.")
    tie_out = TieOutSerializer(allow_null=True)
    tie_out_note = serializers.CharField(allow_blank=True)


# --- imports ---------------------------------------------------------------------------------


class OpeningBalancesUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A .csv or .xlsx opening-balances file.")
    date = serializers.DateField(
        required=False, help_text="The conversion date the balances post on (default: today)."
    )


class ImportRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    customer = serializers.CharField(source="customer.number")
    document_number = serializers.CharField()
    document_date = serializers.DateField()
    due_date = serializers.DateField()
    amount = Money()
    description = serializers.CharField()
    department = serializers.CharField(source="department.code", allow_null=True, default=None)
    fund = serializers.CharField(source="fund.code")


class ImportResultSerializer(serializers.Serializer):
    message = serializers.CharField()
    file_name = serializers.CharField()
    file_hash = serializers.CharField()
    dry_run = serializers.BooleanField()
    already_imported = serializers.BooleanField()
    rows = serializers.IntegerField(source="count", help_text="How many items the file holds.")
    total = Money()
    journal_entry = serializers.CharField(
        source="journal_entry.number", allow_null=True, default=None
    )
    preview = serializers.SerializerMethodField(help_text="A dry run: the items it would post.")

    @extend_schema_field(ImportRowSerializer(many=True))
    def get_preview(self, result: Any) -> Any:
        return ImportRowSerializer(result.rows, many=True).data if result.dry_run else []


class ImportErrorSerializer(ErrorSerializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # "errors" would shadow Serializer.errors as a class attribute; add it here instead.
        fields["errors"] = serializers.ListField(
            child=serializers.CharField(), help_text="Every row error, naming the row and field."
        )
        return fields

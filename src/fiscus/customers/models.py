"""Customers: who owes the agency, how to reach them, and the flags that change how we collect."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from fiscus.customers import crypto
from fiscus.organization.models import Department


class CustomerQuerySet(models.QuerySet["Customer"]):
    def visible_to(self, user: object) -> CustomerQuerySet:
        """Department billers see the customers of their departments only."""
        from fiscus.organization.roles import department_scope

        scope = department_scope(user)  # type: ignore[arg-type]
        if scope is None:
            return self
        from fiscus.receivables.models import Item

        billed = Item.objects.filter(department_id__in=scope).values("customer_id")
        return self.filter(Q(department_id__in=scope) | Q(id__in=billed))


class CustomerType(models.TextChoices):
    PERSON = "person"
    BUSINESS = "business"
    AGENCY = "agency", "Government agency"
    SCHOOL_DISTRICT = "school_district", "School district"


class Terms(models.TextChoices):
    DUE_ON_RECEIPT = "due_on_receipt", "Due on receipt"
    NET10 = "net10", "Net 10"
    NET30 = "net30", "Net 30"
    NET60 = "net60", "Net 60"


class Customer(models.Model):
    Type = CustomerType

    Terms = Terms

    class Cycle(models.TextChoices):
        MONTHLY = "monthly"
        QUARTERLY = "quarterly"
        NONE = "none", "No statements"

    FLAGS = ("on_hold", "cash_only", "in_bankruptcy", "in_collections", "deceased", "needs_review")

    number = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200, db_index=True)
    type = models.CharField(max_length=16, choices=Type, default=Type.PERSON)
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The department that deals with this customer, if one does.",
    )
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    terms = models.CharField(max_length=16, choices=Terms, default=Terms.NET30)
    credit_limit = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    statement_cycle = models.CharField(max_length=10, choices=Cycle, default=Cycle.MONTHLY)
    dunning_policy = models.CharField(max_length=40, blank=True, default="standard")
    po_required = models.BooleanField(
        "PO required", default=False, help_text="Invoices must carry the customer's PO number."
    )
    tax_id_encrypted = models.TextField(blank=True)
    tax_id_last4 = models.CharField(max_length=4, blank=True)
    tax_id_digest = models.CharField(max_length=64, blank=True, db_index=True)
    on_hold = models.BooleanField("hold", default=False)
    cash_only = models.BooleanField("cash only", default=False)
    cash_only_until = models.DateField(
        "cash only until",
        null=True,
        blank=True,
        help_text="Set by a returned payment: cash or certified funds only until this day; "
        "empty while cash only means for good.",
    )
    in_bankruptcy = models.BooleanField("in bankruptcy", default=False)
    in_collections = models.BooleanField("in collections", default=False)
    deceased = models.BooleanField(default=False)
    needs_review = models.BooleanField("flagged for review", default=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["tax_id_encrypted"])

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(condition=Q(type__in=CustomerType.values), name="customer_type"),
            models.CheckConstraint(condition=Q(terms__in=Terms.values), name="customer_terms"),
            models.CheckConstraint(
                condition=Q(credit_limit__isnull=True) | Q(credit_limit__gte=0),
                name="customer_credit_limit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.number])

    def is_cash_only(self, on: date | None = None) -> bool:
        """Whether the customer must pay in cash or certified funds on `on` (default today)."""
        if not self.cash_only:
            return False
        until = self.cash_only_until
        return until is None or (on or timezone.localdate()) <= until

    @property
    def tax_id_masked(self) -> str:
        return crypto.mask(self.tax_id_last4)

    @property
    def flags(self) -> list[str]:
        return [FLAG_LABELS[f] for f in self.FLAGS if getattr(self, f)]

    @property
    def terms_days(self) -> int:
        return {"due_on_receipt": 0, "net10": 10, "net30": 30, "net60": 60}[self.terms]


FLAG_LABELS = {
    "on_hold": "hold",
    "cash_only": "cash only",
    "in_bankruptcy": "in bankruptcy",
    "in_collections": "in collections",
    "deceased": "deceased",
    "needs_review": "flagged for review",
}


class Address(models.Model):
    class Kind(models.TextChoices):
        BILLING = "billing"
        SERVICE = "service"
        MAILING = "mailing"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.BILLING)
    line1 = models.CharField("address", max_length=200)
    line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=2, default="CA")
    postal_code = models.CharField(max_length=10)
    is_primary = models.BooleanField("primary", default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_primary", "id"]
        verbose_name_plural = "addresses"

    def __str__(self) -> str:
        parts = [self.line1, self.line2, f"{self.city}, {self.state} {self.postal_code}"]
        return ", ".join(p for p in parts if p)


class Contact(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    title = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    is_primary = models.BooleanField("primary", default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_primary", "name"]

    def __str__(self) -> str:
        return self.name


class Note(models.Model):
    """A note on a customer's account. Notes are kept, never edited."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="notes")
    text = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"Note on {self.customer_id} by {self.by_id}"

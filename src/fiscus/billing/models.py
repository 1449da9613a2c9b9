"""Billing: charge codes, invoices from departments (draft -> submitted -> posted), memos,
recurring schedules and finance charges. Posting goes through fiscus.receivables.services."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from fiscus.customers.models import Customer
from fiscus.organization.models import Account, Department, Fund
from fiscus.receivables.models import Item

USER = settings.AUTH_USER_MODEL


class PaymentTerms(models.Model):
    """Net 10/30/60, due on receipt, or any the agency adds: the due date is invoice date + days."""

    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=60)
    days = models.PositiveSmallIntegerField()
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["days", "code"]
        verbose_name_plural = "payment terms"

    def __str__(self) -> str:
        return self.name


class ChargeCode(models.Model):
    """What a department bills for: a price, the revenue account it credits, optional tax."""

    code = models.CharField(max_length=20, unique=True)
    description = models.CharField(max_length=200)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    revenue_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    unit_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    tax_rate = models.DecimalField(
        max_digits=9, decimal_places=6, null=True, blank=True, help_text="e.g. 0.072500"
    )
    tax_account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit_price__isnull=True) | Q(unit_price__gte=0),
                name="charge_code_price",
            ),
            models.CheckConstraint(
                condition=Q(tax_rate__isnull=True) | Q(tax_rate__gte=0, tax_rate__lt=1),
                name="charge_code_tax_rate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class InvoiceBatch(models.Model):
    """Invoices entered together with control totals (PeopleSoft's group control): the batch
    cannot be submitted until its count and amount match what was entered."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=200, blank=True)
    control_count = models.PositiveIntegerField()
    control_amount = models.DecimalField(max_digits=14, decimal_places=2)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "invoice batches"

    def __str__(self) -> str:
        return f"Batch {self.pk}"


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned", "Returned to biller"
    POSTED = "posted"


class Invoice(models.Model):
    """A bill to a customer. Draft and returned invoices can be edited; a posted one never is
    (a credit memo corrects it). Its number is drawn when it posts (gap-free)."""

    Status = InvoiceStatus
    TRANSITIONS = {
        InvoiceStatus.DRAFT: {InvoiceStatus.SUBMITTED},
        InvoiceStatus.SUBMITTED: {InvoiceStatus.RETURNED, InvoiceStatus.POSTED},
        InvoiceStatus.RETURNED: {InvoiceStatus.SUBMITTED},
        InvoiceStatus.POSTED: set(),
    }

    class Source(models.TextChoices):
        WEB = "web"
        UPLOAD = "upload"
        API = "api"
        RECURRING = "recurring"

    status = models.CharField(max_length=10, choices=InvoiceStatus, default=InvoiceStatus.DRAFT)
    number = models.CharField(max_length=24, null=True, blank=True)  # noqa: DJ001  unique: no ""
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    invoice_date = models.DateField()
    terms = models.ForeignKey(
        PaymentTerms, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    due_date = models.DateField()
    reference = models.CharField("customer reference / PO", max_length=60, blank=True)
    description = models.CharField(max_length=200, blank=True)
    batch = models.ForeignKey(
        InvoiceBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    source = models.CharField(max_length=10, choices=Source, default=Source.WEB)
    recurring = models.ForeignKey(
        "RecurringSchedule", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    tax_total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    item = models.OneToOneField(  # items are never deleted (trigger); audit verify checks it
        Item,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice",
        db_constraint=False,
    )
    return_comment = models.TextField(blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    posted_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="invoice_number"),
            models.CheckConstraint(
                condition=Q(status__in=InvoiceStatus.values), name="invoice_status"
            ),
            models.CheckConstraint(
                condition=Q(status=InvoiceStatus.POSTED, number__isnull=False, item__isnull=False)
                | (~Q(status=InvoiceStatus.POSTED) & Q(number__isnull=True, item__isnull=True)),
                name="invoice_posted_has_number",
            ),
        ]
        indexes = [models.Index(fields=["status", "department"])]

    def __str__(self) -> str:
        return self.number or f"Draft {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("billing:invoice", args=[self.pk])

    @property
    def editable(self) -> bool:
        return self.status in {InvoiceStatus.DRAFT, InvoiceStatus.RETURNED}


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveSmallIntegerField()
    charge_code = models.ForeignKey(ChargeCode, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=200, blank=True)
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    unit_price = models.DecimalField(max_digits=14, decimal_places=2)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    tax_amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    service_from = models.DateField(null=True, blank=True)
    service_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["invoice_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "line_no"], name="invoice_line_no"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="invoice_line_quantity"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="invoice_line_price"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}/{self.line_no}"


class InvoiceStatusChange(models.Model):
    """Every move of an invoice's status: who, when, why. Unprocessed rows are a queue."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="status_changes")
    old = models.CharField(max_length=10, blank=True)
    new = models.CharField(max_length=10)
    by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    at = models.DateTimeField(auto_now_add=True)
    why = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.old} -> {self.new}"


class Attachment(models.Model):
    """Backup documents for an invoice (type and size checked on upload)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class MemoKind(models.TextChoices):
    CREDIT = "credit", "Credit memo"
    DEBIT = "debit", "Debit memo"


class ReasonCode(models.Model):
    """Why a memo was issued, and the GL account it posts to (revenue or a contra account)."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=6, choices=MemoKind)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Memo(models.Model):
    """A credit memo (against an invoice, in full or part, or on account) or a debit memo."""

    Kind = MemoKind

    kind = models.CharField(max_length=6, choices=MemoKind)
    number = models.CharField(max_length=24, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="memos")
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="memos"
    )
    reason = models.ForeignKey(ReasonCode, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    memo_date = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    description = models.CharField(max_length=200, blank=True)
    item = models.OneToOneField(Item, on_delete=models.PROTECT, related_name="memo")
    posted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    posted_at = models.DateTimeField()

    class Meta:
        ordering = ["-posted_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="memo_amount_positive"),
            models.CheckConstraint(condition=Q(kind__in=MemoKind.values), name="memo_kind"),
        ]

    def __str__(self) -> str:
        return self.number


class Frequency(models.TextChoices):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"


class RecurringSchedule(models.Model):
    """A lease or any repeating charge: the recurring run makes a draft invoice each period."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=200)
    frequency = models.CharField(max_length=10, choices=Frequency)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    next_date = models.DateField(help_text="The invoice date of the next invoice to create.")
    terms = models.ForeignKey(PaymentTerms, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=60, blank=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["next_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(frequency__in=Frequency.values), name="recur_freq"),
        ]

    def __str__(self) -> str:
        return self.description


class RecurringLine(models.Model):
    schedule = models.ForeignKey(RecurringSchedule, on_delete=models.CASCADE, related_name="lines")
    charge_code = models.ForeignKey(ChargeCode, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=200, blank=True)
    quantity = models.DecimalField(max_digits=12, decimal_places=3, default=Decimal("1.000"))
    unit_price = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="recur_line_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.schedule_id}: {self.charge_code_id}"


class FinanceChargePolicy(models.Model):
    """Interest on past-due balances: a monthly rate, a minimum, grace days, exempt types."""

    monthly_rate = models.DecimalField(max_digits=9, decimal_places=6, default=Decimal("0.010000"))
    minimum_charge = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("1.00"))
    grace_days = models.PositiveSmallIntegerField(default=30)
    exempt_types = models.JSONField(default=list, blank=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "finance charge policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly_rate__gte=0, monthly_rate__lt=1), name="fc_rate"
            )
        ]

    def __str__(self) -> str:
        return f"{self.monthly_rate} per month"


class FinanceChargeRun(models.Model):
    class Status(models.TextChoices):
        PREVIEW = "preview"
        POSTED = "posted"

    as_of = models.DateField()
    status = models.CharField(max_length=8, choices=Status, default=Status.PREVIEW)
    fund = models.ForeignKey(
        Fund, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    posted_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Finance charges as of {self.as_of}"


class FinanceChargeLine(models.Model):
    run = models.ForeignKey(FinanceChargeRun, on_delete=models.CASCADE, related_name="lines")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    base_amount = models.DecimalField(max_digits=14, decimal_places=2)
    charge = models.DecimalField(max_digits=14, decimal_places=2)
    skipped = models.BooleanField(default=False)
    reason = models.CharField(max_length=200, blank=True)
    item = models.OneToOneField(
        Item, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["skipped", "customer_id"]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.charge}"


class BillingUpload(models.Model):
    """A department's billing file, by its hash: uploading the same file twice creates nothing."""

    file_name = models.CharField(max_length=255)
    file_hash = models.CharField(max_length=64, unique=True)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    invoices = models.PositiveIntegerField(default=0)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.file_name

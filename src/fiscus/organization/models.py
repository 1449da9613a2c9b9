"""The agency: its profile, funds, departments, chart of accounts, fiscal periods and staff."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class Agency(models.Model):
    """The one agency this installation serves (a single row)."""

    name = models.CharField(max_length=200, default="Agency")
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    remit_to = models.TextField(blank=True, help_text="Where customers send payments.")
    logo = models.ImageField(upload_to="agency/", blank=True)
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        default=7, help_text="Month the fiscal year starts (7 = July)."
    )
    aging_bucket_days = models.CharField(
        max_length=60,
        default="30,60,90,120",
        help_text="Upper edges of the past-due buckets in days, comma separated.",
    )
    review_threshold = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "agency"
        constraints = [
            models.CheckConstraint(
                condition=Q(fiscal_year_start_month__gte=1, fiscal_year_start_month__lte=12),
                name="agency_fy_month",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def bucket_edges(self) -> list[int]:
        return [int(x) for x in self.aging_bucket_days.split(",") if x.strip()]


class Fund(models.Model):
    """A self-balancing set of accounts (GASB): General Fund, enterprise and special funds."""

    code = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=100)
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Department(models.Model):
    code = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=100)
    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, help_text="The fund this department bills into."
    )
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class AccountType(models.TextChoices):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    REVENUE = "revenue"
    EXPENSE = "expense"


class AccountRole(models.TextChoices):
    AR_CONTROL = "ar_control", "AR control"
    CASH = "cash", "Cash in bank"
    UNDEPOSITED_CASH = "undeposited_cash", "Undeposited cash"
    REVENUE = "revenue", "Default revenue"
    ALLOWANCE = "allowance", "Allowance for doubtful accounts"
    BAD_DEBT = "bad_debt", "Bad debt expense"
    REFUNDS_PAYABLE = "refunds_payable", "Refunds payable"
    OPENING_BALANCE = "opening_balance", "Opening balance (conversion)"
    DUE_FROM = "due_from", "Due from other funds"
    DUE_TO = "due_to", "Due to other funds"
    UNIDENTIFIED = "unidentified", "Unidentified receipts"


class Account(models.Model):
    """An object code in the chart of accounts. Fund and department are separate chartfields."""

    Type = AccountType

    Role = AccountRole

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    type = models.CharField(max_length=10, choices=Type)
    role = models.CharField(max_length=20, choices=Role, null=True, blank=True, unique=True)
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(type__in=AccountType.values), name="account_type"),
            models.CheckConstraint(
                condition=Q(role__isnull=True) | Q(role__in=AccountRole.values), name="account_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def normal_debit(self) -> bool:
        return self.type in {self.Type.ASSET, self.Type.EXPENSE}


class FiscalYear(models.Model):
    """A fiscal year, named by the calendar year it ends in (FY2026 = Jul 2025 - Jun 2026)."""

    year = models.PositiveIntegerField(unique=True)
    start = models.DateField()
    end = models.DateField()

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="fy_order")
        ]

    def __str__(self) -> str:
        return f"FY{self.year}"


class PeriodStatus(models.TextChoices):
    OPEN = "open"
    CLOSED = "closed"


class FiscalPeriod(models.Model):
    Status = PeriodStatus

    TRANSITIONS = {Status.OPEN: {Status.CLOSED}, Status.CLOSED: {Status.OPEN}}

    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.PROTECT, related_name="periods")
    number = models.PositiveSmallIntegerField()
    start = models.DateField(db_index=True)
    end = models.DateField()
    status = models.CharField(max_length=8, choices=Status, default=Status.OPEN)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["start"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "number"], name="period_number"),
            models.CheckConstraint(
                condition=Q(status__in=PeriodStatus.values), name="period_status"
            ),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="period_order"),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year} P{self.number:02d} ({self.start:%b %Y})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class DocumentSequence(models.Model):
    """The last number given to a document type in a fiscal year. Gap-free: drawn under a lock
    inside the posting transaction, so a rolled-back posting gives its number back."""

    doc_type = models.CharField(max_length=10)
    fiscal_year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["doc_type", "fiscal_year"], name="sequence_key")
        ]

    def __str__(self) -> str:
        return f"{self.doc_type}-{self.fiscal_year}: {self.last}"


class StaffProfile(models.Model):
    """What a staff member may see beyond their role: a department biller's departments."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    departments = models.ManyToManyField(Department, blank=True, related_name="staff")
    history = HistoricalRecords(m2m_fields=[departments])

    def __str__(self) -> str:
        return f"Profile of {self.user}"

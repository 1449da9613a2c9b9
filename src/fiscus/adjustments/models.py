"""Adjustments, write-offs and refunds, each a request that a supervisor approves above a
threshold (DESIGN §3, §5).

A request names a kind, a reason (which names the GL account) and one or more lines, each
against one open item. Nothing posts while a request waits for approval; whoever prepared it
cannot approve it; a rejected request goes back to its preparer with the comment. Every step is
a `RequestEvent`, and the requests, lines, events, reinstatements and vouchers are never
deleted (database triggers).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from fiscus.customers.models import Customer
from fiscus.ledger.models import JournalEntry
from fiscus.organization.models import Account
from fiscus.receivables.models import Application, Item

USER = settings.AUTH_USER_MODEL


class Kind(models.TextChoices):
    WRITE_OFF = "write_off", "Write-off of bad debt"
    SMALL_BALANCE = "small_balance", "Small-balance write-off"
    CORRECTION = "correction", "Correcting entry"
    TRANSFER = "transfer", "Transfer to another customer"
    REFUND = "refund", "Refund of a credit balance"


# the kinds whose posting discharges the agency's accountability but not the debtor's
# (Cal. Gov. Code 25257-25259): the item stays collectible
DISCHARGING = frozenset({Kind.WRITE_OFF, Kind.SMALL_BALANCE})


class Reason(models.Model):
    """Why an adjustment is made, and the GL account it posts to."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=Kind)
    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The account debited (for a credit balance: credited). None for a transfer.",
    )
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="reason_kind"),
            models.CheckConstraint(
                condition=Q(kind="transfer") | Q(account__isnull=False),
                name="reason_account_unless_transfer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class AdjustmentSettings(models.Model):
    """The approval thresholds, per kind, and the small-balance limit. One row."""

    write_off_threshold = models.DecimalField(
        "write-off approval above",
        max_digits=14,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text="A request of more than this needs a supervisor's approval (0: every one).",
    )
    small_balance_threshold = models.DecimalField(
        "small-balance run approval above",
        max_digits=14,
        decimal_places=2,
        default=Decimal("0.00"),
    )
    correction_threshold = models.DecimalField(
        "correcting entry approval above",
        max_digits=14,
        decimal_places=2,
        default=Decimal("100.00"),
    )
    transfer_threshold = models.DecimalField(
        "transfer approval above", max_digits=14, decimal_places=2, default=Decimal("500.00")
    )
    refund_threshold = models.DecimalField(
        "refund approval above", max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    small_balance_limit = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=Decimal("10.00"),
        help_text="The small-balance run proposes open balances below this.",
    )
    small_balance_min_days = models.PositiveIntegerField(
        default=90, help_text="... and at least this many days past due."
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "adjustment settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(write_off_threshold__gte=0)
                & Q(small_balance_threshold__gte=0)
                & Q(correction_threshold__gte=0)
                & Q(transfer_threshold__gte=0)
                & Q(refund_threshold__gte=0)
                & Q(small_balance_limit__gt=0),
                name="adjustment_thresholds_not_negative",
            )
        ]

    def __str__(self) -> str:
        return "Adjustment settings"

    def threshold(self, kind: str) -> Decimal:
        value: Decimal = getattr(self, f"{kind}_threshold")
        return value


class Status(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    REJECTED = "rejected", "Returned to the preparer"
    POSTED = "posted", "Posted"
    WITHDRAWN = "withdrawn", "Withdrawn"


# a request not yet decided for good: waiting, or back with its preparer
UNDECIDED = (Status.PENDING, Status.REJECTED)


class RefundVoucher(models.Model):
    """One export of approved refunds for the accounts payable system: its file, kept as sent."""

    number = models.CharField(max_length=40, unique=True)
    file_name = models.CharField(max_length=100)
    content = models.TextField()
    count = models.PositiveIntegerField()
    total = models.DecimalField(max_digits=14, decimal_places=2)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number


class Request(models.Model):
    """An adjustment, write-off (one item or a batch), transfer or refund, and its approval."""

    Kind = Kind
    Status = Status

    class PaidBy(models.TextChoices):
        CHECK = "check", "Check"
        EFT = "eft", "EFT"

    number = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=16, choices=Kind)
    reason = models.ForeignKey(Reason, on_delete=models.PROTECT, related_name="requests")
    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="adjustment_requests",
        help_text="The one customer of every line; none for a batch across customers.",
    )
    to_customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_in",
        help_text="A transfer's receiving customer.",
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    effective_date = models.DateField(help_text="The accounting date it posts on.")
    total = models.DecimalField(max_digits=14, decimal_places=2)
    description = models.CharField(max_length=400, blank=True)
    needs_approval = models.BooleanField()
    prepared_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.CharField(
        max_length=400, blank=True, help_text="The approver's last comment (a rejection's why)."
    )
    posted_at = models.DateTimeField(null=True, blank=True)
    journal_entry = models.ForeignKey(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # refunds
    payee_name = models.CharField(max_length=200, blank=True)
    payee_address = models.TextField(blank=True)
    voucher = models.ForeignKey(
        RefundVoucher, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    paid_on = models.DateField(null=True, blank=True)
    paid_by = models.CharField(max_length=5, choices=PaidBy, blank=True)
    paid_reference = models.CharField("check or EFT number", max_length=40, blank=True)

    class Meta:
        ordering = ["-prepared_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="request_total_positive"),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="request_kind"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="request_status"),
            models.CheckConstraint(
                condition=Q(kind="refund") | Q(voucher__isnull=True, paid_on__isnull=True),
                name="voucher_only_for_refunds",
            ),
        ]
        indexes = [models.Index(fields=["status", "kind"])]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("adjustments:request", args=[self.pk])

    @property
    def is_refund(self) -> bool:
        return self.kind == Kind.REFUND

    @property
    def stage(self) -> str:
        """Where the request is, in words a clerk uses (a refund goes on past posting)."""
        if self.status != Status.POSTED or not self.is_refund:
            return Status(self.status).label
        if self.paid_on is not None:
            return "Paid"
        if self.voucher_id is not None:
            return "Sent to accounts payable"
        return "Approved, to send to accounts payable"


class Line(models.Model):
    """One item a request adjusts, by `amount` (positive: the item's open amount moves that much
    toward zero)."""

    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="adjustment_lines")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    new_item = models.ForeignKey(
        Item,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="A transfer's item on the receiving customer.",
    )

    class Meta:
        ordering = ["request", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="line_amount_positive"),
            models.UniqueConstraint(fields=["request", "item"], name="line_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.amount} on {self.item_id}"


class RequestEvent(models.Model):
    """One step in a request's life: prepared, rejected, resubmitted, approved, posted ..."""

    class Action(models.TextChoices):
        PREPARED = "prepared"
        RESUBMITTED = "resubmitted"
        REJECTED = "rejected"
        APPROVED = "approved"
        POSTED = "posted"
        WITHDRAWN = "withdrawn"
        EXPORTED = "exported", "Sent to accounts payable"
        PAID = "paid"

    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=12, choices=Action)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    comment = models.CharField(max_length=400, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.action}"


class Reinstatement(models.Model):
    """Part of a discharged (written-off) item put back on the books because the debtor paid:
    the write-off reversed for that amount, then the payment applied to the item."""

    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="reinstatements")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    credit_item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="+")
    effective_date = models.DateField()
    journal_entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["effective_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="reinstatement_positive")
        ]

    def __str__(self) -> str:
        return f"{self.amount} of line {self.line_id}"

"""The receivable ledger: open items and every change to what a customer owes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from fiscus.ledger.models import JournalEntry
from fiscus.organization.models import Department, Fund


class ItemQuerySet(models.QuerySet["Item"]):
    def visible_to(self, user: object) -> ItemQuerySet:
        from fiscus.organization.roles import department_scope

        scope = department_scope(user)  # type: ignore[arg-type]
        return self if scope is None else self.filter(department_id__in=scope)

    def open(self) -> ItemQuerySet:
        return self.exclude(open_amount=0)


class ItemKind(models.TextChoices):
    INVOICE = "invoice"
    DEBIT_MEMO = "debit_memo", "Debit memo"
    FEE = "fee"
    FINANCE_CHARGE = "finance_charge", "Finance charge"
    OPENING_BALANCE = "opening_balance", "Opening balance"
    CREDIT_MEMO = "credit_memo", "Credit memo"
    PAYMENT = "payment"


class Item(models.Model):
    """An open item: something a customer owes (+) or is owed (-).

    `amount` is fixed at posting. `open_amount` is a cached copy of the sum of the item's
    receivable-ledger rows, updated in the same transaction.
    """

    Kind = ItemKind

    DEBIT_KINDS = frozenset({"invoice", "debit_memo", "fee", "finance_charge"})
    CREDIT_KINDS = frozenset({"credit_memo", "payment"})

    number = models.CharField(max_length=40)
    kind = models.CharField(max_length=16, choices=Kind)
    # indexed by (customer, due_date)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="items", db_index=False
    )
    # chartfields and users: their tables refuse DELETE, `fiscus audit verify` checks every
    # reference; no per-row foreign-key check (receivables migration 0004)
    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    document_date = models.DateField()
    due_date = models.DateField()
    posted_on = models.DateField(help_text="The accounting date it was posted on.")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    open_amount = models.DecimalField(max_digits=14, decimal_places=2)
    description = models.CharField(max_length=200, blank=True)
    reference = models.CharField(max_length=60, blank=True)
    journal_entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, related_name="+", null=True, db_constraint=False
    )
    disputed = models.BooleanField(
        default=False, help_text="Left out of notices, finance charges and referrals."
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    posted_at = models.DateTimeField()

    objects = ItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="item_number"),
            models.CheckConstraint(condition=Q(kind__in=ItemKind.values), name="item_kind"),
            models.CheckConstraint(condition=~Q(amount=0), name="item_amount_not_zero"),
            # An item never goes past zero, nor beyond its own amount: an invoice is never
            # below zero and a payment is never applied beyond its amount.
            models.CheckConstraint(
                condition=(Q(amount__gt=0, open_amount__gte=0, open_amount__lte=F("amount")))
                | (Q(amount__lt=0, open_amount__lte=0, open_amount__gte=F("amount"))),
                name="item_open_within_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "due_date"]),
            models.Index(
                fields=["customer", "due_date", "open_amount"],
                condition=~Q(open_amount=0),
                name="item_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_credit(self) -> bool:
        return self.amount < 0


class ReceivableEntry(models.Model):
    """One change to what a customer owes, against one item. Append-only and hash-chained.

    The item's due date, document date, fund and department are copied onto the row when it is
    written (they never change after posting), so aging as of any date reads this one table.
    """

    seq = models.PositiveBigIntegerField(unique=True)
    # the item's customer, copied (the item's own foreign key checks it); indexed by
    # (customer, effective_date)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    # indexed by (item, effective_date); items and journal entries are never deleted (triggers),
    # `fiscus audit verify` checks the references
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="entries", db_index=False, db_constraint=False
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    effective_date = models.DateField()
    recorded_at = models.DateTimeField()
    source = models.CharField(max_length=40)
    source_ref = models.CharField(max_length=60, blank=True)
    journal_entry = models.ForeignKey(
        JournalEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    # copies of the item's fixed attributes
    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    due_date = models.DateField()
    document_date = models.DateField()
    is_credit = models.BooleanField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "receivable entries"
        constraints = [models.UniqueConstraint(fields=["hash"], name="receivable_entry_hash")]
        indexes = [
            models.Index(fields=["item", "effective_date"]),
            models.Index(fields=["customer", "effective_date"]),
            models.Index(fields=["effective_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.amount} on {self.effective_date}"


class Application(models.Model):
    """Part of a payment or credit applied to a debit item. Append-only; undone by a reversal."""

    # items and journal entries are never deleted (triggers); `fiscus audit verify` checks these
    credit_item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="applied_to", db_constraint=False
    )
    debit_item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="applied_from", db_constraint=False
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    effective_date = models.DateField()
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    journal_entry = models.ForeignKey(
        JournalEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    applied_at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="application_not_zero"),
            models.CheckConstraint(
                condition=Q(reverses__isnull=True, amount__gt=0)
                | Q(reverses__isnull=False, amount__lt=0),
                name="application_sign",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} of {self.credit_item_id} to {self.debit_item_id}"


class ImportBatch(models.Model):
    """An imported file, by its hash: importing the same file twice changes nothing."""

    kind = models.CharField(max_length=30)
    file_name = models.CharField(max_length=255)
    file_hash = models.CharField(max_length=64)
    rows = models.PositiveIntegerField()
    total = models.DecimalField(max_digits=14, decimal_places=2)
    journal_entry = models.ForeignKey(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "file_hash"], name="import_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name}"

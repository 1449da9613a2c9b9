"""The general ledger: balanced, append-only, hash-chained journal entries."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from fiscus.organization.models import Account, Department, FiscalPeriod, Fund


class Chain(models.Model):
    """The head of a hash chain: its last position and hash. Locked to append in order."""

    name = models.CharField(max_length=20, primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"{self.name} #{self.seq}"


class JournalEntry(models.Model):
    """A posted journal entry. Never updated or deleted: a correction is a reversing entry."""

    number = models.CharField(max_length=24)
    seq = models.PositiveBigIntegerField(unique=True, help_text="Position in the hash chain.")
    date = models.DateField(db_index=True)
    period = models.ForeignKey(
        FiscalPeriod, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    memo = models.CharField(max_length=200)
    source = models.CharField(max_length=40, blank=True, help_text="What posted it.")
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    posted_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "journal entries"
        constraints = [
            models.UniqueConstraint(fields=["number"], name="journal_entry_number"),
            models.UniqueConstraint(fields=["hash"], name="journal_entry_hash"),
        ]

    def __str__(self) -> str:
        return self.number


class JournalLine(models.Model):
    # indexed by the (entry, line_no) constraint
    entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, related_name="lines", db_index=False
    )
    line_no = models.PositiveSmallIntegerField()
    # chartfields: their tables refuse DELETE (no_delete triggers), `fiscus audit verify` checks
    # every reference; no per-row foreign-key check (see ledger migration 0003)
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
    # indexed by (account, fund)
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    debit = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    credit = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    memo = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["entry_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "line_no"], name="journal_line_no"),
            models.CheckConstraint(
                condition=Q(debit__gte=0, credit__gte=0)
                & (Q(debit=0, credit__gt=0) | Q(credit=0, debit__gt=0)),
                name="journal_line_one_side",
            ),
        ]
        indexes = [models.Index(fields=["account", "fund"])]

    def __str__(self) -> str:
        side = f"DR {self.debit}" if self.debit else f"CR {self.credit}"
        return f"{self.account_id} {side}"

    @property
    def net(self) -> Decimal:
        return self.debit - self.credit


__all__ = ["Chain", "JournalEntry", "JournalLine", "F"]

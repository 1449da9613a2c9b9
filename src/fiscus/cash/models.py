"""Cash: payments and the deposits that hold them, bank statements, lockbox files, cash
application (with the reason and confidence of every automatic match) and daily balancing.

A payment posts when it is recorded (DR undeposited cash, CR AR control, a payment item of
-amount for its customer). A payment whose customer is not known yet is *unidentified*: it posts
DR undeposited cash, CR unidentified receipts (a liability), and has no item until a technician
names the customer, which moves it from the liability to AR. Cash reaches the bank when the
supervisor balances the day: DR cash in bank, CR undeposited cash.
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
from fiscus.organization.models import Account, Department, Fund
from fiscus.receivables.models import Application, ImportBatch, Item

USER = settings.AUTH_USER_MODEL


class AllocationPolicy(models.TextChoices):
    OLDEST_FIRST = "oldest_first", "Oldest first"
    FEES_FIRST = "fees_first", "Fees, then interest, then principal"
    CURRENT_FIRST = "current_first", "Current invoice first"
    INSTRUCTION = "instruction", "The customer's own instruction"


class ReturnedFeeRule(models.TextChoices):
    NONE = "none", "No fee"
    ACTUAL_COST = "actual_cost", "Actual cost (Gov. Code 6157)"
    SCHEDULE = "schedule", "$25 first, $35 each later one (Civil Code 1719)"


class CashSettings(models.Model):
    """The agency's cash-application policy (one row)."""

    allocation_policy = models.CharField(
        max_length=20, choices=AllocationPolicy, default=AllocationPolicy.OLDEST_FIRST
    )
    auto_apply_threshold = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.90"),
        help_text="Automatic matches at or above this confidence are applied; below, suggested.",
    )
    bank_department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The department ACH and wire payments read from bank files are recorded in.",
    )
    # returned payments (issue 5)
    returned_fee_rule = models.CharField(
        max_length=12,
        choices=ReturnedFeeRule,
        default=ReturnedFeeRule.ACTUAL_COST,
        help_text="Gov. Code 6157: no more than the actual cost; or Civil Code 1719's schedule.",
    )
    returned_fee_cost = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal("15.00"),
        help_text="The actual cost of processing a returned payment (the actual-cost rule).",
    )
    returned_fee_first = models.DecimalField(
        max_digits=8, decimal_places=2, default=Decimal("25.00"), help_text="Schedule: first."
    )
    returned_fee_later = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal("35.00"),
        help_text="Schedule: each later return within 12 months.",
    )
    returned_fee_account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The revenue account of returned-payment fees (else the default revenue).",
    )
    cash_only_days = models.PositiveIntegerField(
        default=365,
        help_text="After a returned payment, cash or certified funds only for this many days.",
    )
    cash_only_after_returns = models.PositiveIntegerField(
        default=3, help_text="This many returns within 12 months: cash or certified funds for good."
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "cash settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(auto_apply_threshold__gte=Decimal("0.50"))
                & Q(auto_apply_threshold__lte=Decimal("1.00")),
                name="cash_threshold_range",
            )
        ]

    def __str__(self) -> str:
        return "Cash settings"


class CustomerCashPreference(models.Model):
    """A customer's own allocation order, overriding the agency's."""

    customer = models.OneToOneField(Customer, on_delete=models.PROTECT, related_name="cash_pref")
    allocation_policy = models.CharField(max_length=20, choices=AllocationPolicy)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"{self.customer}: {self.get_allocation_policy_display()}"


class PayerAlias(models.Model):
    """A payer name that means this customer; every manual match teaches one."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="payer_aliases")
    name = models.CharField(max_length=140)
    normalized = models.CharField(max_length=140, unique=True)
    learned_from = models.ForeignKey(
        "Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["normalized"]
        verbose_name_plural = "payer aliases"

    def __str__(self) -> str:
        return self.name


class Deposit(models.Model):
    """A deposit batch: one day, one department, one cashier, with control totals."""

    class Status(models.TextChoices):
        OPEN = "open"
        CLOSED = "closed"
        BALANCED = "balanced"

    number = models.CharField(max_length=40, unique=True)
    deposit_date = models.DateField()
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="+")
    cashier = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    control_count = models.PositiveIntegerField(null=True, blank=True)
    control_total = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    bank_reference = models.CharField(
        max_length=60, blank=True, help_text="The bank's deposit or lockbox reference."
    )
    source = models.CharField(max_length=20, default="counter")
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN)
    closed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    balanced_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    balanced_at = models.DateTimeField(null=True, blank=True)
    journal_entry = models.ForeignKey(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-deposit_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "closed", "balanced"]), name="deposit_status"
            ),
            models.CheckConstraint(
                condition=Q(control_total__isnull=True) | Q(control_total__gte=0),
                name="deposit_control_total",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("cash:deposit", args=[self.pk])


class Method(models.TextChoices):
    CHECK = "check"
    CASH = "cash"
    MONEY_ORDER = "money_order", "Money order"
    CARD = "card"
    ACH = "ach", "ACH"
    WIRE = "wire"


class Payment(models.Model):
    """Money received. Posted when recorded; its item carries what is left to apply."""

    Method = Method

    class Status(models.TextChoices):
        UNIDENTIFIED = "unidentified"
        POSTED = "posted"

    number = models.CharField(max_length=40, unique=True)
    status = models.CharField(max_length=14, choices=Status)
    method = models.CharField(max_length=12, choices=Method)
    deposit = models.ForeignKey(Deposit, on_delete=models.PROTECT, related_name="payments")
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    item = models.OneToOneField(
        Item, null=True, blank=True, on_delete=models.PROTECT, related_name="payment"
    )
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    received_on = models.DateField()
    payer = models.CharField(max_length=140, blank=True)
    check_number = models.CharField(max_length=30, blank=True)
    bank_account = models.CharField(
        max_length=20, blank=True, help_text="Masked: only the last four digits are kept."
    )
    reference = models.CharField(max_length=140, blank=True)
    remittance = models.TextField(blank=True, help_text="Remittance text, as received.")
    source = models.CharField(max_length=20, default="counter")
    cashier = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    journal_entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="+")
    identified_entry = models.ForeignKey(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    import_batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(status="unidentified", item__isnull=True)
                | Q(status="posted", item__isnull=False, customer__isnull=False),
                name="payment_status_item",
            ),
        ]
        indexes = [models.Index(fields=["received_on"]), models.Index(fields=["status"])]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("cash:payment", args=[self.pk])

    @property
    def unapplied(self) -> Decimal:
        if self.item is None:
            return self.amount
        return -self.item.open_amount


class Match(models.Model):
    """What the matcher found for a payment: applied automatically, or a suggestion."""

    class Status(models.TextChoices):
        APPLIED = "applied"
        SUGGESTED = "suggested"
        TAKEN = "taken"
        DISMISSED = "dismissed"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="matches")
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    allocations = models.JSONField(
        default=list, help_text='[{"item": id, "number": "INV-...", "amount": "12.34"}]'
    )
    rule = models.CharField(max_length=30)
    confidence = models.DecimalField(max_digits=3, decimal_places=2)
    reason = models.CharField(max_length=400)
    status = models.CharField(max_length=10, choices=Status)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "matches"

    def __str__(self) -> str:
        return f"{self.payment} {self.rule} {self.confidence}"


class ApplicationReason(models.Model):
    """Why an application was made: by hand, or by which rule with what confidence."""

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="cash_reason"
    )
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="applications")
    match = models.ForeignKey(
        Match, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    automatic = models.BooleanField()
    rule = models.CharField(max_length=30)
    confidence = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.application_id} {self.rule}"


class BankAccount(models.Model):
    """The agency's account at its bank, for statements and deposits."""

    name = models.CharField(max_length=80)
    bank_name = models.CharField(max_length=80, blank=True)
    number = models.CharField(
        max_length=40, unique=True, help_text="As the bank's files write it; shown masked."
    )
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.masked})"

    @property
    def masked(self) -> str:
        return f"••••{self.number[-4:]}"


class CsvMapping(models.Model):
    """A saved column mapping for a bank's CSV export."""

    name = models.CharField(max_length=80, unique=True)
    mapping = models.JSONField()
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BankStatement(models.Model):
    """One account's statement from an imported bank file."""

    import_batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="+")
    bank_account = models.ForeignKey(
        BankAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="statements"
    )
    account_number = models.CharField(max_length=40)
    format = models.CharField(max_length=10)
    currency = models.CharField(max_length=3, blank=True)
    start_date = models.DateField()
    end_date = models.DateField()
    opening = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    closing = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    problems = models.TextField(blank=True)

    class Meta:
        ordering = ["-end_date", "-id"]

    def __str__(self) -> str:
        return f"{self.account_number} {self.start_date}–{self.end_date}"


class BankLine(models.Model):
    """One transaction on a bank statement; matched to a deposit (or a payment) when balancing."""

    statement = models.ForeignKey(BankStatement, on_delete=models.PROTECT, related_name="lines")
    line = models.PositiveIntegerField()
    booked = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    type_code = models.CharField(max_length=20, blank=True)
    bank_reference = models.CharField(max_length=80, blank=True)
    customer_reference = models.CharField(max_length=80, blank=True)
    text = models.TextField(blank=True)
    payer = models.CharField(max_length=140, blank=True)
    identity = models.CharField(max_length=64, unique=True)
    deposit = models.ForeignKey(
        Deposit, null=True, blank=True, on_delete=models.PROTECT, related_name="bank_lines"
    )
    payment = models.OneToOneField(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="bank_line"
    )

    class Meta:
        ordering = ["booked", "id"]
        indexes = [models.Index(fields=["booked", "amount"])]

    def __str__(self) -> str:
        return f"{self.booked} {self.amount}"


class DepartmentReport(models.Model):
    """What a department reported taking in on a day, for the three-way balancing."""

    report_date = models.DateField()
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    count = models.PositiveIntegerField(null=True, blank=True)
    reference = models.CharField(max_length=60, blank=True)
    entered_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-report_date", "department"]
        constraints = [
            models.UniqueConstraint(
                fields=["report_date", "department"], name="one_report_per_department_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.report_date}"


class BalancedDay(models.Model):
    """A day a supervisor marked balanced: its closed deposits moved to the bank."""

    day = models.DateField(unique=True)
    balanced_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    balanced_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)
    journal_entry = models.ForeignKey(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return str(self.day)


class ReturnReason(models.TextChoices):
    NSF = "nsf", "Insufficient funds (NSF)"
    STOP_PAYMENT = "stop_payment", "Stop payment"
    CLOSED_ACCOUNT = "closed_account", "Account closed"
    ACH_RETURN = "ach_return", "ACH return"
    OTHER = "other", "Other (see the note)"


class ReturnedPayment(models.Model):
    """A payment the bank took back: its applications reversed, the bank side reversed, a fee.

    A payment is returned at most once at a time; redeposited (the bank presented it again and
    it cleared), it may come back again as a new return.
    """

    Reason = ReturnReason

    class Status(models.TextChoices):
        RETURNED = "returned"
        REDEPOSITED = "redeposited"

    number = models.CharField(max_length=40, unique=True)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="returns")
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="returns"
    )
    status = models.CharField(max_length=12, choices=Status, default=Status.RETURNED)
    reason = models.CharField(max_length=16, choices=ReturnReason)
    ach_code = models.CharField(
        "ACH return code", max_length=3, blank=True, help_text="R01 ... R85, as the bank sent it."
    )
    ach_trace = models.CharField(max_length=15, blank=True)
    identity = models.CharField(
        max_length=80,
        null=True,
        blank=True,
        unique=True,
        help_text="The bank file's identity of the return: a file imported twice returns once.",
    )
    returned_on = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    # what the return undid: [{"application": id, "item": id, "number": "...", "amount": "..."}]
    reversed = models.JSONField(default=list)
    from_bank = models.BooleanField(
        help_text="The deposit had reached the bank (else undeposited cash was credited)."
    )
    journal_entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="+")
    fee_item = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cash_only_until = models.DateField(null=True, blank=True)
    cash_only_for_good = models.BooleanField(default=False)
    note = models.CharField(max_length=400, blank=True)
    worked_at = models.DateTimeField(null=True, blank=True)
    worked_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    redeposited_on = models.DateField(null=True, blank=True)
    redeposit_entry = models.ForeignKey(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    redeposited_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-returned_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="returned_amount_positive"),
            models.UniqueConstraint(
                fields=["payment"],
                condition=Q(status="returned"),
                name="payment_returned_once",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("cash:returned", args=[self.pk])

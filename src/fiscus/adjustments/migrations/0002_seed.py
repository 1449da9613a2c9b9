from django.db import migrations

from fiscus.db import AppendOnly, NoDelete

# code, name, kind, the role of the account it posts to (None: a transfer posts AR to AR)
REASONS = [
    ("BADDEBT", "Uncollectible after collection efforts", "write_off", "allowance"),
    ("BANKRUPT", "Discharged in bankruptcy", "write_off", "allowance"),
    ("DECEASED", "Deceased, no estate", "write_off", "allowance"),
    ("SKIP", "Debtor cannot be located", "write_off", "allowance"),
    ("SMALLBAL", "Small balance, not cost-effective to collect", "small_balance", "bad_debt"),
    ("BILLERR", "Billing error", "correction", "revenue"),
    ("POSTERR", "Posting error", "correction", "revenue"),
    ("WRONGCUST", "Billed to the wrong customer", "transfer", None),
    ("OVERPAY", "Overpayment", "refund", "refunds_payable"),
    ("DUPPAY", "Duplicate payment", "refund", "refunds_payable"),
    ("CLOSED", "Account closed with a credit balance", "refund", "refunds_payable"),
]


def seed(apps, schema_editor):
    """The reason codes an office starts with, and the approval thresholds (one row)."""
    Account = apps.get_model("organization", "Account")
    Reason = apps.get_model("adjustments", "Reason")
    for code, name, kind, role in REASONS:
        account = Account.objects.filter(role=role).first() if role else None
        if role and account is None:
            continue
        Reason.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "account": account}
        )
    Settings = apps.get_model("adjustments", "AdjustmentSettings")
    if not Settings.objects.exists():
        Settings.objects.create()


class Migration(migrations.Migration):
    """Requests, their lines and reinstatements are never deleted; their events and the refund
    vouchers sent to accounts payable never change either."""

    dependencies = [("adjustments", "0001_initial"), ("organization", "0005_no_delete")]

    operations = [
        NoDelete("Reason"),
        NoDelete("Request"),
        NoDelete("Line"),
        AppendOnly("RequestEvent"),
        AppendOnly("Reinstatement"),
        AppendOnly("RefundVoucher"),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]

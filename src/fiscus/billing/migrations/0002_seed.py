from decimal import Decimal

from django.db import migrations

TERMS = [
    ("due_on_receipt", "Due on receipt", 0),
    ("net10", "Net 10", 10),
    ("net30", "Net 30", 30),
    ("net60", "Net 60", 60),
]
REASONS = [
    ("BILLERR", "Billing error", "credit"),
    ("NOSERVICE", "Service not provided", "credit"),
    ("DUPLICATE", "Duplicate billing", "credit"),
    ("GOODWILL", "Goodwill adjustment", "credit"),
    ("UNDERBILL", "Underbilled", "debit"),
    ("ADDSERVICE", "Additional service", "debit"),
]


def seed(apps, schema_editor):
    """Payment terms, memo reason codes and a finance-charge policy (off until a supervisor
    turns it on), posting to a finance-charge revenue account."""
    PaymentTerms = apps.get_model("billing", "PaymentTerms")
    for code, name, days in TERMS:
        PaymentTerms.objects.get_or_create(code=code, defaults={"name": name, "days": days})
    Account = apps.get_model("organization", "Account")
    revenue = Account.objects.filter(role="revenue").first()
    finance, _ = Account.objects.get_or_create(
        code="4900", defaults={"name": "Finance charges", "type": "revenue"}
    )
    ReasonCode = apps.get_model("billing", "ReasonCode")
    if revenue is not None:
        for code, name, kind in REASONS:
            ReasonCode.objects.get_or_create(
                code=code, defaults={"name": name, "kind": kind, "account": revenue}
            )
    Policy = apps.get_model("billing", "FinanceChargePolicy")
    if not Policy.objects.exists():
        Policy.objects.create(
            monthly_rate=Decimal("0.010000"),
            minimum_charge=Decimal("1.00"),
            grace_days=30,
            exempt_types=["agency", "school_district"],
            account=finance,
            active=False,
        )


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial"), ("organization", "0003_staff_department_history")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

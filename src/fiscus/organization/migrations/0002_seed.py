from django.db import migrations

ROLES = [
    "technician",
    "supervisor",
    "cashier",
    "department biller",
    "collections",
    "auditor",
    "administrator",
]

ACCOUNTS = [
    ("1010", "Cash in bank", "asset", "cash"),
    ("1015", "Undeposited cash", "asset", "undeposited_cash"),
    ("1200", "Accounts receivable control", "asset", "ar_control"),
    ("1210", "Allowance for doubtful accounts", "asset", "allowance"),
    ("1300", "Due from other funds", "asset", "due_from"),
    ("2010", "Refunds payable", "liability", "refunds_payable"),
    ("2100", "Due to other funds", "liability", "due_to"),
    ("3900", "AR conversion (opening balances)", "equity", "opening_balance"),
    ("4000", "Miscellaneous revenue", "revenue", "revenue"),
    ("6500", "Bad debt expense", "expense", "bad_debt"),
]


def seed(apps, schema_editor):
    """A new installation: the roles, one fund, the accounts every posting needs, the agency."""
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    Fund = apps.get_model("organization", "Fund")
    Fund.objects.get_or_create(code="100", defaults={"name": "General Fund"})
    Account = apps.get_model("organization", "Account")
    for code, name, type_, role in ACCOUNTS:
        Account.objects.get_or_create(
            code=code, defaults={"name": name, "type": type_, "role": role}
        )
    Agency = apps.get_model("organization", "Agency")
    if not Agency.objects.exists():
        Agency.objects.create(name="Agency")


class Migration(migrations.Migration):
    dependencies = [
        ("organization", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

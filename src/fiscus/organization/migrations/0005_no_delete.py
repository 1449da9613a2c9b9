from django.db import migrations

from fiscus.db import NoDelete


class Migration(migrations.Migration):
    """The chartfields that posted rows refer to are never deleted (a fund, department or
    account is made inactive instead, a period closed): the ledgers' rows refer to them without
    a per-row foreign-key check (ledger 0003, receivables 0004, billing 0003)."""

    dependencies = [("organization", "0004_unidentified_receipts")]

    operations = [
        NoDelete("Fund"),
        NoDelete("Department"),
        NoDelete("Account"),
        NoDelete("FiscalPeriod"),
    ]

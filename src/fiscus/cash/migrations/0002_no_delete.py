from django.db import migrations

from fiscus.db import AppendOnly, NoDelete


class Migration(migrations.Migration):
    """Money received is never deleted; the reason of an application never changes."""

    dependencies = [("cash", "0001_initial")]

    operations = [
        NoDelete("Deposit"),
        NoDelete("Payment"),
        NoDelete("Match"),
        NoDelete("BankStatement"),
        NoDelete("BankLine"),
        NoDelete("BalancedDay"),
        AppendOnly("ApplicationReason"),
    ]

from django.db import migrations

from fiscus.db import AppendOnly


class Migration(migrations.Migration):
    """Posted records are permanent: the database refuses UPDATE and DELETE."""

    dependencies = [("ledger", "0001_initial")]

    operations = [
        AppendOnly("JournalEntry"),
        AppendOnly("JournalLine"),
    ]

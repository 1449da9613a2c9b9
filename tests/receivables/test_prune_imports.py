import os
import time

from django.core.management import call_command

from fiscus.receivables.models import ImportBatch


def test_only_old_unposted_files_are_deleted(city, settings, tmp_path, capsys):
    settings.IMPORTS_DIR = tmp_path
    old_unposted, new_unposted, old_posted = (tmp_path / n for n in ("a" * 64, "b" * 64, "c" * 64))
    for path in (old_unposted, new_unposted, old_posted):
        path.write_bytes(b"x")
    ten_days_ago = time.time() - 10 * 86400
    os.utime(old_unposted, (ten_days_ago, ten_days_ago))
    os.utime(old_posted, (ten_days_ago, ten_days_ago))
    ImportBatch.objects.create(
        kind="opening_balances",
        file_name="x.csv",
        file_hash="c" * 64,
        rows=1,
        total="1.00",
        imported_by=city.clerk,
    )
    call_command("prune_imports", "--days", "7")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b" * 64, "c" * 64]
    assert "Deleted 1 unposted import file(s)" in capsys.readouterr().out

"""Delete uploaded files that were previewed but never posted, once they are old.

Posted files are kept: they are the record of what was imported (ImportBatch.file_hash).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from fiscus.receivables.models import ImportBatch


class Command(BaseCommand):
    help = "Delete previewed-but-never-posted import files older than --days (default 7)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=int, default=7)

    def handle(self, *args: Any, days: int, **options: Any) -> None:
        folder = Path(settings.IMPORTS_DIR)
        if not folder.is_dir():
            self.stdout.write("No import files waiting.")
            return
        posted = set(ImportBatch.objects.values_list("file_hash", flat=True))
        cutoff = time.time() - days * 86400
        removed = 0
        for path in folder.iterdir():
            if path.is_file() and path.name not in posted and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        self.stdout.write(f"Deleted {removed} unposted import file(s) older than {days} days.")

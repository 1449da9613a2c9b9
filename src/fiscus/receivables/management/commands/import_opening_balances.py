"""fiscus import opening-balances FILE [--date YYYY-MM-DD] [--user USERNAME] [--dry-run]"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from fiscus import money
from fiscus.errors import FiscusError
from fiscus.receivables.formats.opening_balances import size_text
from fiscus.receivables.imports import ImportRefused, ImportResult, import_opening_balances


class Command(BaseCommand):
    help = "Import customers' open items (opening balances) from a .csv or .xlsx file, once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the .csv or .xlsx file")
        parser.add_argument(
            "--date",
            type=date.fromisoformat,
            default=None,
            help="the posting (conversion) date, YYYY-MM-DD; today if not given",
        )
        parser.add_argument(
            "--user",
            default=None,
            help="who imports it (needs the opening_balances.import capability); "
            "the only superuser if not given",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check the file and show its totals; post nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = self._user(options["user"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        if path.stat().st_size > settings.MAX_IMPORT_BYTES:
            raise CommandError(
                f"{path.name} is {size_text(path.stat().st_size)}; "
                f"Fiscus imports files up to {size_text(settings.MAX_IMPORT_BYTES)}.",
                returncode=1,
            )
        content = path.read_bytes()
        on = options["date"] or timezone.localdate()
        bar: tqdm[Any] | None = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                bar = tqdm(total=total, unit="item", desc="Posting", file=sys.stderr, disable=None)
            bar.update(done - bar.n)

        try:
            result = import_opening_balances(
                content, path.name, on=on, by=user, progress=progress, dry_run=options["dry_run"]
            )
        except ImportRefused as refused:
            for sentence in refused.errors:
                self.stderr.write(sentence)
            raise CommandError(refused.message, returncode=1) from None
        except FiscusError as refused:
            raise CommandError(refused.message, returncode=1) from None
        finally:
            if bar is not None:
                bar.close()
        self._show(result)
        if result.errors:
            raise CommandError(ImportRefused(result.errors).message, returncode=1)

    def _user(self, username: str | None) -> Any:
        users = get_user_model().objects.filter(is_active=True)
        if username:
            found = users.filter(username=username).first()
            if found is None:
                raise CommandError(f"There is no user {username}.")
            return found
        supers = list(users.filter(is_superuser=True)[:2])
        if len(supers) != 1:
            raise CommandError("Say who imports the file: --user USERNAME.")
        return supers[0]

    def _show(self, result: ImportResult) -> None:
        if result.errors:
            for sentence in result.errors:
                self.stderr.write(sentence)
            return
        if not result.already_imported:
            width = max((len(t.label) for t in result.department_totals), default=10)
            for t in result.department_totals:
                self.stdout.write(
                    f"  {t.label:<{width}}  {t.count:>6} items  {money.fmt(t.total):>16}"
                )
        self.stdout.write(result.message)

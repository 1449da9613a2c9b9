"""Cash application on PostgreSQL: import and apply 10,000 noisy payments.

    FISCUS_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/fiscus_bench \\
        python -m benchmarks.cash [--payments 10000] [--customers 5000] [--seed 7] [--mix realistic]

It drops and re-creates the bench database, migrates it, and loads the world of
benchmarks/remittances.py (customers with their learned payer names, their open items with the
same numbers, amounts and dates; remittances with ground truth). Then, timed:

  a. a BAI2 file of the payments (one ACH credit per payment, its remittance in 88 records) is
     read by the bank-file parser (fiscus.cash.formats), and
  b. the payments are received and applied through fiscus.cash.autoapply.receive_and_apply, the
     path every import takes: the book of open items is built from the database, each payment
     is matched, every payment is recorded into one deposit (its item, journal entry and
     receivable row), and every match at or above the threshold is applied in bulk
     (applications, receivable rows, reasons); the rest are stored as suggestions.
                                                 target: a + b <= 10 s for 10,000 payments
Outcomes are compared with the ground truth: auto-applied %, wrong applications (target 0),
precision (correct automatic applications / automatic applications) and recall (correct
automatic applications / payments a careful clerk would apply from the remittance alone).
Both hash chains are verified and the GL must tie to the receivable ledger at the end. The
report also says where step b's time went: building the book, matching, recording the payments,
applying them, and the COMMIT (where PostgreSQL checks the deferred foreign keys).

Each remittance is handed to the matcher exactly as generated (payer, text, reference, customer
number, lockbox lines): the BAI2 file of step a carries only the text, so step b is given the
generated remittances, and step a is timed for what a real import adds.
"""

from __future__ import annotations

import argparse
import os
import re
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

TARGET_SECONDS = 10.0
TARGET_AUTO = 0.97


def say(text: str) -> None:
    print(text, flush=True)  # noqa: T201  the benchmark reports on the terminal


@dataclass
class Outcome:
    payments: int = 0
    auto: int = 0
    correct: int = 0
    wrong: int = 0
    suggested: int = 0
    unmatched: int = 0
    should_apply: int = 0
    parse_seconds: float = 0.0
    apply_seconds: float = 0.0
    setup_seconds: float = 0.0
    lines_parsed: int = 0
    verified: str = ""
    wrong_cases: Counter[str] = field(default_factory=Counter)
    # where "receive and apply" went (seconds), and the CPU Python used in it
    split: dict[str, float] = field(default_factory=dict)
    python_cpu: float = 0.0

    @property
    def seconds(self) -> float:
        return self.parse_seconds + self.apply_seconds

    @property
    def auto_rate(self) -> float:
        return self.auto / self.payments if self.payments else 0.0

    @property
    def precision(self) -> float:
        return self.correct / self.auto if self.auto else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.should_apply if self.should_apply else 1.0


def bai2_file(remittances: list[Any], today: Any) -> bytes:
    """The payments as the bank would report them: one ACH credit each, text in 88 records."""
    d = today.strftime("%y%m%d")
    records = [f"01,BANK,BENCHCITY,{d},0800,1,,,2/", f"02,BENCHCITY,BANK,1,{d},,USD,2/"]
    total = 0
    details = []
    for n, r in enumerate(remittances, 1):
        cents = int(r.amount * 100)
        total += cents
        details.append(f"16,142,{cents},Z,B{n:07d},{r.reference[:20] or 'NONE'},/")
        text = " ".join(x for x in (r.payer, r.text) if x).replace("/", " ").replace(",", " ")
        for start in range(0, min(len(text), 240), 70):
            details.append(f"88,{text[start : start + 70]}/")
    account = [f"03,123456789,USD,015,{total},,/", *details]
    count = len(account) + 1
    records += [*account, f"49,{total * 2},{count}/"]
    records += [f"98,{total * 2},1,{count + 2}/", f"99,{total * 2},1,{count + 4}/"]
    return ("\n".join(records) + "\n").encode()


def load_world(world: Any, user: Any, today: Any) -> tuple[dict[int, int], dict[int, int]]:
    """Customers, aliases and open items of the generated world, in the database.
    Returns (world customer id -> db id, world item id -> db item id)."""
    from benchmarks.generate import _reference
    from fiscus.cash.models import CustomerCashPreference, PayerAlias
    from fiscus.cash.services import normalize_name
    from fiscus.customers.models import Customer
    from fiscus.receivables.models import Item
    from fiscus.receivables.services import ItemSpec, Offset, post_items

    general, departments, revenue = _reference(user, today)
    created = Customer.objects.bulk_create(
        [
            Customer(number=c.number, name=c.name, type=Customer.Type.BUSINESS, created_by=user)
            for c in world.customers
        ],
        batch_size=5000,
    )
    customer_ids = {c.id: db.pk for c, db in zip(world.customers, created, strict=True)}
    by_id = {db.pk: db for db in created}
    aliases = []
    seen: set[str] = set()
    for c in world.customers:
        for alias in c.aliases:
            key = normalize_name(alias)
            if key and key not in seen:
                seen.add(key)
                aliases.append(
                    PayerAlias(
                        customer_id=customer_ids[c.id], name=alias, normalized=key, created_by=user
                    )
                )
    PayerAlias.objects.bulk_create(aliases, batch_size=5000)
    CustomerCashPreference.objects.bulk_create(
        [
            CustomerCashPreference(customer_id=customer_ids[c.id], allocation_policy=c.policy.value)
            for c in world.customers
            if c.policy is not None
        ]
    )
    dept = departments[0]
    kinds = {k.value for k in Item.Kind}
    specs = []
    numbers: set[str] = set()
    for it in world.items:
        number = it.number
        while number in numbers:  # the generator's old-system numbers can repeat, rarely
            number += "X"
        numbers.add(number)
        kind = it.kind if it.kind in kinds else Item.Kind.INVOICE
        on = min(it.document_date, today)
        specs.append(
            ItemSpec(
                customer=by_id[customer_ids[it.customer_id]],
                kind=kind,
                amount=it.open_amount,
                fund=general,
                department=dept,
                document_date=on,
                due_date=max(it.due_date, on),
                offsets=[Offset(revenue[dept.pk], it.open_amount)],
                number=number,
            )
        )
    item_ids: dict[int, int] = {}
    for start in range(0, len(specs), 5000):
        chunk = specs[start : start + 5000]
        posted = post_items(
            chunk,
            on=max(s.document_date for s in chunk),
            by=user,
            source="bench",
            summarize=True,
        )
        for it, item in zip(world.items[start : start + 5000], posted, strict=True):
            item_ids[it.id] = item.pk
    return customer_ids, item_ids


def run(args: argparse.Namespace) -> tuple[Outcome, dict[str, str]]:
    from benchmarks.remittances import HARSH, REALISTIC, generate
    from benchmarks.run import database_url, machine, recreate_database

    url = database_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fiscus.settings")
    os.environ.setdefault("FISCUS_DEV", "1")
    recreate_database(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from benchmarks.generate import _staff
    from fiscus.cash import matching
    from fiscus.cash.autoapply import build_book, receive_and_apply
    from fiscus.cash.formats.statements import parse_statement
    from fiscus.cash.models import Match, Payment
    from fiscus.cash.services import PaymentInput, open_deposit, update_cash_settings
    from fiscus.ledger.services import verify as verify_gl
    from fiscus.organization.models import Department
    from fiscus.receivables.services import verify as verify_ar

    host = machine()
    say(f"Machine: {host['cores']} cores ({host['cpu']}), PostgreSQL {host['postgresql']}")
    outcome = Outcome(payments=args.payments)
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, skip_checks=True)
    today = timezone.localdate()
    user = _staff()
    mix = HARSH if args.mix == "harsh" else REALISTIC
    world = generate(args.seed, args.customers, args.payments, mix=mix)
    customer_ids, item_ids = load_world(world, user, today)
    update_cash_settings(
        by=user,
        allocation_policy=world.policy.value,
        auto_apply_threshold=Decimal(args.threshold),
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    outcome.setup_seconds = time.perf_counter() - t0
    say(
        f"set up in {outcome.setup_seconds:.0f} s: {len(world.customers):,} customers, "
        f"{len(world.items):,} open items, {args.payments:,} payments ({args.mix} mix)"
    )
    remittances = [
        matching.Remittance(
            amount=r.amount,
            payer=r.payer,
            text=r.text,
            reference=r.reference,
            customer_number=r.customer_number,
            lines=r.lines,
            received=today,
        )
        for r in world.remittances
    ]
    data = bai2_file(remittances, today)
    started = time.perf_counter()
    statements = parse_statement(data, "bench.bai2")
    outcome.parse_seconds = time.perf_counter() - started
    outcome.lines_parsed = sum(len(s.transactions) for s in statements)
    inputs = [
        PaymentInput(
            amount=r.amount,
            method="ach",
            received_on=today,
            payer=r.payer,
            reference=r.reference or f"B{n:07d}",  # else the bank's own reference
            remittance=r.text,
        )
        for n, r in enumerate(remittances, 1)
    ]
    cpu0 = time.process_time()
    started = time.perf_counter()
    with ExitStack() as timers, transaction.atomic():
        _time_phases(timers, outcome.split)
        deposit = open_deposit(
            department=Department.objects.order_by("code").first(),  # type: ignore[arg-type]
            on=today,
            by=user,
            source="bank",
        )
        t0 = time.perf_counter()
        book = build_book(today=world.today)  # the day the world's truths were worked out
        outcome.split["build the book"] = time.perf_counter() - t0
        result = receive_and_apply(
            deposit, inputs, by=user, source="bank", book=book, remittances=remittances
        )
        committing = time.perf_counter()
    outcome.apply_seconds = time.perf_counter() - started
    outcome.python_cpu = time.process_time() - cpu0
    outcome.split["COMMIT (deferred foreign-key checks)"] = (
        started + outcome.apply_seconds - committing
    )
    say(
        f"parsed {outcome.lines_parsed:,} BAI2 lines in {outcome.parse_seconds:.2f} s; "
        f"received and applied {len(result.payments):,} payments in {outcome.apply_seconds:.2f} s"
    )
    _score(outcome, world, result.payments, customer_ids, item_ids, Match, Payment)
    gl_count, gl_problems = verify_gl()
    ar_count, ar_problems = verify_ar()
    outcome.verified = (
        f"{gl_count:,} journal entries ({len(gl_problems)} problems), "
        f"{ar_count:,} receivable rows ({len(ar_problems)} problems)"
    )
    return outcome, host


def _time_phases(timers: ExitStack, split: dict[str, float]) -> None:
    """Time the parts of receive_and_apply through wrappers (their time adds up in `split`):
    matching (Book.match and Book.take), recording the payments, applying them."""
    from unittest import mock

    from fiscus.cash import autoapply, matching

    def timed(owner: Any, name: str, label: str) -> None:
        real = getattr(owner, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                split[label] = split.get(label, 0.0) + time.perf_counter() - t0

        timers.enter_context(mock.patch.object(owner, name, wrapper))

    timed(matching.Book, "match", "match")
    timed(matching.Book, "take", "match")
    timed(autoapply, "record_payments", "record the payments")
    timed(autoapply, "apply_many", "apply them")


def _split(o: Outcome) -> str:
    parts = [f"{name} {seconds:.2f} s" for name, seconds in o.split.items()]
    rest = o.apply_seconds - sum(o.split.values())
    return (
        f"{', '.join(parts)}, the rest {rest:.2f} s; Python used {o.python_cpu:.2f} s of CPU, "
        "the rest was waiting for PostgreSQL (or for the CPU)"
    )


def _score(
    outcome: Outcome,
    world: Any,
    payments: list[Any],
    customer_ids: dict[int, int],
    item_ids: dict[int, int],
    Match: Any,
    Payment: Any,
) -> None:
    matches = {m.payment_id: m for m in Match.objects.filter(payment__in=payments)}
    for pay, truth in zip(payments, world.truths, strict=True):
        if truth.expect == "apply":
            outcome.should_apply += 1
        m = matches.get(pay.pk)
        if m is None:
            outcome.unmatched += 1
            continue
        if m.status != Match.Status.APPLIED:
            outcome.suggested += 1
            continue
        outcome.auto += 1
        want_customer = customer_ids.get(truth.customer_id) if truth.customer_id else None
        want = sorted((item_ids[a.item_id], a.amount) for a in truth.allocations)
        got = sorted((int(a["item"]), Decimal(a["amount"])) for a in m.allocations)
        if truth.expect == "apply" and m.customer_id == want_customer and got == want:
            outcome.correct += 1
        else:
            outcome.wrong += 1
            outcome.wrong_cases[truth.case] += 1


def report(o: Outcome, host: dict[str, str], args: argparse.Namespace) -> str:
    from django.utils import timezone

    ok = "met" if o.seconds <= TARGET_SECONDS else "MISSED"
    auto_ok = "met" if o.auto_rate >= TARGET_AUTO else "MISSED"
    wrong_ok = "met" if o.wrong == 0 else "MISSED"
    return "\n".join(
        [
            "## Cash application",
            "",
            f"Run {timezone.localtime():%Y-%m-%d %H:%M %Z} with `python -m benchmarks.cash "
            f"--payments {args.payments} --customers {args.customers} --seed {args.seed} "
            f"--mix {args.mix} --threshold {args.threshold}`.",
            "",
            f"Machine: {host['cores']} cores ({host['cpu']}), {host['memory']} memory, "
            f"PostgreSQL {host['postgresql']}, Python {host['python']}; a loop of ten million "
            f"additions took {host['speed']} s (the machine's speed at the time).",
            "",
            f"At the end: {o.verified}.",
            "",
            "| measure | target | result |",
            "|---|---|---|",
            f"| read the BAI2 file + receive, match and apply {o.payments:,} payments | "
            f"<= {TARGET_SECONDS:.0f} s | {o.seconds:.2f} s ({ok}; reading "
            f"{o.parse_seconds:.2f} s, receiving and applying {o.apply_seconds:.2f} s) |",
            f"| applied automatically | >= {TARGET_AUTO:.0%} | {o.auto_rate:.1%} ({auto_ok}; "
            f"{o.auto:,} of {o.payments:,}) |",
            f"| wrong applications | 0 | {o.wrong} ({wrong_ok})"
            + (f"; by case: {dict(o.wrong_cases.most_common())}" if o.wrong else "")
            + " |",
            f"| precision | | {o.precision:.4f} |",
            f"| recall (of the {o.should_apply:,} a clerk would apply from the remittance) | | "
            f"{o.recall:.4f} |",
            f"| left as suggestions / no match | | {o.suggested:,} / {o.unmatched:,} |",
            f"| where receiving and applying went | | {_split(o)} |",
            f"| time to set up the world | | {o.setup_seconds:.0f} s |",
            "",
        ]
    )


def write_section(text: str) -> None:
    from benchmarks.run import RESULTS

    old = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(r"^## Cash application\n.*?(?=^## |\Z)", re.DOTALL | re.MULTILINE)
    if pattern.search(old):
        new = pattern.sub(lambda _: text + "\n", old, count=1).rstrip() + "\n"
    else:
        new = old.rstrip() + "\n\n" + text
    RESULTS.write_text(new)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.cash",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--payments", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--mix", choices=["realistic", "harsh"], default="realistic")
    parser.add_argument("--threshold", default="0.90")
    parser.add_argument("--no-write", action="store_true", help="Print only.")
    args = parser.parse_args(argv)
    outcome, host = run(args)
    text = report(outcome, host, args)
    say("\n" + text)
    if not args.no_write:
        write_section(text)


if __name__ == "__main__":
    main()

"""Document numbers are gap-free per type and fiscal year; auditors look for gaps."""

from datetime import date

import pytest
from django.db import transaction

from fiscus.ledger.models import JournalEntry
from fiscus.organization.models import DocumentSequence
from fiscus.organization.services import next_numbers
from tests.factories import customer, invoice, payment


class Interrupted(Exception):
    pass


def test_each_document_type_counts_on_its_own_without_gaps(city):
    who = customer(city.clerk)
    numbers = [
        invoice(city, who, "10.00").number,
        payment(city, who, "5.00").number,
        invoice(city, who, "12.00").number,
    ]
    assert numbers == ["INV-2026-000001", "PMT-2026-000001", "INV-2026-000002"]
    assert list(JournalEntry.objects.values_list("number", flat=True)) == [
        "JE-2026-000001",
        "JE-2026-000002",
        "JE-2026-000003",
    ]


def test_a_new_fiscal_year_starts_again_at_one(city):
    who = customer(city.clerk)
    assert invoice(city, who, "10.00", on=date(2026, 6, 30)).number == "INV-2026-000001"
    assert invoice(city, who, "10.00", on=date(2026, 7, 1)).number == "INV-2027-000001"
    assert invoice(city, who, "10.00", on=date(2026, 6, 30)).number == "INV-2026-000002"


def test_a_rolled_back_posting_gives_its_number_back(city):
    who = customer(city.clerk)
    with pytest.raises(Interrupted), transaction.atomic():
        lost = invoice(city, who, "10.00")
        assert lost.number == "INV-2026-000001"
        raise Interrupted
    again = invoice(city, who, "10.00")
    assert again.number == "INV-2026-000001"
    assert again.journal_entry.number == "JE-2026-000001"
    assert DocumentSequence.objects.get(doc_type="INV", fiscal_year=2026).last == 1


def test_numbers_drawn_in_a_batch_are_consecutive(city):
    with transaction.atomic():
        assert next_numbers("CM", date(2026, 1, 5), 3) == [
            "CM-2026-000001",
            "CM-2026-000002",
            "CM-2026-000003",
        ]
        assert next_numbers("CM", date(2026, 1, 6)) == ["CM-2026-000004"]

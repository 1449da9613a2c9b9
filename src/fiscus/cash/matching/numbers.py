"""Document numbers read out of remittance text, and found in the book, typos and all.

Fiscus numbers documents `PREFIX-YEAR-SEQUENCE` (`INV-2026-000123`; DM, FEE, FC, OB likewise).
Such a number is indexed by its digits, the year and the sequence padded to six
(`2026000123`), so the prefix may be left out and is only a preference when written. Any other
document number (an opening balance's number from the old system) is indexed as its letters and
digits run together (`W-10234` is `W10234`), and found only when written exactly so.

Reading the text (`NumberIndex.read`):

- amounts (`$1,234.50`, `45.00`) and dates (`03/15/2026`, `2026-03-15`) are taken out first;
- the rest is cut into runs of letters and digits; in a run holding digits, the letter O is read
  as 0 and the letters l and I as 1 (`INV-2O26-000l23`), and the reading says so;
- a four-digit year (one within a typo of a year the book holds) followed by a run of digits, or
  any four digits followed by five to seven, is a full number: `INV 2026 123`, `2026-000123`,
  `inv2026000123` (the year and sequence in one run of eight to eleven digits);
- digits after a full number, separated only by commas, "and", "&" or spaces, share its year and
  prefix: `INV-2026-000123, 000124 & 125`;
- other digits (`#123`, `Invoice 123`) are a short number: the sequence alone, which names an item
  only together with a known customer;
- digits after CHECK, CHK, CK, PO, TEL, PHONE, BOX, SUITE, APT, UNIT, ZIP, TRACE are skipped, and
  a customer number (`C000123`, or digits after ACCT, ACCOUNT, CUST or CUSTOMER) is reported as
  such, not as a document.

Finding a full number (`exact`, `near`): exactly (leading zeros may be left out), then within
one typo: one digit dropped, added or changed, or two neighbouring digits swapped. The typo search
probes every variant of what was written that has the length of a key (ten digits): at most a
couple of hundred dictionary lookups however large the book, and no index to build beyond the
keys themselves.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

STANDARD = re.compile(r"^([A-Z]{1,6})-(\d{4})-(\d{1,9})$")
WIDTH = 6
KEY_LENGTH = 4 + WIDTH  # the year and the sequence
DIGITS = "0123456789"
_AMOUNT = re.compile(
    r"\$\s?\d[\d,]*(?:\.\d{1,2})?|\b\d{1,3}(?:,\d{3})+(?:\.\d{2})?\b|\b\d+\.\d{2}\b"
)
_DATE = re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b|\b(?:19|20)\d{2}-\d{2}-\d{2}\b")
_RUN = re.compile(r"[A-Za-z0-9]+")
_ADJACENT = re.compile(r"^[\s\-/.#:_]{0,3}$")
_LIST = re.compile(r"^(?:[\s,;/&+#-]|and|AND|And)*$")
_CONFUSABLE = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "i": "1"})
SKIP = frozenset(
    [
        "CHECK",
        "CHK",
        "CK",
        "CHEQUE",
        "PO",
        "TEL",
        "PHONE",
        "PH",
        "FAX",
        "BOX",
        "SUITE",
        "STE",
        "APT",
        "UNIT",
        "ZIP",
        "TRACE",
        "RT",
        "RTN",
        "ROUTING",
    ]
)
CUSTOMER_WORDS = frozenset(["ACCT", "ACCOUNT", "ACCTNO", "CUST", "CUSTOMER", "CUSTNO"])
FILLER = frozenset(
    [
        "NO",
        "NUM",
        "NUMBER",
        "NBR",
        "NR",
        "REF",
        "REFERENCE",
        "RE",
        "FOR",
        "PMT",
        "PAYMENT",
        "PAY",
        "OF",
        "AND",
    ]
)
WORD_PREFIXES = {"INVOICE": "INV", "INVOICES": "INV", "DEBIT": "DM", "FEES": "FEE"}


def split_number(number: str) -> tuple[str, str, int] | None:
    """("INV", "2026", 123) for "INV-2026-000123"; None for a number of another shape."""
    parts = number.split("-")
    if (
        len(parts) == 3
        and parts[0].isascii()
        and parts[0].isalpha()
        and parts[0].isupper()
        and len(parts[0]) <= 6
        and len(parts[1]) == 4
        and parts[1].isdigit()
        and 1 <= len(parts[2]) <= WIDTH
        and parts[2].isdigit()
        and parts[2].isascii()
        and parts[1].isascii()
    ):
        return parts[0], parts[1], int(parts[2])
    match = STANDARD.match(number.strip().upper())
    if not match or len(match.group(3)) > WIDTH:
        return None
    return match.group(1), match.group(2), int(match.group(3))


def digit_key(year: str, sequence: int) -> str:
    return f"{year}{sequence:0{WIDTH}d}"


def key_of(number: str) -> str:
    """The digit key of a document number ("2026000123"), or "" for a number of another shape."""
    parts = split_number(number)
    return digit_key(parts[1], parts[2]) if parts else ""


def prefix_of(number: str) -> str:
    """The prefix of a number in the standard shape ("INV" of "INV-2026-000123")."""
    return number.partition("-")[0].upper()


def compact(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def describe_edit(written: str, key: str) -> str | None:
    """How `written` differs from `key` by one typo, in words; None beyond one typo."""
    if written == key:
        return ""
    lw, lk = len(written), len(key)
    if lw == lk:
        diffs = [i for i in range(lw) if written[i] != key[i]]
        if len(diffs) == 1:
            i = diffs[0]
            return f"{written[i]} written for {key[i]}"
        if (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and written[diffs[0]] == key[diffs[1]]
            and written[diffs[1]] == key[diffs[0]]
        ):
            return "two digits swapped"
        return None
    if lw == lk - 1:
        for i in range(lk):
            if key[:i] + key[i + 1 :] == written:
                return "one digit left out"
        return None
    if lw == lk + 1:
        for i in range(lw):
            if written[:i] + written[i + 1 :] == key:
                return "one digit too many"
    return None


def within(a: str, b: str, limit: int) -> bool:
    """True when a and b are at most `limit` typos apart (Damerau-Levenshtein, adjacent swaps)."""
    if abs(len(a) - len(b)) > limit:
        return False
    before: list[int] = []
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return False
        before, row = row, current
    return row[-1] <= limit


@dataclass(frozen=True)
class Mention:
    """One document number as the remitter wrote it."""

    written: str  # the text as it stands: "INV 2026 123"
    shape: str  # "full" (year and sequence), "short" (sequence alone), "legacy" (exact text)
    prefix: str = ""  # "INV" when written, "" when not
    year: str = ""
    sequence: str = ""  # the digits as written, O and l read as digits
    fixes: tuple[str, ...] = ()  # "the letter O read as 0"
    amount: int | None = None  # cents, from a remittance line
    line: int | None = None  # the remittance line it came from (1-based)
    legacy: tuple[int, ...] = ()  # item ids for a legacy number

    @property
    def keys(self) -> tuple[str, ...]:
        """The digit keys this reading stands for: padded first, then as written."""
        if self.shape != "full":
            return ()
        keys = []
        if len(self.sequence) <= WIDTH:
            keys.append(digit_key(self.year, int(self.sequence)))
        raw = self.year + self.sequence
        if raw not in keys and len(self.sequence) >= WIDTH - 1:
            keys.append(raw)
        return tuple(keys)


@dataclass
class Reading:
    """What the text says: the document numbers and the customer numbers in it."""

    mentions: list[Mention] = field(default_factory=list)
    customers: list[tuple[int, str]] = field(default_factory=list)  # (customer id, as written)


class NumberIndex:
    def __init__(self) -> None:
        self.full: dict[str, list[int]] = defaultdict(list)  # digit key -> item ids
        self.short: dict[int, list[int]] = defaultdict(list)  # sequence -> item ids
        self.legacy: dict[str, list[int]] = defaultdict(list)  # compact number -> item ids
        self.legacy_heads: set[str] = set()  # the first run of letters or digits of each
        self.prefixes: set[str] = set()
        self.years: set[str] = set()
        self.customer_numbers: dict[str, int] = {}  # compact customer number -> customer id
        self.customer_digits: dict[tuple[str, int], int] = {}  # ("C", 123) -> customer id
        self.customer_by_int: dict[int, list[int]] = defaultdict(list)
        self._near_years: set[str] | None = None

    # -- building -------------------------------------------------------------------------------

    def add_item(self, item_id: int, number: str) -> None:
        parts = split_number(number)
        if parts is None:
            self.legacy[compact(number)].append(item_id)
            head = _RUN.search(number)
            if head:
                self.legacy_heads.add(head.group().upper())
            return
        prefix, year, sequence = parts
        key = digit_key(year, sequence)
        self.full[key].append(item_id)
        self.short[sequence].append(item_id)
        if prefix not in self.prefixes:
            self.prefixes.add(prefix)
        if year not in self.years:
            self.years.add(year)
            self._near_years = None

    def add_customer(self, customer_id: int, number: str) -> None:
        packed = compact(number)
        if not packed:
            return
        self.customer_numbers[packed] = customer_id
        match = re.match(r"^([A-Z]*)(\d+)$", packed)
        if match:
            self.customer_digits[(match.group(1), int(match.group(2)))] = customer_id
            self.customer_by_int[int(match.group(2))].append(customer_id)

    def customer(self, written: str) -> int | None:
        """The customer a written customer number names, leading zeros optional."""
        packed = compact(written)
        if packed in self.customer_numbers:
            return self.customer_numbers[packed]
        match = re.match(r"^([A-Z]*)(\d+)$", packed)
        if not match:
            return None
        found = self.customer_digits.get((match.group(1), int(match.group(2))))
        if found is None and not match.group(1):
            owners = self.customer_by_int.get(int(match.group(2)), [])
            found = owners[0] if len(owners) == 1 else None
        return found

    # -- finding --------------------------------------------------------------------------------

    def exact(self, mention: Mention) -> list[int]:
        if mention.shape == "legacy":
            return list(mention.legacy)
        if mention.shape == "short":
            return list(self.short.get(int(mention.sequence), ()))
        keys = mention.keys
        return list(self.full.get(keys[0], ())) if keys and len(mention.sequence) <= WIDTH else []

    def near(self, mention: Mention) -> list[tuple[int, str]]:
        """Items within one typo of a full number, each with the typo in words (exact excluded)."""
        found: dict[str, str] = {}
        exact = mention.keys[0] if mention.keys and len(mention.sequence) <= WIDTH else None
        for written in mention.keys:
            for key, edit in self._near_keys(written):
                if key != exact and key not in found:
                    found[key] = edit
        return [(item_id, edit) for key, edit in found.items() for item_id in self.full[key]]

    def _near_keys(self, written: str) -> list[tuple[str, str]]:
        """The keys in the book one typo from `written`, with the typo: every variant of what
        was written that has a key's length (ten digits) is probed, a few hundred at most."""
        full = self.full
        size = len(written)
        found = []
        if size == KEY_LENGTH + 1:
            for i in range(size):
                key = written[:i] + written[i + 1 :]
                if key in full:
                    found.append((key, "one digit too many"))
        elif size == KEY_LENGTH - 1:
            for i in range(size + 1):
                for digit in DIGITS:
                    key = written[:i] + digit + written[i:]
                    if key in full:
                        found.append((key, "one digit left out"))
        elif size == KEY_LENGTH:
            for i in range(size - 1):
                if written[i] != written[i + 1]:
                    key = written[:i] + written[i + 1] + written[i] + written[i + 2 :]
                    if key in full:
                        found.append((key, "two digits swapped"))
            for i in range(size):
                for digit in DIGITS:
                    if digit != written[i]:
                        key = written[:i] + digit + written[i + 1 :]
                        if key in full:
                            found.append((key, f"{written[i]} written for {digit}"))
        return found

    # -- reading --------------------------------------------------------------------------------

    def near_years(self) -> set[str]:
        if self._near_years is None:
            near = set(self.years)
            for year in self.years:
                for i in range(4):
                    near.update(year[:i] + d + year[i + 1 :] for d in "0123456789")
                near.update(year[:i] + year[i + 1] + year[i] + year[i + 2 :] for i in range(3))
            self._near_years = near
        return self._near_years

    def _prefix(self, word: str) -> str:
        if word in self.prefixes:
            return word
        mapped = WORD_PREFIXES.get(word)
        if mapped is None and word.startswith("INV"):
            mapped = "INV"
        return mapped if mapped in self.prefixes else ""

    def read(self, text: str, *, amount: int | None = None, line: int | None = None) -> Reading:
        reading = Reading()
        if not text or not text.strip():
            return reading
        cleaned = _DATE.sub(" ", _AMOUNT.sub(" ", text))
        runs = [(m.group(), m.start(), m.end()) for m in _RUN.finditer(cleaned)]
        legacy_used = self._read_legacy(runs, cleaned, reading, amount, line)
        years = self.near_years()
        prefix = ""
        prefix_at = -1
        skip = customer_word = False
        last_full: Mention | None = None
        last_end = -1
        i = 0
        while i < len(runs):
            if i in legacy_used:
                i += 1
                continue
            run, start, end = runs[i]
            lettered = run[:1].isalpha() and any(ch.isdigit() for ch in run)
            owner = self.customer(run) if (customer_word or lettered) and not skip else None
            if owner is not None:  # "C000123", "ACCT 123"
                reading.customers.append((owner, run))
                customer_word, prefix = False, ""
                last_end = end
                i += 1
                continue
            word, digits, fixes = _split_run(run, self.prefixes)
            between = cleaned[last_end:start] if last_end >= 0 else ""
            if digits is None:
                upper = word
                if upper in SKIP:
                    skip, customer_word, prefix = True, False, ""
                elif upper in CUSTOMER_WORDS:
                    customer_word, skip, prefix = True, False, ""
                elif self._prefix(upper):
                    prefix, skip, customer_word = self._prefix(upper), False, False
                    prefix_at = start
                elif upper not in FILLER:
                    prefix, skip, customer_word = "", False, False
                    last_full = None
                last_end = end
                i += 1
                continue
            if skip:
                skip = False
                last_end = end
                i += 1
                continue
            customer_word = False
            if word and word not in FILLER and not self._prefix(word):
                # letters in front that are no document prefix: "PO12345", "ACH0042"
                prefix, last_full = "", None
                last_end = end
                i += 1
                continue
            written_prefix = self._prefix(word) if word and word not in FILLER else prefix
            if written_prefix and not word and prefix_at >= 0:
                start = prefix_at
            mention: Mention | None = None
            consumed = 1
            if len(digits) == 4 and i + 1 < len(runs):
                nxt, nstart, nend = runs[i + 1]
                nword, ndigits, nfixes = _split_run(nxt, self.prefixes)
                if (
                    not nword
                    and ndigits is not None
                    and 1 <= len(ndigits) <= WIDTH + 1
                    # a year, or four digits before a sequence's five or more ("2072-5008132":
                    # a digit too many in the year)
                    and (digits in years or len(ndigits) >= WIDTH - 1)
                    and _ADJACENT.match(cleaned[end:nstart])
                ):
                    mention = Mention(
                        written=cleaned[start:nend].strip(),
                        shape="full",
                        prefix=written_prefix,
                        year=digits,
                        sequence=ndigits,
                        fixes=_merge(fixes, nfixes),
                    )
                    consumed = 2
                    end = nend
            if mention is None and 8 <= len(digits) <= 11 and digits[:4] in years:
                written = cleaned[start:end].strip()
                mention = Mention(written, "full", written_prefix, digits[:4], digits[4:], fixes)
            if mention is None and 1 <= len(digits) <= WIDTH + 1:
                if last_full is not None and _LIST.match(between):
                    mention = Mention(run, "full", last_full.prefix, last_full.year, digits, fixes)
                elif len(digits) <= WIDTH and int(digits) > 0:
                    written = cleaned[start:end].strip()
                    mention = Mention(written, "short", written_prefix, "", digits, fixes)
            if mention is not None:
                mention = _with(mention, amount, line)
                reading.mentions.append(mention)
                last_full = mention if mention.shape == "full" else None
            prefix, prefix_at = "", -1
            last_end = end
            i += consumed
        return reading

    def _read_legacy(
        self,
        runs: list[tuple[str, int, int]],
        cleaned: str,
        reading: Reading,
        amount: int | None,
        line: int | None,
    ) -> set[int]:
        used: set[int] = set()
        if not self.legacy:
            return used
        heads = self.legacy_heads
        starts = [i for i, run in enumerate(runs) if run[0].upper() in heads]
        for width in (3, 2, 1):
            for i in starts:
                if i + width > len(runs):
                    continue
                span = range(i, i + width)
                if used.intersection(span):
                    continue
                if width > 1 and not all(
                    _ADJACENT.match(cleaned[runs[j][2] : runs[j + 1][1]]) for j in span[:-1]
                ):
                    continue
                packed = "".join(runs[j][0] for j in span).upper()
                items = self.legacy.get(packed)
                if items:
                    written = cleaned[runs[i][1] : runs[i + width - 1][2]]
                    reading.mentions.append(
                        Mention(written, "legacy", amount=amount, line=line, legacy=tuple(items))
                    )
                    used.update(span)
        return used


def _split_run(run: str, prefixes: set[str]) -> tuple[str, str | None, tuple[str, ...]]:
    """(letters in front, the digits with O and l read as digits or None, the readings made)."""
    if run.isdigit():
        return "", run, ()
    head = 0
    while head < len(run) and run[head].isalpha():
        head += 1
    word, rest = run[:head].upper(), run[head:]
    # A letter O or l in front of the digits belongs to them ("O00123", "INVl23").
    while word and run[head - 1] in "OolIi" and (rest[:1].isdigit()):
        trimmed = word[:-1]
        if trimmed and trimmed not in prefixes and not trimmed.startswith("INV"):
            break
        head -= 1
        word, rest = run[:head].upper(), run[head:]
    if not rest or not rest[0].isdigit() and rest[0] not in "OolIi":
        return run.upper(), None, ()
    mapped = rest.translate(_CONFUSABLE)
    if not mapped.isdigit() or sum(ch.isdigit() for ch in rest) < 2:
        return run.upper(), None, ()
    fixes = []
    if any(ch in "Oo" for ch in rest):
        fixes.append("the letter O read as 0")
    if any(ch in "lIi" for ch in rest):
        fixes.append("the letter l read as 1")
    return word, mapped, tuple(fixes)


def _merge(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*a, *b)))


def _with(mention: Mention, amount: int | None, line: int | None) -> Mention:
    if amount is None and line is None:
        return mention
    return Mention(
        mention.written,
        mention.shape,
        mention.prefix,
        mention.year,
        mention.sequence,
        mention.fixes,
        amount,
        line,
        mention.legacy,
    )

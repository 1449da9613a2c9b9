"""Payer names against customer names and learned aliases.

A name is reduced to its words (`name_words`): lower case, accents and punctuation gone ("O'Brien"
is "obrien", "&" is "and"), common abbreviations spelled out ("Intl" is "international", "Svcs"
is "service", "USD" is "unified school district"), and the words that say nothing about who it
is left out: legal forms ("Inc", "LLC", "Co", "Corp", "Ltd") and "the", "of",
"and", "or". Word order does not count, so "City of Riverside" is "Riverside City" and "GARCIA
MARIA" is "Maria Garcia". A name with "dba", "aka" or "c/o" in it is also read as its parts.

Two names are the same name when their words are the same set, a plural "s" aside
(`name_key`). Otherwise they are compared word by word, each word of the payer pairing with at
most one word of the name, the best pairs first: equal (or equal but for a plural "s") 1.0; one
the start of the other 0.9 (a bank cuts "PLUMBING" to "PLUMBI", "Constr" for "Construction"; four
letters at least, three for the payer's last word, two when the payer looks cut); one typo 0.85
(words of four letters, one of them five or more: "Munz", "Munoz"; or two letters swapped);
one letter changed in a four-letter word 0.7 ("Woos", "Wood"); an initial 0.75 ("M Garcia").
Words weigh by how rare they are among all names (inverse document frequency), so "Riverside"
counts for more than "Services"; a one-letter word (a middle initial) weighs 0.3. The score is
the smaller of the two coverages: how much of the payer's weight is matched, and how much of the
name's. 1.0 is the same name. A payer of 15 characters or more may have been cut by the bank: a
last word that starts a legal form ("INCORP", "LL") is dropped, and when its words are the first
two or more words of a name, in order, the last perhaps cut short, it is that name: 0.95
("SIERRA VISTA WATER" for "Sierra Vista Water District"). A misspelled legal form ("Compny")
counts as the legal form.

The index is bounded: candidate names come from the payer's words through an inverted index, a
prefix search over the sorted vocabulary (at most 40 words) and a one-deletion index for typos;
only the 12 names with the most shared weight are scored in full, and results are cached by name.
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

LEGAL = frozenset(
    [
        "inc",
        "incorporated",
        "llc",
        "llp",
        "lp",
        "ltd",
        "limited",
        "co",
        "corp",
        "corporation",
        "company",
        "pc",
        "pllc",
        "plc",
        "pa",
    ]
)
STOP = frozenset(["the", "of", "and", "or", "at"])
ABBREVIATIONS = {
    "intl": "international",
    "bro": "brother",
    "bros": "brother",
    "svc": "service",
    "svcs": "service",
    "srvc": "service",
    "srvcs": "service",
    "mgmt": "management",
    "mgt": "management",
    "assn": "association",
    "assoc": "associate",
    "dept": "department",
    "dist": "district",
    "sch": "school",
    "schl": "school",
    "cnty": "county",
    "ctr": "center",
    "cntr": "center",
    "centre": "center",
    "mfg": "manufacturing",
    "natl": "national",
    "bldg": "building",
    "constr": "construction",
    "const": "construction",
    "elec": "electric",
    "plbg": "plumbing",
    "plmb": "plumbing",
    "univ": "university",
    "hosp": "hospital",
    "grp": "group",
    "eng": "engineering",
    "engr": "engineering",
    "prop": "property",
    "props": "property",
    "auth": "authority",
    "fdn": "foundation",
    "fndn": "foundation",
    "comm": "community",
    "hts": "height",
    "rlty": "realty",
    "sys": "system",
    "mt": "mount",
    "ft": "fort",
    "mtn": "mountain",
    "twp": "township",
}
PHRASES = {"usd": ("unified", "school", "district")}
_PARTS = re.compile(r"\b(?:d\s*/\s*b\s*/\s*a|d\.b\.a\.?|dba|a\s*/\s*k\s*/\s*a|aka|fka|c\s*/\s*o)\b")
_APOSTROPHES = re.compile(r"['\u2019`]")
_NON_WORD = re.compile(r"[^a-z0-9]+")

EXACT = 1.0
PREFIX = 0.9
TYPO = 0.85
SHORT_TYPO = 0.7
INITIAL = 0.75
INITIAL_WEIGHT = 0.3  # a one-letter word (a middle initial) says little
CUT = 0.95
CUT_LENGTH = 15  # a payer name this long may have been cut by the bank (16, 22, 35 characters)
CANDIDATES = 12
PREFIX_WORDS = 40


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("&", " and ").replace("+", " and ").replace(".", "")
    return _APOSTROPHES.sub("", text)


def _words_of(plain: str) -> tuple[str, ...]:
    words: list[str] = []
    for raw in _NON_WORD.split(plain):
        if not raw or raw in LEGAL or raw in STOP or _misspelled_legal(raw):
            continue
        if raw in PHRASES:
            words.extend(PHRASES[raw])
            continue
        words.append(ABBREVIATIONS.get(raw, raw))
    return tuple(words)


@lru_cache(maxsize=65536)
def _misspelled_legal(word: str) -> bool:
    """ "Compny", "Incorporatd": a legal form with a typo says no more than the legal form."""
    return len(word) >= 5 and any(len(form) >= 5 and one_edit(word, form) for form in LEGAL)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The word without a plural "s": "services" is "service", "brothers" is "brother"."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def name_words(text: str) -> tuple[str, ...]:
    """The words of a name that say who it is (see the module docstring)."""
    return _words_of(_plain(text))


@lru_cache(maxsize=65536)
def name_parts(text: str) -> tuple[tuple[str, ...], ...]:
    """The whole name, then each part around "dba", "aka" or "c/o", as words."""
    plain = _plain(text)
    whole = _words_of(plain)
    parts = [whole] if whole else []
    pieces = _PARTS.split(plain)
    if len(pieces) > 1:
        parts.extend(words for piece in pieces if (words := _words_of(piece)) and words != whole)
    return tuple(parts)


def name_key(text: str) -> str:
    """The form two names share when they are the same name; what a learned alias is stored as."""
    return _key(name_words(text))


def _key(words: tuple[str, ...]) -> str:
    return " ".join(sorted({stem(word) for word in words}))


def one_edit(a: str, b: str) -> bool:
    """True when a and b differ by exactly one letter changed, added, dropped or two swapped."""
    if a == b:
        return False
    la, lb = len(a), len(b)
    if la == lb:
        diffs = [i for i in range(la) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        i = diffs[0]
        return len(diffs) == 2 and diffs[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    if abs(la - lb) != 1:
        return False
    short, long = (a, b) if la < lb else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1 :]


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@dataclass(frozen=True)
class Name:
    customer_id: int
    words: tuple[str, ...]
    alias: bool


@dataclass(frozen=True)
class NameMatch:
    """What the index knows about a payer name."""

    exact: dict[int, bool]  # customer id -> True when it is a learned alias, False the name
    close: tuple[tuple[int, float], ...]  # (customer id, score), best first, exact ones included


class NameIndex:
    def __init__(self) -> None:
        self.names: list[Name] = []
        self.by_key: dict[str, list[int]] = defaultdict(list)
        self.postings: dict[str, list[int]] = defaultdict(list)
        self.by_customer: dict[int, list[int]] = defaultdict(list)
        self.typos: dict[str, set[str]] = defaultdict(set)
        self._vocabulary: list[str] | None = None
        self._cache: dict[str, NameMatch] = {}
        self._weights: dict[str, float] = {}
        self._profiles: dict[tuple[str, ...], tuple[list[str], float]] = {}

    def add(self, customer_id: int, text: str, *, alias: bool = False) -> None:
        for words in name_parts(text):
            self._add(Name(customer_id, words, alias))

    def _add(self, name: Name) -> None:
        key = _key(name.words)
        for known in self.by_key.get(key, ()):
            same = self.names[known]
            if same.customer_id == name.customer_id and same.alias == name.alias:
                return
        index = len(self.names)
        self.names.append(name)
        self.by_key[key].append(index)
        self.by_customer[name.customer_id].append(index)
        for word in set(name.words):
            if word not in self.postings:
                self._vocabulary = None
                if len(word) >= 4:
                    for variant in _deletions(word):
                        self.typos[variant].add(word)
                    self.typos[word].add(word)
            self.postings[word].append(index)
        self._cache.clear()
        self._weights.clear()
        self._profiles.clear()

    # -- weights --------------------------------------------------------------------------------

    def weight(self, word: str) -> float:
        weight = self._weights.get(word)
        if weight is None:
            if len(word) == 1:
                weight = INITIAL_WEIGHT
            else:
                count = len(self.postings.get(word, ())) or 1
                weight = math.log(1.0 + (len(self.names) + 1) / count)
            self._weights[word] = weight
        return weight

    def vocabulary(self) -> list[str]:
        if self._vocabulary is None:
            self._vocabulary = sorted(self.postings)
        return self._vocabulary

    # -- scoring --------------------------------------------------------------------------------

    def score(
        self, payer: tuple[str, ...], name: tuple[str, ...], *, truncated: bool = False
    ) -> float:
        """How well the payer's words cover the name's and the other way round (0..1).

        `truncated`: the payer is long enough to have been cut by a bank; when its words are the
        name's first words in order (the last perhaps cut short), it is that name, cut: 0.95.
        """
        if not payer or not name:
            return 0.0
        if truncated:
            payer = _without_cut_form(payer)
            if 2 <= len(payer) <= len(name) and payer != name and _cut_from(payer, name):
                return CUT
        words = list(dict.fromkeys(payer))
        others, total_name = self._profile(name)
        last = len(payer) - 1
        # every pair that counts, the best first: each word pairs with at most one
        pairs = [(EXACT, i, others.index(word)) for i, word in enumerate(words) if word in others]
        used_words = {i for _, i, _ in pairs}
        used_others = {j for _, _, j in pairs}
        rest = [
            (quality, i, j)
            for i, word in enumerate(words)
            if i not in used_words
            for j, other in enumerate(others)
            if j not in used_others and (quality := _pair(word, other, last=i == last))
        ]
        if len(rest) > 1:
            rest.sort(key=lambda pair: (-pair[0], pair[1], pair[2]))
        pairs.extend(rest)
        used_words, used_others = set(), set()
        matched_payer = matched_name = total_payer = 0.0
        for quality, i, j in pairs:
            if i in used_words or j in used_others:
                continue
            used_words.add(i)
            used_others.add(j)
            other_weight = self.weight(others[j])
            weight = INITIAL_WEIGHT if quality == INITIAL else other_weight
            matched_payer += quality * weight
            matched_name += quality * other_weight
            total_payer += weight
        for i, word in enumerate(words):
            if i not in used_words:
                total_payer += self.weight(word if word in self.postings else "")
        return min(matched_payer / total_payer, matched_name / total_name)

    def _profile(self, name: tuple[str, ...]) -> tuple[list[str], float]:
        """A name's distinct words and their total weight, kept until the next name is added."""
        profile = self._profiles.get(name)
        if profile is None:
            others = list(dict.fromkeys(name))
            profile = (others, sum(self.weight(other) for other in others))
            self._profiles[name] = profile
        return profile

    def similarity(self, payer: str, customer_id: int) -> float:
        """The best score of the payer against any name or alias of the customer."""
        best = 0.0
        truncated = len(payer.strip()) >= CUT_LENGTH
        for words in name_parts(payer):
            for index in self.by_customer.get(customer_id, ()):
                score = self.score(words, self.names[index].words, truncated=truncated)
                best = max(best, score)
        return best

    # -- lookup ---------------------------------------------------------------------------------

    def lookup(self, payer: str) -> NameMatch:
        """The customers whose name or alias the payer is, and those it is close to.

        `close` holds the best scores, exact names included (1.0). When the payer is exactly a
        name, `close` also holds the names that contain all its words and score as close
        ("Laura C. Richardson" for "LAURA RICHARDSON"): a bank drops middle initials.
        """
        cached = self._cache.get(payer)
        if cached is not None:
            return cached
        exact: dict[int, bool] = {}
        scores: dict[int, float] = {}
        truncated = len(payer.strip()) >= CUT_LENGTH
        parts = name_parts(payer)
        for words in parts:
            for index in self.by_key.get(_key(words), ()):
                name = self.names[index]
                exact[name.customer_id] = exact.get(name.customer_id, False) or name.alias
                scores[name.customer_id] = 1.0
        for words in parts:
            candidates = self._supersets(words) if exact else self._candidates(words, truncated)
            for index in candidates:
                name = self.names[index]
                if name.customer_id in exact:
                    continue
                score = self.score(words, name.words, truncated=truncated)
                if score > scores.get(name.customer_id, 0.0):
                    scores[name.customer_id] = score
        close = tuple(sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))[:8])
        result = NameMatch(exact, close)
        if len(self._cache) > 100_000:
            self._cache.clear()
        self._cache[payer] = result
        return result

    def _supersets(self, words: tuple[str, ...]) -> list[int]:
        """The names holding every one of the words (a plural "s" aside) and more, at most 50."""
        postings = sorted(
            (
                {i for form in {word, stem(word), word + "s"} for i in self.postings.get(form, ())}
                for word in set(words)
            ),
            key=len,
        )
        if not postings or not postings[0]:
            return []
        found = set(postings[0])
        for more in postings[1:]:
            found.intersection_update(more)
        return sorted(found)[:50]

    def _candidates(self, words: tuple[str, ...], truncated: bool = False) -> list[int]:
        shared: dict[int, float] = defaultdict(float)
        vocabulary = self.vocabulary()
        last = len(words) - 1
        initials = [word for word in words if len(word) == 1]
        for position, word in enumerate(dict.fromkeys(words)):
            similar: set[str] = set()
            for form in {word, stem(word), word + "s"}:
                if form in self.postings:
                    similar.add(form)
            shortest = (2 if truncated else 3) if position == last else 4
            if len(word) >= shortest:
                start = bisect.bisect_left(vocabulary, word)
                for other in vocabulary[start : start + PREFIX_WORDS]:
                    if not other.startswith(word):
                        break
                    similar.add(other)
            for form in {word, stem(word)} if len(word) >= 4 else ():
                similar.update(self.typos.get(form, ()))
                for variant in _deletions(form):
                    similar.update(self.typos.get(variant, ()))
            for other in list(similar):  # and their plurals and singulars
                for form in (other + "s", stem(other)):
                    if form in self.postings:
                        similar.add(form)
            for other in similar:
                weight = self.weight(other)
                for index in self.postings[other]:
                    shared[index] += weight
        if initials:  # "M Garcia": among the Garcias, those with a word starting with M
            for index in shared:
                firsts = {word[0] for word in self.names[index].words}
                shared[index] += sum(INITIAL_WEIGHT for letter in initials if letter in firsts)
        best = sorted(shared.items(), key=lambda pair: -pair[1])[:CANDIDATES]
        return [index for index, _ in best]


@lru_cache(maxsize=262144)
def _pair(word: str, other: str, *, last: bool) -> float:
    if word == other or stem(word) == stem(other):
        return EXACT
    shortest = 3 if last else 4
    if (len(word) >= shortest and other.startswith(word)) or (
        len(other) >= 4 and word.startswith(other)
    ):
        return PREFIX
    long = max(len(word), len(other)) >= 5
    for one, two in ((word, other), (stem(word), stem(other))):
        if min(len(word), len(other)) >= 4 and one_edit(one, two):
            if long or sorted(one) == sorted(two):
                return TYPO
            return SHORT_TYPO  # "Woos" for "Wood": four letters, one changed, weaker
    if len(word) == 1 and other.startswith(word):
        return INITIAL
    return 0.0


@lru_cache(maxsize=65536)
def _without_cut_form(payer: tuple[str, ...]) -> tuple[str, ...]:
    """Without a last word that is the start of a legal form ("LL", "INCORP", "COR")."""
    last = payer[-1] if payer else ""
    if len(payer) > 1 and any(form.startswith(last) for form in CUT_FORMS):
        return payer[:-1]
    return payer


CUT_FORMS = LEGAL | STOP | {"dba"}


def _cut_from(payer: tuple[str, ...], name: tuple[str, ...]) -> bool:
    """The payer's words are the name's first words, in order, the last perhaps cut short."""
    *whole, last = payer
    if list(name[: len(whole)]) != whole:
        return False
    other = name[len(whole)]
    return other == last or (len(last) >= 2 and other.startswith(last))

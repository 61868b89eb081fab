"""Subjects of items and proposals: the text as typed (shown) and its comparison key (compared).

Kept apart from the operations so the models can set the key on every save.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable

#: The longest subject (and key) the columns hold.
SUBJECT_MAX = 120


def tidy_subject(subject: str) -> str:
    """Return the subject as typed, trimmed and with inner whitespace collapsed (what users see)."""
    return " ".join(subject.split())[:SUBJECT_MAX]


def normalise_subject(subject: str) -> str:
    """Return the comparison key: the letters and digits only, lower case, without accents.

    "Nadarhekken", " nadarhekken ", "nadar-hekken" and "Nádarhekken!" all give "nadarhekken",
    and "tweede verblijven", "tweede-verblijven" and "tweedeverblijven" all give
    "tweedeverblijven": the one function used when an item or proposal is saved (the models
    set ``subject_key`` with it) and when a comparison looks it up. Dutch writes a compound
    joined, hyphenated or (in reglement titles) apart, so spaces, hyphens and every other
    punctuation mark or symbol are dropped.

    Migration 0022 holds a frozen copy of these rules; change both together (the test
    ``test_the_migration_normalises_subjects_as_the_app_does`` compares them).
    """
    decomposed = unicodedata.normalize("NFKD", subject.casefold())
    # Dropping combining marks takes the accent of a decomposed letter (é = e + ´).
    kept = "".join(char for char in decomposed if char.isalnum() and not unicodedata.combining(char))
    return kept[:SUBJECT_MAX]


def spelling(spellings: Iterable[tuple[str, bool]]) -> str:
    """Return the spelling to show for one key, from (typed subject, is the own municipality's) pairs.

    The own municipality's spelling wins (its most common one); otherwise the most common
    spelling; ties alphabetically. Empty when there is no spelling at all.
    """
    own: Counter[str] = Counter()
    every: Counter[str] = Counter()
    for subject, is_own in spellings:
        every[subject] += 1
        if is_own:
            own[subject] += 1
    counts = own or every
    if not counts:
        return ""
    return min(counts, key=lambda s: (-counts[s], s))

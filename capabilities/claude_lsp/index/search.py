"""Fuzzy ranking of symbol names for workspace/symbol, fast enough to run on every keystroke.

Names are ranked in four tiers: the whole name (exact), a prefix, a prefix of the name's word
initials (`gcp` for `get_current_process` or `getCurrentProcess`), then any subsequence; all
case-insensitive. Within a tier, names that also match in the query's own case come first,
then shorter names, then in case-insensitive alphabetical order.

The table keeps the distinct lowercase names sorted and the initials sorted (bisect answers
the first three tiers), and the names containing a character joined into one string (one
regex scan over those containing the query's rarest character answers the fourth), so a
query over the ~50,000 distinct names of the CPython standard library costs a few
milliseconds rather than a Python loop over every name.
"""

from __future__ import annotations

import bisect
import heapq
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from claude_lsp.index.model import Definition

# A word starts after a non-alphanumeric (or at the start), at a lower-to-upper hump
# (getName), and at the last capital of an acronym followed by a word (HTTPServer).
_WORD_START = re.compile(r"(?<![^\W_])[^\W_]|(?<=[a-z0-9])[A-Z]|(?<=[A-Z])[A-Z](?=[a-z])")
# In a name of one case (snake_case, ALL_CAPS) only separators start words.
_SEGMENT_START = re.compile(r"(?<![^\W_])[^\W_]")
# Above this many names changed since the last query, re-sorting beats bisect inserts.
_REBUILD_AFTER = 512
# Identifier characters, the most common first: the share of the CPython standard library's
# distinct names containing each ranges from 90% (e) to under 1% (9).
_COMMON_FIRST = "ets_arioncldpumgfhbykwvxz2q130j468579"
_COMMONNESS = {char: len(_COMMON_FIRST) - rank for rank, char in enumerate(_COMMON_FIRST)}
# Sorts after every string that starts with a given prefix.
_AFTER_PREFIX = "\U0010ffff"


@dataclass(frozen=True)
class SymbolHit:
    """One definition found by a search, and the file it is in."""

    path: Path
    definition: Definition


def initials(name: str) -> str:
    """The first character of each word of `name` (snake_case, camelCase), in its case."""
    one_case = name.islower() or name.isupper()
    if one_case and name.isalnum():
        return name[0]  # a single word, the commonest case
    return "".join((_SEGMENT_START if one_case else _WORD_START).findall(name))


def _subsequence_steps(query: str) -> str:
    """Regex steps matching `query` as a subsequence of one line, without backtracking.

    Each step skips, possessively, what cannot be the next query character: the leftmost
    match is the one that decides, so the scan is linear in the text.
    """
    return "".join(f"[^\\n{re.escape(char)}]*+{re.escape(char)}" for char in query)


class NameTable:
    """The distinct names of a workspace, and the sorted views that ranking needs."""

    def __init__(self) -> None:
        # lowercase name -> the name that lowercases to it, or the names, sorted ("Path",
        # "path"): a plain string for the great majority, which saves memory
        self._by_lower: dict[str, str | tuple[str, ...]] = {}
        self._initials: dict[str, str] = {}
        # Derived and refreshed lazily: the sorted lowercase names; "<initials>\0<name>"
        # strings, sorted, with the initials lowercased; and per character, the lowercase
        # names that contain it, each after a "\n" (built sorted when a query needs it,
        # names added later appended).
        self._sorted_lower: list[str] = []
        self._sorted_initials: list[str] = []
        self._containing: dict[str, str] = {}
        self._added: set[str] = set()
        # name -> its initials, for names discarded since the last refresh
        self._removed: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._initials)

    def __contains__(self, name: object) -> bool:
        return name in self._initials

    def add(self, name: str, name_initials: str) -> None:
        """Make `name` findable; `name_initials` is `initials(name)`, which the index gets
        precomputed (adding a name twice is harmless)."""
        if name in self._initials:
            return
        self._initials[name] = name_initials
        lower = name.lower()
        same = self._by_lower.get(lower)
        if same is None:
            self._by_lower[name if lower == name else lower] = name
        else:
            self._by_lower[lower] = tuple(sorted((*_spellings(same), name)))
        if name in self._removed:
            del self._removed[name]
        else:
            self._added.add(name)

    def discard(self, name: str) -> None:
        """Forget `name` (forgetting an unknown name is harmless)."""
        found = self._initials.pop(name, None)
        if found is None:
            return
        lower = name.lower()
        rest = tuple(other for other in _spellings(self._by_lower[lower]) if other != name)
        if not rest:
            del self._by_lower[lower]
        else:
            self._by_lower[lower] = rest[0] if len(rest) == 1 else rest
        if name in self._added:
            self._added.discard(name)
        else:
            self._removed[name] = found

    def refresh(self) -> None:
        """Bring the sorted views up to date; `rank` does this itself when needed.

        While an index builds, a query comes between batches of a thousand new names or so:
        those are sorted on their own and merged in (Timsort merges two sorted runs in
        linear time), where sorting all the names again took 20-70 ms.
        """
        if not self._added and not self._removed:
            return
        if len(self._removed) > _REBUILD_AFTER:
            self._sorted_lower = sorted(self._by_lower)
            self._sorted_initials = sorted(
                f"{found.lower()}\0{name}" for name, found in self._initials.items()
            )
            self._containing.clear()
        else:
            for name, found in self._removed.items():
                lower = name.lower()
                if lower not in self._by_lower:
                    _remove_sorted(self._sorted_lower, lower)
                _remove_sorted(self._sorted_initials, f"{found.lower()}\0{name}")
            new_keys = self._add_sorted()
            if self._removed:
                self._containing.clear()
            else:
                self._extend_containing(new_keys)
        self._added.clear()
        self._removed.clear()

    def _add_sorted(self) -> list[str]:
        """Put the added names into the sorted views; the lowercase names new to them."""
        keys, pairs = self._sorted_lower, self._sorted_initials
        new_keys = []
        for lower in sorted({name.lower() for name in self._added}):
            at = bisect.bisect_left(keys, lower)
            if at == len(keys) or keys[at] != lower:
                new_keys.append(lower)
        new_pairs = sorted(f"{self._initials[name].lower()}\0{name}" for name in self._added)
        if len(self._added) <= _REBUILD_AFTER:
            for key in new_keys:
                bisect.insort(keys, key)
            for pair in new_pairs:
                bisect.insort(pairs, pair)
        else:
            keys += new_keys
            keys.sort()
            pairs += new_pairs
            pairs.sort()
        return new_keys

    def _extend_containing(self, new_keys: list[str]) -> None:
        """Append new names to the per-character texts built so far (`_subsequences`
        sorts what it finds, so these need not stay sorted)."""
        for char, text in self._containing.items():
            more = [key for key in new_keys if char in key]
            if more:
                self._containing[char] = text + "\n" + "\n".join(more)

    def rank(self, query: str, limit: int) -> list[str]:
        """Up to `limit` names matching `query`, best first."""
        self.refresh()
        lower = query.lower()
        found_initials = self._initials
        escaped = re.escape(query)
        tiers: tuple[tuple[Callable[[], Sequence[str]], Callable[[str], object]], ...] = (
            (lambda: _spellings(self._by_lower.get(lower, ())), query.__eq__),
            (lambda: self._prefixed(lower), re.compile(escaped).match),
            (
                lambda: self._by_initials(lower),
                lambda name: found_initials[name].startswith(query),
            ),
            (
                lambda: self._subsequences(lower),
                re.compile(_subsequence_steps(query)).match,
            ),
        )
        ranked: list[str] = []
        seen: set[str] = set()
        for candidates, same_case in tiers:
            if len(ranked) >= limit:
                break
            fresh = [name for name in candidates() if name not in seen]
            seen.update(fresh)
            # Candidates arrive in case-insensitive order and nsmallest is stable, so a
            # length key keeps alphabetical order among names of one length.
            matching_case = [name for name in fresh if same_case(name)]
            ranked += heapq.nsmallest(limit - len(ranked), matching_case, key=len)
            if len(ranked) < limit and len(matching_case) < len(fresh):
                other_case = [name for name in fresh if not same_case(name)]
                ranked += heapq.nsmallest(limit - len(ranked), other_case, key=len)
        return ranked

    def _prefixed(self, lower: str) -> list[str]:
        keys = self._sorted_lower
        start = bisect.bisect_left(keys, lower)
        end = bisect.bisect_left(keys, lower + _AFTER_PREFIX, start)
        by_lower = self._by_lower
        return [name for key in keys[start:end] for name in _spellings(by_lower[key])]

    def _by_initials(self, lower: str) -> list[str]:
        entries = self._sorted_initials
        start = bisect.bisect_left(entries, lower)
        end = bisect.bisect_left(entries, lower + _AFTER_PREFIX, start)
        names = [entry.partition("\0")[2] for entry in entries[start:end]]
        names.sort(key=str.lower)
        return names

    def _subsequences(self, lower: str) -> list[str]:
        if not lower:
            return []  # the prefix tier has every name already
        # Only names containing the query's rarest character can match: scan just those.
        rarest = min(lower, key=lambda char: _COMMONNESS.get(char, 0))
        text = self._containing.get(rarest)
        if text is None:
            with_char = [key for key in self._sorted_lower if rarest in key]
            text = self._containing[rarest] = "\n" + "\n".join(with_char)
        pattern = re.compile(f"\\n({_subsequence_steps(lower)}[^\\n]*)")
        by_lower = self._by_lower
        found = pattern.findall(text)
        found.sort()  # names added since the text was built come after the rest
        # A name with a line break in it (never an identifier) is not found this way.
        return [name for key in found for name in _spellings(by_lower.get(key, ()))]


def _spellings(names: str | tuple[str, ...]) -> tuple[str, ...]:
    """The names a `_by_lower` value stands for."""
    return (names,) if isinstance(names, str) else names


def _remove_sorted(items: list[str], item: str) -> None:
    at = bisect.bisect_left(items, item)
    if at < len(items) and items[at] == item:
        del items[at]

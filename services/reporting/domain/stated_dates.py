"""The dates a plan text states, and what it says each one is.

Read in the forms the plan file writes: "30. november 2025", "30. november" (the year of the
next date in the clause, else the plan year), "30 November 2025", "November 30, 2025" and
"2025-11-30". A date after "fra" / "from" or "i stedet for" / "instead of" is the one the text
says a thing has now; a date after "til" / "to", or before "i stedet for" / "instead of", is a
new one it proposes; any other date is simply stated. Pure: the standard library only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

MONTHS = {name: n for n, names in enumerate((
    ("januar", "january"), ("februar", "february"), ("marts", "march"), ("april",),
    ("maj", "may"), ("juni", "june"), ("juli", "july"), ("august",), ("september",),
    ("oktober", "october"), ("november",), ("december",)), start=1) for name in names}

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DATE = re.compile(
    rf"\b(?:(?P<iso>\d{{4}}-\d{{2}}-\d{{2}})"
    rf"|(?P<day>\d{{1,2}})\.?\s+(?P<month>{_MONTH})(?:\s+(?P<year>\d{{4}}))?"
    rf"|(?P<month2>{_MONTH})\s+(?P<day2>\d{{1,2}}),?\s+(?P<year2>\d{{4}}))\b",
    re.IGNORECASE)
# a clause ends at a semicolon, or at a full stop (not a day's "30.") before a capital letter
_CLAUSE_END = re.compile(r";\s*|(?<!\b\d)(?<!\b\d\d)[.!?]\s+(?=[\"'‘“(]?[A-ZÆØÅ])")
_WAS_BEFORE = re.compile(r"\b(?:fra|from|i stedet for|instead of)\s*$", re.IGNORECASE)
_NEW_BEFORE = re.compile(r"\b(?:til|to)\s*$", re.IGNORECASE)
_NEW_AFTER = re.compile(r"^\s*\)?\s*(?:i stedet for|instead of)\b", re.IGNORECASE)


class Says(StrEnum):
    """What a text says a date is."""

    WAS = "was"  # what the thing has now (the date a change moves it from)
    NEW = "new"  # a date it proposes (the date a change moves it to)
    STATED = "stated"  # no change word: the thing's date, as the text has it


@dataclass(frozen=True)
class StatedDate:
    day: date
    says: Says


def clauses(text: str) -> list[str]:
    """The text's sentences, split also at semicolons."""
    return [c for c in _CLAUSE_END.split(text) if c.strip()]


def stated_dates(clause: str, default_year: int) -> list[StatedDate]:
    """The dates one clause states, in order; words that only look like dates are skipped."""
    found: list[tuple[int, int, int | None, int, int]] = []
    for m in _DATE.finditer(clause):
        if m["iso"]:
            y, mo, d = (int(p) for p in m["iso"].split("-"))
            found.append((m.start(), m.end(), y, mo, d))
        elif m["day"]:
            found.append((m.start(), m.end(), int(m["year"]) if m["year"] else None,
                          MONTHS[m["month"].lower()], int(m["day"])))
        else:
            found.append((m.start(), m.end(), int(m["year2"]), MONTHS[m["month2"].lower()],
                          int(m["day2"])))
    out = []
    for n, (start, end, year, month, day) in enumerate(found):
        # "fra 30. september til 30. november 2025": the year given last holds for both
        year = year or next((f[2] for f in found[n + 1:] if f[2] is not None), default_year)
        try:
            when = date(year, month, day)
        except ValueError:
            continue
        before = clause[found[n - 1][1] if n else 0:start]
        if _WAS_BEFORE.search(before):
            says = Says.WAS
        elif _NEW_BEFORE.search(before) or _NEW_AFTER.match(clause[end:]):
            says = Says.NEW
        else:
            says = Says.STATED
        out.append(StatedDate(when, says))
    return out

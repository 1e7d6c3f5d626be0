"""Calendar quarters in Danish time: `2025Q2` covers 1 April 2025 00:00 up to, not including,
1 July 2025 00:00 in Copenhagen (2025-03-31T22:00Z .. 2025-06-30T22:00Z)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Europe/Copenhagen")

_PATTERN = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """`2025Q2` or `2025-Q2`; raises ValueError with a sentence otherwise."""
        match = _PATTERN.match(text.strip())
        if not match or not 2000 <= int(match.group(1)) <= 2100:
            raise ValueError(f"{text!r} is not a quarter like 2025Q2")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def containing(cls, moment: datetime) -> Quarter:
        moment = moment.astimezone(LOCAL)
        return cls(moment.year, (moment.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def start(self) -> datetime:
        """The first instant of the quarter (inclusive)."""
        return datetime(self.year, 3 * (self.number - 1) + 1, 1, tzinfo=LOCAL)

    @property
    def end(self) -> datetime:
        """The first instant after the quarter: the cut-off (exclusive)."""
        return self.next().start

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * (self.number - 1) + 1, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    def next(self) -> Quarter:
        if self.number == 4:
            return Quarter(self.year + 1, 1)
        return Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        if self.number == 1:
            return Quarter(self.year - 1, 4)
        return Quarter(self.year, self.number - 1)

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

"""Client fingerprints: which votes came from one caller, told apart without keeping who it was.

The edge fingerprints each API vote's caller (address and user agent) for the hold rules
(`holds.py`): `fingerprint` is an HMAC-SHA256 under a random key of the UTC day the vote was
cast, not a plain hash, which anyone could reverse by hashing every IPv4 address (2^32 tries)
with common user agents. Keys live in `voting.client_keys`, one per day, made on first use, and
are destroyed `VOTING_CLIENT_KEY_DAYS` (30) days after their day: from then on nobody, the
operators included, can tell which address a fingerprint stands for, in the database, the
topic, the archive or a backup. Until then whoever reads the database could test addresses
against that day's fingerprints; the retention bounds how long (a month lets staff look into
a held burst an office complains about, and no key outlives the moderation of its votes).

A fingerprint travels in `vote.cast` and is stored with the vote: the hold decisions are a
function of the votes' fingerprints as the events carry them, so a replay reaches the same
holds without any key, however long after. The price of daily keys: one caller's votes on
either side of midnight (UTC) carry two fingerprints, so a burst that straddles it is counted
as two halves.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, date, datetime, timedelta

KEY_BYTES = 32
FINGERPRINT_CHARS = 32  # 128 bits of the HMAC, as hex


def key_day(at: datetime) -> date:
    """The day whose key fingerprints a vote cast at `at`."""
    return at.astimezone(UTC).date()


def fingerprint(key: bytes, address: str, user_agent: str | None) -> str:
    """The caller's fingerprint under one day's key: equal for equal callers on that day,
    unrelated across days, and not reversible once the key is gone."""
    who = f"{address}|{user_agent or ''}".encode()
    return hmac.new(key, who, hashlib.sha256).hexdigest()[:FINGERPRINT_CHARS]


def destroy_before(today: date, keep_days: int) -> date:
    """The first day whose key is kept: keys of earlier days are destroyed."""
    return today - timedelta(days=keep_days)

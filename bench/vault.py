"""Sealing and opening participant text with the key vault, on the embedded PostgreSQL.

    .venv/bin/python bench/vault.py [--texts 20000] [--people 2000] [--batch 500]

`--texts` idea texts (title, ~400 characters of body, three tags) written by `--people`
participants are sealed with `vault.seal_many` in batches of `--batch` (keys made on first use,
then read), then opened with `vault.open_many` in the same batches (one query per batch, as the
projections do) and, for comparison, one query per text (what a per-record lookup would cost).
Also printed: AES-GCM alone on the same texts in this process (no database), the floor.
Uses DATABASE_URL when set; otherwise starts the embedded database (and broker).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the project root instead of bench/, whose limits.py would shadow the `limits` package
sys.path[0] = str(ROOT)

from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402

from services.infra import db, vault  # noqa: E402
from services.infra.logging import configure_logging  # noqa: E402
from services.infra.settings import Settings  # noqa: E402
from services.infra.stack import Infrastructure  # noqa: E402


def texts(n: int, people: int, run: str) -> list[tuple[str, dict[str, object]]]:
    body = ("Vi foreslår flere bænke langs kanalen, så ældre kan hvile på vej til lægehuset. "
            * 5)[:400]
    return [(f"bench-{run}-{i % people}", {"title": f"Bænke ved kanalen {i}", "body": body,
                                          "tags": ["byrum", "ældre", "kanal"]})
            for i in range(n)]


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:>10,.0f} texts/s ({seconds:.2f} s)"


async def main(n: int, people: int, batch: int) -> None:
    configure_logging("WARNING", json=True)
    infra = None
    url = os.environ.get("DATABASE_URL")
    if not url:
        infra = Infrastructure(
            Settings(ideastorm_home=Path(tempfile.mkdtemp(prefix="bench-vault-"))), fresh_db=True)
        url = infra.start().database_url
    assert url
    try:
        pool = await db.create_pool(url)
        await vault.setup(pool)
        items = texts(n, people, str(time.time_ns()))
        chunks = [items[i:i + batch] for i in range(0, n, batch)]
        async with pool.acquire() as conn:
            started = time.perf_counter()
            sealed = []
            for chunk in chunks:
                async with conn.transaction():
                    sealed += await vault.seal_many(conn, chunk)
            seal_s = time.perf_counter() - started
            started = time.perf_counter()
            for i in range(0, n, batch):
                async with conn.transaction():
                    await vault.open_many(conn, sealed[i:i + batch])
            batch_s = time.perf_counter() - started
            started = time.perf_counter()
            some = sealed[: min(n, 5_000)]
            for s in some:
                await vault.open_many(conn, [s])
            single_s = time.perf_counter() - started
        await pool.close()
        secret = AESGCM.generate_key(bit_length=256)
        started = time.perf_counter()
        for _, fields in items:
            AESGCM(secret).encrypt(os.urandom(12), repr(fields).encode(), None)
        aes_s = time.perf_counter() - started
        print(f"vault: {n:,} texts by {people:,} participants, batches of {batch}, "
              f"{os.cpu_count()} cores shared")
        print(f"  seal_many (keys made on first use): {rate(n, seal_s)}")
        print(f"  open_many, one query per batch:     {rate(n, batch_s)}")
        print(f"  open, one query per text:           {rate(len(some), single_s)}")
        print(f"  AES-GCM alone, no database:         {rate(n, aes_s)}")
    finally:
        if infra is not None:
            infra.stop()


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=20_000)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    asyncio.run(main(args.texts, args.people, args.batch))

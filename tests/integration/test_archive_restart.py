"""The embedded default keeps everything across restarts: `ideastorm up` stopped with SIGTERM, and
once with SIGKILL of every process, in the middle of a Pabulib import, starts again with every
event restored, and ends with the official counts and the same tables as a run never stopped.
An export of the log rebuilds a fresh installation with the same tables."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from clients import pabulib
from services.voting import queries
from tests.conftest import DATA
from tests.helpers import eventually
from tests.integration.archive_support import (
    ROOT,
    Up,
    caught_up,
    env_for,
    ideastorm,
    needs_embedded,
    new_home,
    table_digest,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ELECTION = DATA / "netherlands_amsterdam_647.pb"


def start_import(home: Path) -> subprocess.Popen[bytes]:
    """`ideastorm import-pabulib` against the system `ideastorm up` serves on `home`."""
    with (home / "import.out").open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "services.cli", "import-pabulib", str(ELECTION), "--check",
             "--timeout", "240"], cwd=ROOT, env=env_for(home), stdout=out,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def finish_import(home: Path) -> str:
    proc = start_import(home)
    assert proc.wait(300) == 0, (home / "import.out").read_text()[-3000:]
    return (home / "import.out").read_text()


async def count(dsn: str, sql: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval(sql) or 0)
    except asyncpg.UndefinedTableError:
        return 0
    finally:
        await conn.close()


VOTES = "SELECT count(*) FROM voting.votes"
ARCHIVED = "SELECT coalesce(sum(next_offset), 0) FROM archive.heads"


async def decided(dsn: str, election: pabulib.Election) -> dict[str, int]:
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=1)
    assert pool is not None
    try:
        return await queries.decided_votes(pool, pabulib.campaign_id(election))
    finally:
        await pool.close()


@pytest.fixture(scope="module")
def reference() -> Iterator[tuple[dict[str, tuple[int, str]], Path, int]]:
    """An import never stopped: its tables, an export of its log, and how many events."""
    needs_embedded()
    home = new_home("ideastorm-archive-ref-")
    up = Up(home).start()
    try:
        assert "19/19 ideas match" in finish_import(home)
        asyncio.run(eventually(lambda: caught_up(up.dsn), bool, timeout=120,
                               what="every consumer at the end of the log"))
        # the workers still publish now and then (signed log heads, replays of closed
        # campaigns): take the tables and the export as one consistent snapshot, that is, again
        # until nothing was archived between the first look and the last
        for _ in range(10):
            before = asyncio.run(count(up.dsn, ARCHIVED))
            digest = asyncio.run(table_digest(up.dsn))
            exported = ideastorm(home, "log", "export", "--out", str(home / "export"))
            assert exported.returncode == 0, exported.stderr[-3000:]
            events = asyncio.run(count(up.dsn, ARCHIVED))
            if events == before and f"{events} events written" in exported.stdout + \
                    exported.stderr and asyncio.run(table_digest(up.dsn)) == digest:
                break
            shutil.rmtree(home / "export", ignore_errors=True)
        else:
            raise AssertionError("the log kept growing: no consistent export in 10 tries")
        assert up.terminate() == 0
        yield digest, home / "export", events
    finally:
        if up.proc and up.proc.poll() is None:
            up.kill_everything()
        shutil.rmtree(home, ignore_errors=True)


async def test_sigterm_and_sigkill_mid_import_lose_nothing_and_apply_nothing_twice(
    reference: tuple[dict[str, tuple[int, str]], Path, int],
) -> None:
    election = pabulib.parse(ELECTION.read_bytes())
    home = new_home("ideastorm-archive-restart-")
    up = await asyncio.to_thread(Up(home, "up-1").start)
    try:
        assert up.restored == 0
        dsn = up.dsn
        importing = start_import(home)
        await eventually(lambda: count(dsn, VOTES), lambda n: n >= 2_000, timeout=120,
                         what="2,000 votes applied")
        # 1. SIGTERM in the middle of the import
        assert await asyncio.to_thread(up.terminate) == 0, up.text()[-3000:]
        importing.terminate()
        await asyncio.to_thread(importing.wait, 30)
        up = await asyncio.to_thread(Up(home, "up-2").start)
        # the workers may publish as soon as they start (the voting service announces its
        # figures), so the archive can hold more by now than the broker got back
        archived = await count(dsn, ARCHIVED)
        assert 2_000 < up.restored <= archived
        # the broker had nothing; the consumers resumed from their stored offsets
        assert (await decided(dsn, election)).get("counted", 0) >= 2_000

        # 2. SIGKILL of every process while the import publishes again
        importing = start_import(home)
        await eventually(lambda: count(dsn, ARCHIVED), lambda n: n > archived + 1_000,
                         timeout=120, what="the second import publishing")
        killed = await asyncio.to_thread(up.kill_everything, [importing])
        assert killed >= 7  # up, 3 workers, gateway, broker, the database, the importer
        up = await asyncio.to_thread(Up(home, "up-3").start)
        archived_now = await count(dsn, ARCHIVED)
        assert archived < up.restored <= archived_now

        # 3. the import finishes; tallies match the official counts, every vote decided once
        assert "19/19 ideas match" in await asyncio.to_thread(finish_import, home)
        assert await decided(dsn, election) == {"counted": election.vote_count, "parked": 0}
        ref_digest, _, _ = reference
        await eventually(lambda: caught_up(dsn), bool, timeout=120,
                         what="every consumer at the end of the log")
        assert await table_digest(dsn) == ref_digest
        verified = await asyncio.to_thread(ideastorm, home, "log", "verify")
        assert verified.returncode == 0 and "chain intact" in verified.stdout, verified.stderr
        assert await asyncio.to_thread(up.terminate) == 0
    finally:
        if up.proc and up.proc.poll() is None:
            up.kill_everything()
        shutil.rmtree(home, ignore_errors=True)


async def test_an_export_rebuilds_a_fresh_installation_with_the_same_tables(
    reference: tuple[dict[str, tuple[int, str]], Path, int],
) -> None:
    ref_digest, export, events = reference
    home = new_home("ideastorm-archive-import-")
    up: Up | None = None
    try:
        loaded = await asyncio.to_thread(ideastorm, home, "log", "import", str(export))
        assert loaded.returncode == 0, loaded.stderr[-3000:]
        assert f"{events} events loaded" in loaded.stdout
        up = await asyncio.to_thread(Up(home).start)
        assert up.restored == events
        dsn = up.dsn
        try:
            await eventually(lambda: table_digest(dsn), lambda d: d == ref_digest, timeout=120,
                             what="the rebuilt tables equal to the original ones")
        except AssertionError:
            now = await table_digest(dsn)
            differ = {t: (ref_digest.get(t), now.get(t)) for t in set(ref_digest) | set(now)
                      if ref_digest.get(t) != now.get(t)}
            raise AssertionError(f"tables that differ (original, rebuilt): {differ}") from None
        # a second import into the same installation is refused
        again = await asyncio.to_thread(ideastorm, home, "log", "import", str(export))
        assert again.returncode == 1 and "fresh" in again.stderr
        assert await asyncio.to_thread(up.terminate) == 0
    finally:
        if up is not None and up.proc and up.proc.poll() is None:
            up.kill_everything()
        shutil.rmtree(home, ignore_errors=True)


def _rewrite(path: Path, edit: object) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    assert callable(edit)
    path.write_bytes(b"".join(edit(lines)))


@pytest.mark.parametrize(("damage", "offset", "says"), [
    ("truncated", 99, "missing at the end"),
    ("reordered", 10, "expected offset 10, found 11"),
    ("edited", 20, "does not match its hash"),
])
async def test_a_damaged_export_is_refused_where_it_breaks_and_nothing_is_imported(
    reference: tuple[dict[str, tuple[int, str]], Path, int], tmp_path: Path,
    damage: str, offset: int, says: str,
) -> None:
    _, export, _ = reference
    broken = tmp_path / "export"
    shutil.copytree(export, broken)
    target = broken / "log" / "votes-2.jsonl"
    if damage == "truncated":  # keep the first 99 records
        _rewrite(target, lambda lines: lines[:99])
    elif damage == "reordered":
        _rewrite(target, lambda lines: [*lines[:10], lines[11], lines[10], *lines[12:]])
    else:  # one vote's idea changed: still valid JSON, still a valid event
        def edit(lines: list[bytes]) -> list[bytes]:
            lines[20] = lines[20].replace(b'\\"value\\":1', b'\\"value\\":-1', 1)
            return lines
        before = target.read_bytes()
        _rewrite(target, edit)
        assert target.read_bytes() != before
    home = new_home("ideastorm-archive-broken-")
    try:
        refused = await asyncio.to_thread(ideastorm, home, "log", "import", str(broken))
        assert refused.returncode == 1
        assert f"log/votes-2.jsonl: topic votes partition 2 offset {offset}: " in refused.stderr
        assert says in refused.stderr, refused.stderr[-2000:]
        if damage == "edited":
            verified = await asyncio.to_thread(ideastorm, home, "log", "verify")
            assert verified.returncode == 0 and "0 events" in verified.stdout, verified.stderr
    finally:
        shutil.rmtree(home, ignore_errors=True)

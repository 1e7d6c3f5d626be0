"""`ideastorm erasures reapply`: after restoring a database backup, erase again everyone who
was erased since the backup was taken.

A backup taken before an erasure holds the person's key, profile and plaintext copies. The list
that survives the restore is on the broker: every `participant.erased` event on `status`, which is
kept longer than any backup that may be restored (docs/operations.md). This command reads them all
and, for each, shreds the key and deletes the profile in one transaction recording the erasure as
the event says (who asked, why), exactly as `DELETE /me` does; it also destroys again every key
the restored `vault.shredded` names. Run it BEFORE starting the workers: they then re-read the
topics from the restored offsets, meet the same events, and overwrite the plaintext copies.
Harmless to run again.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import asyncpg

from schemas import topics
from schemas.envelope import RefusedMessage, decode
from schemas.identity import ParticipantErased
from services.identity import projections
from services.identity.notifications import commands as notification_commands
from services.infra import archive, db, vault
from services.infra.kafka import read_from_start
from services.infra.settings import Settings, get_settings


async def reapply(pool: asyncpg.Pool, bootstrap: str) -> tuple[int, int]:
    """(erasures found on the topic, keys destroyed again)."""
    found = destroyed = 0
    async for _, _, raw in read_from_start(bootstrap, topics.STATUS.name):
        try:
            env, payload = decode(raw)
        except RefusedMessage:
            continue  # a message no consumer applies erases no one
        if not isinstance(payload, ParticipantErased):
            continue
        found += 1
        async with pool.acquire() as conn, conn.transaction():
            destroyed += await vault.shred(conn, payload.participant_id)
            await projections.erase(conn, payload.participant_id, requested_by=env.actor,
                                    reason=payload.reason or "", event_id=env.event_id)
    async with pool.acquire() as conn:
        destroyed += await vault.reshred(conn)
    return found, destroyed


async def _run(settings: Settings) -> tuple[int, int]:
    assert settings.database_url and settings.kafka_bootstrap_servers
    pool = await db.create_pool(settings.database_url, min_size=1, max_size=2)
    try:
        await archive.setup(pool)
        await db.migrate(pool, "identity")
        return await reapply(pool, settings.kafka_bootstrap_servers)
    finally:
        await pool.close()


def cmd_reapply(args: argparse.Namespace) -> int:
    settings = get_settings()
    if not (settings.database_url and settings.kafka_bootstrap_servers):
        sys.stderr.write("erasures reapply: set DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS (the"
                         " restored database and the cluster that kept the topics)\n")
        return 2
    found, destroyed = asyncio.run(_run(settings))
    sys.stdout.write(f"{found} erasures on the topic re-applied; {destroyed} keys destroyed"
                     " again\n")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("erasures", help="re-apply erasures after restoring a database backup")
    actions = p.add_subparsers(dest="action", required=True)
    r = actions.add_parser("reapply", help="erase again everyone erased on the topics")
    r.set_defaults(func=cmd_reapply)
    notification_commands.register(sub)

"""A write the gateway answered with 202 is durable before the answer: SIGKILL of every process
right after 100 accepted writes loses none of them. A second `ideastorm up` on the same home is
refused."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from services.infra.auth import mint_token
from services.infra.settings import Settings
from tests.helpers import eventually
from tests.integration.archive_support import Up, ideastorm, needs_embedded, new_home

pytestmark = [pytest.mark.integration, pytest.mark.slow]


async def test_100_accepted_writes_survive_sigkill_of_every_process() -> None:
    needs_embedded()
    home = new_home("ideastorm-archive-accepted-")
    up = await asyncio.to_thread(Up(home, "up-1").start)
    try:
        second = await asyncio.to_thread(ideastorm, home, "up")
        assert second.returncode == 1
        assert "already running on" in second.stderr and str(up.proc and up.proc.pid) in (
            second.stderr)

        auth = {"Authorization": "Bearer " + mint_token(Settings(ideastorm_env="test"),
                                                        sub="admin-1", roles=["admin"])}
        now = datetime.now(UTC)
        accepted: list[str] = []
        async with httpx.AsyncClient(base_url=up.base_url, timeout=30) as client:
            for i in range(100):
                r = await client.post("/campaigns", headers=auth, json={
                    "title": f"Neighbourhood budget {i}", "question": "What should we fund?",
                    "opens_at": (now - timedelta(minutes=1)).isoformat(),
                    "closes_at": (now + timedelta(days=14)).isoformat()})
                assert r.status_code == 202, r.text
                accepted.append(r.json()["campaign_id"])
        # no wait: the last 202 has just arrived
        await asyncio.to_thread(up.kill_everything)

        up = await asyncio.to_thread(Up(home, "up-2").start)
        assert up.restored >= 100
        async with httpx.AsyncClient(base_url=up.base_url, timeout=30) as client:
            async def visible() -> int:
                codes = await asyncio.gather(*(client.get(f"/campaigns/{c}") for c in accepted))
                return sum(r.status_code == 200 for r in codes)

            await eventually(visible, lambda n: n == 100, timeout=90,
                             what="all 100 accepted campaigns visible after the restart")
        assert await asyncio.to_thread(up.terminate) == 0
    finally:
        if up.proc and up.proc.poll() is None:
            await asyncio.to_thread(up.kill_everything)
        shutil.rmtree(home, ignore_errors=True)

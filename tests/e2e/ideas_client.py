"""A small client for the ideas e2e tests: every write waits until its event is applied."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx


def bearer(tok: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tok}"}


def campaign_body(uid: str, *, moderation: str = "post", opens: timedelta = timedelta(hours=-1),
                  closes: timedelta = timedelta(days=7), **extra: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {"title": f"Shorter waiting times {uid}", "question": "How do we cut queues?",
            "opens_at": (now + opens).isoformat(), "closes_at": (now + closes).isoformat(),
            "moderation": moderation,
            "vote_rules": {"mode": "support", "max_votes_per_participant": 3}, **extra}


class IdeasClient:
    def __init__(self, http: httpx.AsyncClient, token: Callable[..., str], uid: str) -> None:
        self.http, self.token, self.uid = http, token, uid
        self.admin = bearer(token("admin", sub=f"admin-{uid}"))
        self.moderator = bearer(token("moderator", sub=f"mod-{uid}"))

    def participant(self, name: str, sector: str | None = None) -> dict[str, str]:
        return bearer(self.token("participant", sub=f"{name}-{self.uid}", sector=sector))

    async def wait(self, accepted: httpx.Response, path: str = "/campaigns",
                   headers: dict[str, str] | None = None) -> httpx.Response:
        assert accepted.status_code == 202, accepted.text
        r = await self.http.get(path, params={"wait_for": accepted.json()["event_id"]},
                                headers=headers or self.moderator)
        assert r.status_code == 200, r.text
        return r

    async def campaign(self, **kw: Any) -> str:
        r = await self.http.post("/campaigns", json=campaign_body(self.uid, **kw),
                                 headers=self.admin)
        await self.wait(r)
        return str(r.json()["campaign_id"])

    async def submit(self, campaign_id: str, author: dict[str, str], title: str,
                     body: str = "Details follow.") -> str:
        r = await self.http.post(f"/campaigns/{campaign_id}/ideas", headers=author,
                                 json={"title": title, "body": body})
        await self.wait(r, headers=author)
        return str(r.json()["idea_id"])

    async def decide(self, idea_id: str, decision: str, reason: str,
                     **extra: Any) -> httpx.Response:
        r = await self.http.post("/moderation/decisions", headers=self.moderator,
                                 json={"idea_id": idea_id, "decision": decision,
                                       "reason": reason, **extra})
        await self.wait(r)
        return r

    async def idea(self, idea_id: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        r = await self.http.get(f"/ideas/{idea_id}", headers=headers or self.moderator)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    async def queue(self, campaign_id: str) -> list[dict[str, Any]]:
        r = await self.http.get("/moderation/queue", params={"campaign_id": campaign_id},
                                headers=self.moderator)
        assert r.status_code == 200, r.text
        groups: list[dict[str, Any]] = r.json()
        return groups[0]["ideas"] if groups else []

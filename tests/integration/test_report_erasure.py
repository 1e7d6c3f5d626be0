"""Stored quarterly reports after an erasure: the reporting service renders them again in place
from the erased read model (same ids, "[slettet]" where the participant's idea title was), also
one made before later events of its quarter arrived, and making the quarter again gives the
latest one again, byte for byte."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from datetime import date

import asyncpg
import httpx
import pytest

from schemas.campaigns import CampaignCreated
from schemas.envelope import Envelope
from schemas.ideas import IdeaRevised, IdeaSubmitted, IdeaWithdrawn
from schemas.identity import ParticipantErased
from schemas.moderation import IdeaStatus, IdeaStatusChanged
from schemas.plan import (
    ActionPlanDrafted,
    IdeaAdopted,
    InitiativeDefined,
    Period,
    ProgressReported,
    Rag,
    Track,
)
from schemas.reports import ReportTrigger
from services.infra import db, vault
from services.infra.kafka import EventProducer
from services.infra.stack import Stack
from services.reporting.handlers import publish
from services.reporting.report.quarter import Quarter
from services.reporting.report.render_md import escape_md
from tests.helpers import eventually
from tests.integration.test_report_pipeline import (  # noqa: F401
    at,
    pdf_text,
    recorder,
    send,
    settled,
)

pytestmark = pytest.mark.integration

YEAR = 2011  # no other test's data reaches this year's reports
ERASED = vault.ERASED


async def test_a_stored_report_is_rendered_again_without_the_erased_participants_text(
        pool: asyncpg.Pool, producer: EventProducer, recorder: Stack,  # noqa: F811
        http: httpx.AsyncClient, token: Callable[..., str], uid: str) -> None:
    y, staff, author = YEAR, "coi-konsulent-1", f"ana-{uid}"
    title, kept = f"Bænke ved kanalen {uid}", f"Cykelparkering {uid}"
    ini, cid = uuid.uuid4(), uuid.uuid4()
    hers, his = uuid.uuid4(), uuid.uuid4()

    def wrap(payload: object, when: object, actor: str = staff) -> Envelope:
        return Envelope.wrap(payload, actor=actor, occurred_at=when)  # type: ignore[arg-type]

    envs = [
        wrap(ActionPlanDrafted(year=y, title=f"Handlingsplan {y}",
                               tracks=[Track(code="FINDE", title="Finde")]), at(y, 1, 3)),
        wrap(InitiativeDefined(
            initiative_id=ini, year=y, track="FINDE", code="F2", title="Dialog om løsninger",
            description="Idéstorme.", owner=staff,
            period=Period(start=date(y, 1, 1), end=date(y, 12, 31)), budget_dkk=1_000_000),
            at(y, 1, 5)),
        wrap(CampaignCreated(campaign_id=cid, title="Idéstorm", question="Hvad?",
                             opens_at=at(y, 5, 1), closes_at=at(y, 5, 30)), at(y, 4, 25)),
        wrap(IdeaSubmitted(idea_id=hers, campaign_id=cid, title=title, body="Ved vandet."),
             at(y, 5, 2), author),
        wrap(IdeaSubmitted(idea_id=his, campaign_id=cid, title=kept, body="Ved stationen."),
             at(y, 5, 2), f"bo-{uid}"),
    ]
    for iid, t in ((hers, title), (his, kept)):
        envs.append(wrap(IdeaStatusChanged(idea_id=iid, campaign_id=cid,
                                           status=IdeaStatus.PUBLISHED, title=t), at(y, 5, 3)))
        envs.append(wrap(IdeaAdopted(initiative_id=ini, idea_id=iid, decided_by=staff),
                         at(y, 6, 1)))
    await send(producer, pool, envs)
    q = Quarter(y, 2)
    await settled(pool, q.end)  # the ideas service's own reactions are recorded too
    # a report made mid-way, before a later event of the quarter arrived, and the final one
    early = await publish(pool, producer, q, trigger=ReportTrigger.COMMAND)
    await send(producer, pool, [wrap(ProgressReported(
        initiative_id=ini, as_of=date(y, 6, 20), percent=30, rag=Rag.GREEN,
        narrative="Idéerne er taget i brug.", reported_by=staff), at(y, 6, 20))])
    await settled(pool, q.end)
    first = await publish(pool, producer, q, trigger=ReportTrigger.COMMAND)
    assert first.report_id != early.report_id
    assert title in early.files[("da", "md")].decode()
    (f2,) = first.report.initiatives
    assert sorted(f2.adopted_ideas) == sorted([title, kept])
    assert title in first.files[("da", "md")].decode()
    assert title in pdf_text(first.files[("en", "pdf")])
    steering = {"Authorization": f"Bearer {token('steering')}"}

    # the erasure: her key first, then the event, as DELETE /me does
    async with pool.acquire() as conn:
        await vault.shred(conn, author)
    erased = Envelope.wrap(ParticipantErased(participant_id=author, erased_by=author),
                           actor=author)
    await producer.publish(erased)
    await eventually(lambda: db.event_applied(pool, "reporting", erased.event_id),
                     lambda done: done, timeout=90, what="reporting applied the erasure")

    # every stored rendering, served under the same id, shows "[slettet]" and not her title
    listed = (await http.get("/reports", params={"quarter": str(q)},
                             headers=steering)).json()["reports"]
    entry = next(r for r in listed if r["report_id"] == str(first.report_id))
    assert {r["report_id"] for r in listed} == {str(first.report_id), str(early.report_id)}
    assert all(r["rerendered_at"] is not None for r in listed)
    assert entry["content_hash"] != first.report.content_hash  # the figures name her no more
    served: dict[tuple[str, str], bytes] = {}
    for rid, lang, fmt in itertools.product((early.report_id, first.report_id), ("da", "en"),
                                            ("md", "html", "json", "pdf")):
        r = await http.get(f"/reports/{rid}.{fmt}", params={"lang": lang}, headers=steering)
        assert r.status_code == 200, (lang, fmt, r.text)
        if rid == first.report_id:
            served[(lang, fmt)] = r.content
        text = pdf_text(r.content) if fmt == "pdf" else r.content.decode()
        assert title not in text and title.replace(" ", "") not in text, (rid, lang, fmt)
        assert (escape_md(ERASED) if fmt == "md" else ERASED) in text, (rid, lang, fmt)
        assert kept in text, (rid, lang, fmt)  # bo's idea is his own
    data = (await http.get(f"/reports/{first.report_id}.json", params={"lang": "en"},
                           headers=steering)).json()["report"]
    assert data["content_hash"] == entry["content_hash"]
    assert await pool.fetchval(
        "SELECT count(*) FROM reporting.report_files WHERE report_id = ANY($1::uuid[])"
        " AND position($2::bytea in content) > 0", [early.report_id, first.report_id],
        title.encode()) == 0

    # making the quarter again gives that same report: same id, same bytes, not a second one
    again = await publish(pool, producer, q, trigger=ReportTrigger.COMMAND)
    assert again.report_id == first.report_id
    for key in served:
        assert again.files[key] == served[key], key  # type: ignore[index]
    made = await http.post("/reports", json={"quarter": str(q)},
                           headers={"Authorization": f"Bearer {token('planner')}"})
    assert made.status_code == 201, made.text
    assert made.json()["report_id"] == str(first.report_id)
    assert len((await http.get("/reports", params={"quarter": str(q)},
                               headers=steering)).json()["reports"]) == 2


async def test_plain_text_arriving_after_its_authors_erasure_is_stored_erased(
        pool: asyncpg.Pool, producer: EventProducer, recorder: Stack,  # noqa: F811
        uid: str) -> None:
    """Older, unsealed events replayed after the erasure (the topics' order is per topic): what
    the erased author wrote is stored as "[slettet]" when it arrives, also the plain title of a
    status change recorded before the idea's submission told whose it was."""
    author, staff = f"late-{uid}", "coi-konsulent-1"
    cid, iid = uuid.uuid4(), uuid.uuid4()
    title = f"Vandpost ved stranden {uid}"
    async with pool.acquire() as conn:
        await vault.shred(conn, author)
    erased = Envelope.wrap(ParticipantErased(participant_id=author, erased_by=author),
                           actor=author)
    await producer.publish(erased)
    await eventually(lambda: db.event_applied(pool, "reporting", erased.event_id),
                     lambda done: done, timeout=90, what="reporting applied the erasure")

    def wrap(payload: object, actor: str) -> Envelope:
        return Envelope.wrap(payload, actor=actor, occurred_at=at(2012, 5, 2))  # type: ignore[arg-type]

    async def payload(env: Envelope) -> dict[str, object]:
        found: dict[str, object] = await pool.fetchval(
            "SELECT payload FROM reporting.events WHERE event_id = $1", env.event_id)
        return found

    status = wrap(IdeaStatusChanged(idea_id=iid, campaign_id=cid, status=IdeaStatus.PUBLISHED,
                                    title=title), staff)
    await send(producer, pool, [status])
    assert (await payload(status))["title"] == title  # whose idea it is is not known yet
    submitted = wrap(IdeaSubmitted(idea_id=iid, campaign_id=cid, title=title, body="Ved vandet.",
                                   tags=["vand"]), author)
    revised = wrap(IdeaRevised(idea_id=iid, campaign_id=cid, title=f"{title}!", body="Mere.",
                               tags=[]), author)
    withdrawn = wrap(IdeaWithdrawn(idea_id=iid, campaign_id=cid, reason="Flyttet."), author)
    await send(producer, pool, [submitted, revised, withdrawn])
    for env in (submitted, revised):
        p = await payload(env)
        assert (p["title"], p["body"], p["tags"]) == (ERASED, ERASED, []), p
    assert (await payload(withdrawn))["reason"] == ERASED
    assert (await payload(status))["title"] == ERASED
    stored = await pool.fetchval(
        "SELECT count(*) FROM reporting.events WHERE payload::text LIKE $1", f"%{title}%")
    assert stored == 0

"""Computing the quarter's report from recorded events: as-of, per section, deterministic."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from schemas import registry
from schemas.base import REGISTRY
from services.reporting.domain import Fact
from services.reporting.report.compute import CampaignVotes, Inputs, compute
from services.reporting.report.model import DayCount, Rag, fingerprint_of
from services.reporting.report.quarter import Quarter
from services.reporting.report.render import render

pytestmark = pytest.mark.unit

Q2 = Quarter.parse("2025Q2")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class World:
    """Hand-written event history for one plan year."""

    def __init__(self) -> None:
        self.events: list[Fact] = []
        self.ini = str(uuid.uuid4())
        self.ini2 = str(uuid.uuid4())
        self.campaign = str(uuid.uuid4())
        self.ideas = [str(uuid.uuid4()) for _ in range(12)]

    def add(self, type_: str, when: str, actor: str = "staff-1", **payload: Any) -> str:
        registry.load_all()
        event_id = uuid.uuid4()
        model = REGISTRY[type_].model.model_validate(payload)  # as the read model holds it
        self.events.append(Fact(event_id, at(when), at(when), actor, model))
        return str(event_id)

    def plan(self) -> World:
        self.add("plan.drafted", "2025-01-05T09:00", year=2025, title="Handlingsplan 2025",
                 tracks=[{"code": "FINDE", "title": "Finde"},
                         {"code": "SPREDE", "title": "Sprede"}])
        for ini, code, track in ((self.ini, "F1", "FINDE"), (self.ini2, "S1", "SPREDE")):
            self.add("initiative.defined", "2025-01-06T09:00", initiative_id=ini, year=2025,
                     track=track, code=code, title=f"Indsats {code}", description="...",
                     owner="staff-1", period={"start": "2025-01-01", "end": "2025-12-31"},
                     budget_dkk=1_000_000,
                     goals=[{"goal_id": "g1", "title": "Idéer", "indicator": "idéer",
                             "unit": "idéer", "baseline": 0, "target": 50, "due": "2025-12-31"}],
                     milestones=[
                         {"milestone_id": "m1", "title": "Kickoff", "due": "2025-03-01"},
                         {"milestone_id": "m2", "title": "Storm", "due": "2025-06-10"},
                         {"milestone_id": "m3", "title": "Evaluering", "due": "2025-05-01"},
                         {"milestone_id": "m4", "title": "Næste", "due": "2025-08-01"}])
        self.add("progress.reported", "2025-03-20T12:00", initiative_id=self.ini,
                 as_of="2025-03-20", percent=20, rag="green", narrative="God start",
                 reported_by="staff-1")
        self.add("progress.milestone_completed", "2025-03-01T12:00", initiative_id=self.ini,
                 milestone_id="m1", completed_on="2025-03-01")
        return self

    def q2(self) -> World:
        self.add("progress.reported", "2025-06-20T12:00", initiative_id=self.ini,
                 as_of="2025-06-20", percent=40, rag="amber", narrative="Forsinket <b>lidt</b>",
                 reported_by="staff-1")
        self.add("progress.reported", "2025-06-21T12:00", initiative_id=self.ini2,
                 as_of="2025-06-21", percent=10, rag="red", narrative="Mangler ressourcer",
                 reported_by="staff-2")
        self.add("progress.milestone_completed", "2025-06-12T12:00", initiative_id=self.ini,
                 milestone_id="m2", completed_on="2025-06-12")
        self.add("progress.goal_measured", "2025-06-16T12:00", initiative_id=self.ini,
                 goal_id="g1", value=83, measured_on="2025-06-15", source="idéstorm")
        self.add("plan.budget_approved", "2025-02-01T12:00", year=2025, amount_dkk=10_000_000,
                 shares={"state": 4_000_000, "municipalities": 4_000_000, "regions": 2_000_000})
        self.add("steering.meeting_held", "2025-05-10T12:00", meeting_id=str(uuid.uuid4()),
                 held_on="2025-05-10",
                 members_present={"state": 3, "municipalities": 3, "regions": 2},
                 decisions=[], items_for_decision=["Skal idéstormen gentages?"])
        self.add("campaign.created", "2025-05-20T12:00", campaign_id=self.campaign,
                 title="Warszawa 2026", question="?", opens_at="2025-06-01T00:00:00+00:00",
                 closes_at="2025-06-15T00:00:00+00:00", moderation="pre")
        for n, idea in enumerate(self.ideas):
            self.add("idea.submitted", f"2025-06-0{1 + n % 5}T10:00", actor=f"p-{n % 4}",
                     idea_id=idea, campaign_id=self.campaign, title=f"Idé {n:02d}", body="...",
                     sector="municipality" if n % 4 == 0 else None)
        for n, idea in enumerate(self.ideas[:10]):
            self.add("moderation.decided", f"2025-06-0{1 + n % 5}T16:00", idea_id=idea,
                     campaign_id=self.campaign, decision="approve", reason="ok")
            self.add("idea.status_changed", f"2025-06-0{1 + n % 5}T16:00", idea_id=idea,
                     campaign_id=self.campaign, status="published", previous="pending")
        self.add("moderation.decided", "2025-06-06T10:00", idea_id=self.ideas[10],
                 campaign_id=self.campaign, decision="reject", reason="spam")
        self.add("idea.status_changed", "2025-06-06T10:00", idea_id=self.ideas[10],
                 campaign_id=self.campaign, status="rejected", previous="pending")
        # ideas[11] stays in the moderation queue
        self.add("progress.idea_adopted", "2025-06-25T12:00", initiative_id=self.ini,
                 idea_id=self.ideas[3], decided_by="staff-1")
        return self

    def q3(self) -> World:
        self.add("progress.reported", "2025-08-20T12:00", initiative_id=self.ini,
                 as_of="2025-08-20", percent=70, rag="green", narrative="Tilbage på sporet",
                 reported_by="staff-1")
        self.add("moderation.decided", "2025-07-02T10:00", idea_id=self.ideas[11],
                 campaign_id=self.campaign, decision="approve", reason="ok")
        self.add("progress.milestone_completed", "2025-07-03T12:00", initiative_id=self.ini,
                 milestone_id="m3", completed_on="2025-07-03")
        return self

    def votes(self) -> dict[str, CampaignVotes]:
        by_idea = {idea: 100 - n for n, idea in enumerate(self.ideas)}
        voters = {f"v-{n}": ("region" if n < 3 else None) for n in range(40)}
        return {self.campaign: CampaignVotes(
            self.campaign, by_idea, voters,
            tuple(DayCount(date(2025, 6, d), d * 10) for d in range(1, 15)),
            fingerprint_of([f"vote-{n}" for n in range(sum(by_idea.values()))]))}

    def inputs(self, q: Quarter = Q2) -> Inputs:
        before = tuple(e for e in self.events if e.occurred_at < q.end)
        return Inputs(q, before, self.votes(), fingerprint_of([str(e.event_id) for e in before]),
                      None)


def test_initiatives_progress_rag_and_change_since_last_quarter() -> None:
    report = compute(World().plan().q2().inputs())
    assert [t.title for t in report.tracks] == ["Finde", "Sprede"]
    f1 = report.tracks[0].initiatives[0]
    assert f1.title == "F1 Indsats F1"
    assert (f1.percent_done, f1.rag, f1.rag_previous) == (40.0, Rag.AMBER, Rag.GREEN)
    assert f1.percent_expected == 49.6  # 181 of the year's 365 days have passed by 30 June
    assert f1.narrative is not None and f1.narrative.text == "Forsinket <b>lidt</b>"
    assert {(r.rag, r.count) for r in report.summary.rag} == {
        (Rag.GREEN, 0), (Rag.AMBER, 1), (Rag.RED, 1), (Rag.NONE, 0)}
    kinds = {(c.kind, c.subject) for c in report.summary.changes}
    assert ("rag_changed", "F1 Indsats F1") in kinds
    assert ("milestone_completed", "F1 Indsats F1: Storm") in kinds
    assert ("goal_met", "F1 Indsats F1: Idéer") in kinds
    assert ("idea_adopted", "F1 Indsats F1: Idé 03") in kinds


def test_milestones_completed_overdue_and_due_next() -> None:
    f1 = compute(World().plan().q2().inputs()).tracks[0].initiatives[0]
    assert [m.title for m in f1.milestones_completed] == ["Storm"]  # Kickoff was in Q1
    assert [m.title for m in f1.milestones_overdue] == ["Evaluering"]
    assert [m.title for m in f1.milestones_due_next] == ["Næste"]
    assert f1.goals[0].actual == 83 and f1.goals[0].met


def test_campaign_results() -> None:
    w = World().plan().q2()
    report = compute(w.inputs())
    (c,) = report.campaigns
    assert (c.ideas_submitted, c.ideas_published, c.ideas_rejected) == (12, 10, 1)
    assert c.votes == sum(100 - n for n in range(12))
    # 40 voters and 4 idea authors
    assert c.participants == 44
    sectors = {s.sector: s.participants for s in c.participants_by_sector}
    assert sectors == {"region": 3, "municipality": 1, "unknown": 40}
    assert [i.title for i in c.top_ideas] == [f"Idé {n:02d}" for n in range(10)]
    assert len(c.top_ideas) == 10
    assert "Idé 10" not in [i.title for i in c.top_ideas]  # rejected
    assert [(a.idea_title, a.initiative_title) for a in c.adopted_ideas] == [
        ("Idé 03", "F1 Indsats F1")]


def test_ideas_seeded_by_the_campaign_staff_are_not_participants() -> None:
    w = World().plan().q2()
    w.add("idea.submitted", "2025-06-02T10:00", actor="staff-1", idea_id=str(uuid.uuid4()),
          campaign_id=w.campaign, title="Seeded", body="...")
    (c,) = compute(w.inputs()).campaigns
    assert c.ideas_submitted == 13
    assert c.participants == 44


def test_moderation_budget_and_decision_items() -> None:
    report = compute(World().plan().q2().inputs())
    m = report.moderation
    assert {d.decision: d.count for d in m.decisions} == {"approve": 10, "reject": 1}
    assert m.queue_at_end == 1
    assert m.median_hours_to_decision == 6.0
    assert report.budget is not None
    assert [(s.party, s.percent) for s in report.budget.shares] == [
        ("state", 40.0), ("municipalities", 40.0), ("regions", 20.0)]
    kinds = [(d.kind, d.subject) for d in report.decisions]
    assert ("open_item", "Skal idéstormen gentages?") in kinds
    assert ("plan_not_approved", "Handlingsplan 2025") in kinds
    assert ("red_initiative", "S1 Indsats S1") in kinds


def test_appendix_names_the_events_behind_each_figure() -> None:
    w = World().plan().q2()
    report = compute(w.inputs())
    progress = [s for s in report.appendix if s.figure == "progress"]
    assert {s.subject for s in progress} == {"F1 Indsats F1", "S1 Indsats S1"}
    f1 = next(s for s in progress if s.subject == "F1 Indsats F1")
    assert set(f1.event_types) == {"initiative.defined", "progress.reported"}
    assert f1.fingerprint.event_count == 3
    votes = next(s for s in report.appendix if s.figure == "votes")
    assert votes.fingerprint == w.votes()[w.campaign].fingerprint


def test_later_events_do_not_change_a_past_quarter() -> None:
    w = World().plan().q2()
    before = compute(w.inputs())
    w.q3()
    # Inputs for Q2 are cut at the quarter's end by the caller; compute cuts again itself
    after = compute(w.inputs())
    everything = compute(Inputs(Q2, tuple(w.events), w.votes(), before.cover.fingerprint, None))
    assert after == before == everything
    for fmt in ("json", "md", "html"):
        assert render(after, fmt, "da") == render(before, fmt, "da")  # type: ignore[arg-type]
    q3 = compute(w.inputs(Quarter.parse("2025Q3")))
    f1 = q3.tracks[0].initiatives[0]
    assert (f1.rag, f1.rag_previous) == (Rag.GREEN, Rag.AMBER)
    assert q3.moderation.queue_at_end == 0


def test_event_order_does_not_matter() -> None:
    w = World().plan().q2()
    forward = compute(w.inputs())
    w.events.reverse()
    assert compute(w.inputs()) == forward


def test_a_quarter_with_no_plan_still_reports() -> None:
    report = compute(Inputs(Q2, (), {}, fingerprint_of([]), None))
    assert report.tracks == () and report.campaigns == () and report.budget is None
    assert report.cover.plan_title == "–"
    assert render(report, "pdf", "en").startswith(b"%PDF")

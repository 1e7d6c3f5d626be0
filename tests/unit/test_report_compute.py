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
    assert [i.track_title for i in report.initiatives] == ["Finde", "Sprede"]
    f1 = report.initiatives[0]
    assert f1.title == "F1 Indsats F1"
    assert (f1.percent_done, f1.rag, f1.rag_previous) == (40.0, Rag.AMBER, Rag.GREEN)
    assert f1.percent_expected == 49.6  # 181 of the year's 365 days have passed by 30 June
    assert f1.narrative is not None and f1.narrative.text == "Forsinket <b>lidt</b>"
    assert {(r.rag, r.count) for r in report.summary.rag} == {
        (Rag.GREEN, 0), (Rag.AMBER, 1), (Rag.RED, 1), (Rag.NONE, 0)}
    kinds = {(c.kind, c.subject) for c in report.summary.changes}
    # the change feed follows the computed status: F1 was behind plan already (amber), the
    # owner's colour moved from green to amber; S1 got its first status, red
    assert ("rag_changed", "F1 Indsats F1") not in kinds
    assert ("rag_changed", "S1 Indsats S1") in kinds
    assert ("milestone_completed", "F1 Indsats F1: Storm") in kinds
    assert ("goal_met", "F1 Indsats F1: Idéer") in kinds
    assert ("idea_adopted", "F1 Indsats F1: Idé 03") in kinds


def test_milestones_completed_overdue_and_due_next() -> None:
    report = compute(World().plan().q2().inputs())
    f1 = report.initiatives[0]
    assert [m.title for m in f1.milestones_completed] == ["Storm"]  # Kickoff was in Q1
    assert [m.title for m in f1.milestones_overdue] == ["Evaluering"]
    assert [m.title for m in f1.milestones_due_next] == ["Næste"]
    assert [(m.initiative, m.title) for m in report.milestones_next_quarter] == [
        ("F1 Indsats F1", "Næste"), ("S1 Indsats S1", "Næste")]
    assert report.goals[0].actual == 83 and report.goals[0].met


def test_campaign_results() -> None:
    w = World().plan().q2()
    report = compute(w.inputs())
    (c,) = report.campaigns.items
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


def test_an_adopted_idea_is_named_only_while_published_at_the_cutoff() -> None:
    w = World().plan().q2()
    # ideas[11] waits in the moderation queue; ideas[3] (adopted) is hidden before the cut-off;
    # ideas[5] is published with a revision still waiting for a moderator
    w.add("progress.idea_adopted", "2025-06-26T12:00", initiative_id=w.ini, idea_id=w.ideas[11],
          decided_by="staff-1")
    w.add("idea.status_changed", "2025-06-27T12:00", idea_id=w.ideas[3],
          campaign_id=w.campaign, status="hidden", previous="published")
    w.add("idea.revised", "2025-06-27T12:00", actor="p-1", idea_id=w.ideas[5],
          campaign_id=w.campaign, title="Ring 12345678", body="...")
    w.add("progress.idea_adopted", "2025-06-28T12:00", initiative_id=w.ini, idea_id=w.ideas[5],
          decided_by="staff-1")
    report = compute(w.inputs())
    (c,) = report.campaigns.items
    assert [a.idea_title for a in c.adopted_ideas] == [
        f"#{w.ideas[3][:8]}", f"#{w.ideas[11][:8]}", "Idé 05"]
    assert report.initiatives[0].adopted_ideas == (
        f"#{w.ideas[3][:8]}", f"#{w.ideas[11][:8]}", "Idé 05")
    assert "Idé 03" not in [i.title for i in c.top_ideas]  # hidden
    for fmt in ("md", "html", "json"):
        text = render(report, fmt, "da").decode()
        assert "Idé 03" not in text and "Idé 11" not in text and "12345678" not in text


def test_ideas_seeded_by_the_campaign_staff_are_not_participants() -> None:
    w = World().plan().q2()
    w.add("idea.submitted", "2025-06-02T10:00", actor="staff-1", idea_id=str(uuid.uuid4()),
          campaign_id=w.campaign, title="Seeded", body="...")
    (c,) = compute(w.inputs()).campaigns.items
    assert c.ideas_submitted == 13
    assert c.participants == 44


def test_moderation_and_budget() -> None:
    report = compute(World().plan().q2().inputs())
    m = report.campaigns.moderation
    assert {d.decision: d.count for d in m.decisions} == {"approve": 10, "reject": 1}
    assert m.queue_at_end == 1
    assert m.median_hours_to_decision == 6.0
    assert report.economy is not None
    assert [(s.party, s.percent) for s in report.economy.shares] == [
        ("state", 40.0), ("municipalities", 40.0), ("regions", 20.0)]
    kinds = [m.kind for m in report.executive_summary.messages]
    assert kinds[:2] == ["initiatives_red", "plan_not_approved"]


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
    everything = compute(Inputs(Q2, tuple(w.events), w.votes(), before.document_control.fingerprint, None))
    assert after == before == everything
    for fmt in ("json", "md", "html"):
        assert render(after, fmt, "da") == render(before, fmt, "da")  # type: ignore[arg-type]
    q3 = compute(w.inputs(Quarter.parse("2025Q3")))
    f1 = q3.initiatives[0]
    assert (f1.rag, f1.rag_previous) == (Rag.GREEN, Rag.AMBER)
    assert q3.campaigns.moderation.queue_at_end == 0


def test_event_order_does_not_matter() -> None:
    w = World().plan().q2()
    forward = compute(w.inputs())
    w.events.reverse()
    assert compute(w.inputs()) == forward


def test_a_quarter_with_no_plan_still_reports() -> None:
    report = compute(Inputs(Q2, (), {}, fingerprint_of([]), None))
    assert report.initiatives == () and report.campaigns.items == ()
    assert report.economy is None
    assert report.cover.plan_title == "–"
    assert render(report, "pdf", "en").startswith(b"%PDF")


# ---- page one, honest data, goals, RAG, baseline, economy, risks -------------------------


def _request(w: World, when: str, meeting_on: str, title: str) -> str:
    decision_id = str(uuid.uuid4())
    w.add("steering.decision_requested", when, decision_id=decision_id, year=2025, title=title,
          question=f"{title}?", recommendation="Vælg A.",
          options=[{"label": "A", "consequence": "Koster 0,1 mio. kr."},
                   {"label": "B", "consequence": "Et halvt år senere."}],
          requested_on=when[:10], for_meeting_on=meeting_on, requested_by="staff-1")
    return decision_id


def test_decision_items_are_events_answered_by_id_and_followed_up() -> None:
    w = World().plan().q2()
    answered = _request(w, "2025-05-01T12:00", "2025-06-18", "Stikprøve for barometeret")
    _request(w, "2025-06-25T12:00", "2025-09-24", "Rekruttering til netværket")
    # a meeting decision whose wording contains the other item's title decides nothing
    w.add("steering.meeting_held", "2025-06-18T12:00", meeting_id=str(uuid.uuid4()),
          held_on="2025-06-18", members_present={"state": 3, "municipalities": 3, "regions": 3},
          decisions=["Rekruttering til netværket drøftet"])
    w.add("steering.decision_taken", "2025-06-18T13:00", decision_id=answered,
          meeting_id=str(uuid.uuid4()), decided_on="2025-06-18", chosen="B")
    d = compute(w.inputs()).decisions
    assert [(i.title, i.status) for i in d.for_next_meeting] == [
        ("Rekruttering til netværket", "open")]
    assert [o.label for o in d.for_next_meeting[0].options] == ["A", "B"]
    assert [(i.title, i.chosen) for i in d.taken_in_quarter] == [("Stikprøve for barometeret", "B")]
    report = compute(w.inputs())
    assert report.executive_summary.messages[0].kind == "decisions_for_meeting"
    # the next quarter's report no longer asks for the answered item, and still asks the open one
    q3 = compute(w.inputs(Quarter.parse("2025Q3")))
    assert [i.title for i in q3.decisions.for_next_meeting] == ["Rekruttering til netværket"]
    assert q3.decisions.taken_in_quarter == ()


def test_a_meeting_that_passes_without_an_answer_leaves_the_item_overdue() -> None:
    w = World().plan().q2()
    _request(w, "2025-04-02T12:00", "2025-05-10", "Gentag idéstormen")
    (item,) = compute(w.inputs()).decisions.for_next_meeting
    assert item.status == "overdue"


def test_votes_imported_without_times_have_no_days() -> None:
    w = World().plan().q2()
    imported = str(uuid.uuid4())
    w.add("campaign.created", "2025-05-20T12:00", campaign_id=imported, title="Pabulib",
          question="?", opens_at="2025-06-01T00:00:00+00:00",
          closes_at="2025-06-15T00:00:00+00:00", vote_times="synthetic")
    votes = {**w.votes(), imported: CampaignVotes(imported, {}, {}, (DayCount(date(2025, 6, 2), 5),),
                                                  fingerprint_of(["x"]))}
    inputs = w.inputs()
    report = compute(Inputs(Q2, inputs.events, votes, inputs.fingerprint, None))
    by_title = {c.title: c for c in report.campaigns.items}
    assert by_title["Pabulib"].votes_by_day == () and by_title["Pabulib"].vote_times == "synthetic"
    assert by_title["Warszawa 2026"].votes_by_day != ()


def test_the_window_prints_its_last_open_day() -> None:
    w = World().plan().q2()
    (c,) = compute(w.inputs()).campaigns.items
    # whole calendar days (an import from dates): 1 June up to, not including, 15 June
    assert (c.first_day, c.last_day) == (date(2025, 6, 1), date(2025, 6, 14))
    danish = str(uuid.uuid4())
    w.add("campaign.created", "2025-05-20T12:00", campaign_id=danish, title="Dansk",
          question="?", opens_at="2025-06-01T00:00:00+02:00",
          closes_at="2025-06-15T00:00:00+02:00")
    by_title = {c.title: c for c in compute(w.inputs()).campaigns.items}
    assert (by_title["Dansk"].first_day, by_title["Dansk"].last_day) == (
        date(2025, 6, 1), date(2025, 6, 14))


def test_an_event_late_on_30_june_utc_belongs_to_july_in_copenhagen() -> None:
    w = World().plan()
    w.add("progress.reported", "2025-06-30T22:30", initiative_id=w.ini, as_of="2025-06-30",
          percent=45, rag="green", narrative="sent i Q2 UTC, Q3 dansk tid", reported_by="staff-1")
    f1 = compute(w.inputs()).initiatives[0]
    assert f1.percent_done == 20.0


def test_a_goal_bound_to_a_computed_figure_agrees_with_the_campaign_section() -> None:
    w = World()
    w.add("plan.drafted", "2025-01-05T09:00", year=2025, title="Plan",
          tracks=[{"code": "FINDE", "title": "Finde"}])
    w.add("initiative.defined", "2025-01-06T09:00", initiative_id=w.ini, year=2025,
          track="FINDE", code="F2", title="Idéstorme", description="...", owner="staff-1",
          period={"start": "2025-01-01", "end": "2025-12-31"}, budget_dkk=1_000_000,
          goals=[{"goal_id": "p", "title": "Deltagere", "indicator": "deltagere",
                  "unit": "deltagere", "baseline": 0, "target": 2000, "due": "2025-12-31",
                  "computed_from": {"figure": "participants", "year": 2025}},
                 {"goal_id": "a", "title": "Idéer optaget", "indicator": "idéer",
                  "unit": "idéer", "baseline": 0, "target": 4, "due": "2025-12-31",
                  "computed_from": {"figure": "ideas_adopted", "year": 2025}}])
    w.q2()
    report = compute(w.inputs())
    (c,) = report.campaigns.items
    participants, adopted = report.goals
    assert participants.actual == c.participants == 44 and participants.computed
    assert participants.on_track is False  # 44 of 2,000 when half the year is gone
    assert adopted.actual == 1 and adopted.measured_on == date(2025, 6, 30)
    assert adopted.expected == 2  # 4 x 181/365 = 1.98 ideas: a count is a whole number
    assert adopted.on_track is False  # 1 where a straight line to 4 would be at ~2


def test_computed_rag_from_deviation_against_the_approved_baseline() -> None:
    w = World().plan().q2()
    w.add("plan.approved", "2025-01-20T12:00", year=2025, meeting_id=str(uuid.uuid4()),
          approved_on="2025-01-20")
    w.add("progress.spend_reported", "2025-06-28T12:00", initiative_id=w.ini2,
          as_of="2025-06-28", spent_dkk=700_000, forecast_dkk=1_200_000, reported_by="staff-2")
    report = compute(w.inputs())
    f1, s1 = report.initiatives
    # F1: 40 % done where 49.6 % was expected: 19.4 % behind, amber (10-25 %)
    assert f1.schedule_deviation == pytest.approx(0.194, abs=0.001)
    assert (f1.rag, f1.rag_computed) == (Rag.AMBER, Rag.AMBER)
    # S1: 10 % of 49.6 %: red; and 700,000 spent of 496,000 phased: 41 % over
    # (phased from the unrounded share of the year: 1,000,000 x 181/365 = 495,890 kr.)
    assert s1.rag_computed is Rag.RED and s1.cost_deviation == pytest.approx(0.412, abs=0.001)
    e = report.economy
    assert e is not None and e.spent == 700_000 and e.forecast == 1_000_000 + 1_200_000
    assert [(p.party, p.amount) for p in e.spent_by_party] == [
        ("state", 280_000), ("municipalities", 280_000), ("regions", 140_000)]


def test_the_plan_may_state_its_own_tolerances() -> None:
    w = World()
    w.add("plan.drafted", "2025-01-05T09:00", year=2025, title="Plan",
          tracks=[{"code": "FINDE", "title": "Finde"}],
          rag_tolerances={"amber_percent": 20, "red_percent": 40})
    w.add("initiative.defined", "2025-01-06T09:00", initiative_id=w.ini, year=2025,
          track="FINDE", title="X", description="...", owner="staff-1",
          period={"start": "2025-01-01", "end": "2025-12-31"}, budget_dkk=1)
    w.add("progress.reported", "2025-06-20T12:00", initiative_id=w.ini, as_of="2025-06-20",
          percent=40, rag="green", narrative="...", reported_by="staff-1")
    report = compute(w.inputs())
    assert report.initiatives[0].rag_computed is Rag.GREEN  # 19.4 % is within 20 %
    assert report.executive_summary.rag_differs == ()


def test_revisions_after_approval_are_shown_with_before_and_after() -> None:
    w = World().plan()
    w.add("plan.approved", "2025-01-20T12:00", year=2025, meeting_id=str(uuid.uuid4()),
          approved_on="2025-01-20")
    w.add("plan.budget_approved", "2025-01-20T12:00", year=2025, amount_dkk=2_000_000,
          shares={"state": 800_000, "municipalities": 800_000, "regions": 400_000})
    w.add("initiative.revised", "2025-05-02T12:00", actor="coi-leder", initiative_id=w.ini,
          year=2025, track="FINDE", code="F1", title="Indsats F1", description="...",
          owner="staff-9", period={"start": "2025-01-01", "end": "2025-12-31"},
          budget_dkk=1_200_000, reason="Ny ejer og mere til kommunikation",
          goals=[{"goal_id": "g1", "title": "Idéer", "indicator": "idéer", "unit": "idéer",
                  "baseline": 0, "target": 50, "due": "2025-12-31"}],
          milestones=[{"milestone_id": "m1", "title": "Kickoff", "due": "2025-03-01"},
                      {"milestone_id": "m2", "title": "Storm", "due": "2025-08-10"},
                      {"milestone_id": "m4", "title": "Næste", "due": "2025-08-01"}])
    report = compute(w.inputs())
    (change,) = report.baseline_changes
    assert (change.revised_by, change.reason) == ("coi-leder", "Ny ejer og mere til kommunikation")
    fields = {(c.field, c.before, c.after) for c in change.changes}
    assert ("owner", "staff-1", "staff-9") in fields
    assert ("budget_dkk", "1000000", "1200000") in fields
    assert ("milestone_due", "Storm: 2025-06-10", "2025-08-10") in fields
    assert ("milestone_removed", "Evaluering (2025-05-01)", "") in fields
    f1 = report.initiatives[0]
    # Storm moved to August but was due in June as approved: overdue against its original date
    storm = next(m for m in f1.milestones_overdue if m.title == "Storm")
    assert storm.original_due == date(2025, 6, 10)
    assert report.document_control.plan_version == 2
    budget = next(s for s in report.appendix if s.figure == "budget")
    assert change.event_id in budget.event_ids  # the budget cites the revision, not the original


def test_risks_carry_their_latest_assessment() -> None:
    w = World().plan().q2()
    w.add("risk.raised", "2025-04-10T12:00", initiative_id=w.ini, risk_id="r1",
          title="For få kommuner", owner="coi-leder", likelihood=2, impact=3,
          mitigation="Invitation via KL", raised_on="2025-04-10")
    w.add("risk.assessed", "2025-06-10T12:00", initiative_id=w.ini, risk_id="r1", likelihood=4,
          impact=4, mitigation="Personlig opringning", assessed_on="2025-06-10")
    (risk,) = compute(w.inputs()).risks
    assert (risk.score, risk.mitigation, risk.status) == (16, "Personlig opringning", "open")


def test_a_quarter_with_no_events_says_there_is_nothing_to_report() -> None:
    w = World().plan()
    q4 = Quarter.parse("2025Q4")
    inputs = w.inputs(q4)
    report = compute(Inputs(q4, inputs.events, {}, inputs.fingerprint, inputs.fingerprint))
    assert report.executive_summary.nothing_to_report
    assert [m.kind for m in report.executive_summary.messages] == ["nothing_to_report"]
    assert "Intet at rapportere" in render(report, "md", "da").decode()

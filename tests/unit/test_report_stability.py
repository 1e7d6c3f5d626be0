"""The campaign section's stability table: a closed campaign with a budget, counted again under
other rules by the voting service (`campaign.what_if_computed`), shown by approved titles, only
from a replay that occurred before the cut-off, and said plainly when there is none yet."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime

import pytest

from schemas.campaigns import CampaignCreated
from schemas.votes import WhatIfComputed
from services.reporting.report.compute import CampaignWhatIf, compute
from services.reporting.report.render import render
from tests.unit.test_report_compute import World

pytestmark = pytest.mark.unit


def with_budget(w: World) -> World:
    """The world's campaign as a participatory budget (1,000, at least 2 votes to be funded)."""
    for n, f in enumerate(w.events):
        if isinstance(f.payload, CampaignCreated):
            w.events[n] = dataclasses.replace(f, payload=f.payload.model_copy(
                update={"budget": 1_000, "min_votes_to_fund": 2}))
    return w


def replay(w: World, settled_at: datetime) -> CampaignWhatIf:
    i = [uuid.UUID(x) for x in w.ideas]
    scenario = {"total_cost": 900, "funded_voters": 30, "voters": 40}
    what_if = WhatIfComputed(
        campaign_id=uuid.UUID(w.campaign), votes=123, budget=1_000, min_votes=2,
        official="greedy/baseline",
        scenarios=[
            {"name": "greedy/baseline", "rule": "greedy", "variation": "baseline",
             "selected": [i[0], i[1], i[2]], **scenario},
            {"name": "greedy/no_threshold", "rule": "greedy", "variation": "no_threshold",
             "selected": [i[0], i[1], i[10]], **scenario},
            {"name": "equal shares/baseline", "rule": "equal shares", "variation": "baseline",
             "selected": [i[0], i[2], i[4]], **scenario},
            {"name": "equal shares/no_threshold", "rule": "equal shares",
             "variation": "no_threshold", "selected": [i[0], i[4]], **scenario}],
        stable=[i[0]],
        depends=[{"idea_id": i[1], "funded_in": ["greedy/baseline", "greedy/no_threshold"]},
                 {"idea_id": i[2], "funded_in": ["greedy/baseline", "equal shares/baseline"]},
                 {"idea_id": i[4], "funded_in": ["equal shares/baseline",
                                                 "equal shares/no_threshold"]},
                 {"idea_id": i[10], "funded_in": ["greedy/no_threshold"]}],
        skipped={"held_released": "no vote is held", "merges_undone": "no idea was merged"})
    return CampaignWhatIf(uuid.uuid4(), settled_at, what_if)


def test_a_closed_campaign_shows_who_wins_under_every_rule_and_who_depends_on_it() -> None:
    w = with_budget(World().plan().q2())
    found = replay(w, datetime(2025, 6, 15, tzinfo=UTC))
    report = compute(dataclasses.replace(w.inputs(), what_ifs={w.campaign: found}))
    (c,) = report.campaigns.items
    s = c.stability
    assert s is not None and s.status == "computed"
    assert s.settled_at == found.occurred_at and (s.votes, s.budget, s.min_votes) == (123, 1000, 2)
    assert [(sc.scenario, sc.official, sc.selected) for sc in s.scenarios] == [
        ("greedy/baseline", True, ("Idé 00", "Idé 01", "Idé 02")),
        # ideas[10] was rejected: never named, by its number only
        ("greedy/no_threshold", False, ("Idé 00", "Idé 01", f"#{w.ideas[10][:8]}")),
        ("equal shares/baseline", False, ("Idé 00", "Idé 02", "Idé 04")),
        ("equal shares/no_threshold", False, ("Idé 00", "Idé 04"))]
    assert s.stable == ("Idé 00",)
    assert [(d.title, len(d.funded_in)) for d in s.depends] == [
        ("Idé 01", 2), ("Idé 02", 2), ("Idé 04", 2), (f"#{w.ideas[10][:8]}", 1)]
    assert s.skipped == ("held_released", "merges_undone")
    # the appendix names the replay the table was read from
    (source,) = [a for a in report.appendix if a.figure == "what_if"]
    assert source.event_ids == (str(found.event_id),)
    assert source.event_types == ("campaign.what_if_computed",)

    da = render(report, "html", "da").decode()
    table = da[da.index("Hvem vinder under andre regler"):]
    assert "* Flest stemmer først, kampagnens regler" in table
    assert "Lige andele, uden minimumsstemmetal" in table
    assert "Vinder under alle regler (1)" in table and "Idé 00" in table
    assert "Afhænger af valget af regel (4)" in table
    assert "tilbageholdte stemmer talt med, sammenlægninger fortrudt" in table
    en = render(report, "html", "en").decode()
    assert "Who wins under other rules" in en and "Equal shares, without the minimum score" in en
    assert "Idé 10" not in da + en  # a rejected idea's title is never shown
    data = render(report, "json", "en").decode()
    assert '"stable": [\n' in data and '"Idé 00"' in data


def test_no_replay_before_the_cut_off_is_said_plainly() -> None:
    w = with_budget(World().plan().q2())
    # the replay's inputs settled on 1 July (a held vote released after the close): after Q2
    late = replay(w, datetime(2025, 6, 30, 22, tzinfo=UTC))
    for what_ifs in ({}, {w.campaign: late}):
        report = compute(dataclasses.replace(w.inputs(), what_ifs=what_ifs))
        (c,) = report.campaigns.items
        assert c.stability is not None and c.stability.status == "not_yet_available"
        assert c.stability.scenarios == ()
        assert "Genberegningen under andre regler var endnu ikke tilgængelig" in render(
            report, "md", "da").decode()
        assert "The replay under other rules was not yet available" in render(
            report, "md", "en").decode()
        assert not [a for a in report.appendix if a.figure == "what_if"]


def test_a_campaign_without_a_budget_or_still_open_has_no_table() -> None:
    w = World().plan().q2()  # no budget: nothing to select within
    found = replay(w, datetime(2025, 6, 15, tzinfo=UTC))
    (c,) = compute(dataclasses.replace(w.inputs(), what_ifs={w.campaign: found})
                   ).campaigns.items
    assert c.stability is None
    # a draft made while the campaign was open
    w = with_budget(World().plan().q2())
    draft = dataclasses.replace(w.inputs(), draft_as_of=datetime(2025, 6, 10).date())
    (c,) = compute(draft).campaigns.items
    assert c.stability is None


def test_many_ideas_stay_short_on_the_page_and_whole_in_json() -> None:
    w = with_budget(World().plan().q2())
    found = replay(w, datetime(2025, 6, 15, tzinfo=UTC))
    many = [uuid.UUID(x) for x in w.ideas[:10]] * 2  # twenty names, some twice
    wide = dataclasses.replace(found, what_if=found.what_if.model_copy(update={
        "stable": many,
        "depends": [found.what_if.depends[0]] * 12}))
    report = compute(dataclasses.replace(w.inputs(), what_ifs={w.campaign: wide}))
    md = render(report, "html", "en").decode()
    assert "Win under every rule (20)" in md and "… and 5 more (the JSON rendering" in md
    assert "Depend on the choice of rule (12)" in md and "… and 2 more" in md
    data = render(report, "json", "en").decode()
    assert data.count('"Idé 09"') >= 2

"""A campaign written as a Pabulib file (pabulib.org's `.pb` format): META, PROJECTS, VOTES.

Pure: the route gives it the campaign, its published ideas with their tallies and costs, the
ballots under pseudonymous voter ids, and what greedy selects. Projects are named by idea id.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Mapping, Sequence
from datetime import timedelta
from typing import Any


def _rows(out: io.StringIO, rows: Sequence[Sequence[object]]) -> None:
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(rows)


def render(campaign: Mapping[str, Any], ideas: Sequence[Mapping[str, Any]],
           ballots: Sequence[tuple[str, Collection[str]]], selected: Collection[str]) -> str:
    """The file's text. `ideas`: idea_id, title, cost, supports; `ballots`: (voter, idea ids)."""
    last_day = (campaign["closes_at"] - timedelta(microseconds=1)).date()
    meta: list[tuple[str, object]] = [
        ("description", campaign["title"]),
        ("country", "Denmark"),
        ("unit", "ideastorm"),
        ("instance", str(campaign["campaign_id"])),
        ("num_projects", len(ideas)),
        ("num_votes", len(ballots)),
        ("vote_type", "approval"),
        ("rule", "greedy"),
        ("date_begin", f"{campaign['opens_at']:%d.%m.%Y}"),
        ("date_end", f"{last_day:%d.%m.%Y}"),
        ("min_length", 1),
    ]
    # rules changed during the campaign may have allowed longer ballots than the latest rules do
    longest = max([len(ids) for _, ids in ballots] or [1])
    meta.append(("max_length", max(campaign.get("max_votes") or 1, longest)))
    if campaign.get("budget") is not None:
        meta.insert(6, ("budget", campaign["budget"]))
    if campaign.get("min_votes_to_fund"):
        meta.append(("min_project_score_threshold", campaign["min_votes_to_fund"]))
    out = io.StringIO()
    out.write("META\n")
    _rows(out, [("key", "value"), *meta])
    out.write("PROJECTS\n")
    has_budget = campaign.get("budget") is not None
    header = ["project_id", "cost", "votes", "name"] + (["selected"] if has_budget else [])
    chosen = set(selected)
    rows: list[list[object]] = []
    for i in sorted(ideas, key=lambda i: (-i["supports"], str(i["idea_id"]))):
        pid = str(i["idea_id"])
        row: list[object] = [pid, "" if i["cost"] is None else i["cost"], i["supports"],
                             i["title"] or ""]
        if has_budget:
            row.append(int(pid in chosen))
        rows.append(row)
    _rows(out, [header, *rows])
    out.write("VOTES\n")
    _rows(out, [("voter_id", "vote"), *((v, ",".join(ids)) for v, ids in ballots if ids)])
    return out.getvalue()

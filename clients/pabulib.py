"""Pabulib `.pb` approval elections (pabulib.org): parsing, and the events that replay one.

A file has `;`-separated sections `META` (key;value), `PROJECTS` and `VOTES`, each with a header
row; fields may be quoted. Only `project_id`, `voter_id` and `vote` (comma-separated project ids)
are required; every other column is optional and extra columns are ignored, so files from any
country load. Everything derived from a file is deterministic: the same file gives the same ids,
times and bytes of payload, so importing it twice changes nothing. `read_projects` reads only
META and PROJECTS (the walkthrough's ideas), without the ballots.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from schemas.campaigns import CampaignCreated, ModerationMode, VoteMode, VoteRules, VoteTimes
from schemas.envelope import (
    IDEASTORM_NS,
    Envelope,
    Template,
    derived_id,
    field_values,
    json_time,
    utcnow,
)
from schemas.ideas import IdeaSubmitted
from schemas.votes import VoteCast

_PARTICIPANT = re.compile(r"^[A-Za-z0-9_.:@-]{1,100}$")


class PabulibError(ValueError):
    """The file is not a Pabulib approval election this importer can replay."""


@dataclass(frozen=True)
class Project:
    project_id: str
    name: str
    category: str | None
    cost: int | None
    votes: int | None  # the official count, when the file has it
    selected: bool | None = None  # the official result, when the file has a selected column


@dataclass
class Election:
    digest: str  # sha256 of the file: the identity of the import
    meta: dict[str, str]
    projects: dict[str, Project]
    ballots: list[tuple[str, list[str]]]  # (voter id, supported project ids)
    notes: list[str] = field(default_factory=list)

    @property
    def vote_count(self) -> int:
        return sum(len(ids) for _, ids in self.ballots)


@dataclass(frozen=True)
class Projects:
    """META and PROJECTS of a file, projects in file order."""

    meta: dict[str, str]
    projects: list[Project]


def _sections(lines: Iterator[str] | io.StringIO, *, stop_at: str | None = None
              ) -> Iterator[tuple[str, list[str], list[list[str]]]]:
    name: str | None = None
    header: list[str] | None = None
    rows: list[list[str]] = []
    for row in csv.reader(lines, delimiter=";", quotechar='"'):
        if not row or all(not c.strip() for c in row):
            continue
        first = row[0].strip().upper()
        if len(row) == 1 and first in ("META", "PROJECTS", "VOTES"):
            if name is not None and header is not None:
                yield name, header, rows
            if first == stop_at:
                return
            name, header, rows = first, None, []
        elif name is None:
            raise PabulibError("the file does not start with a META, PROJECTS or VOTES section")
        elif header is None:
            header = [c.strip().lower() for c in row]
        else:
            rows.append(row)
    if name is not None and header is not None:
        yield name, header, rows


def _int(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        return int(round(float(value.strip().replace(",", "."))))
    except ValueError:
        return None


def _records(header: list[str], rows: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(header, (c.strip() for c in r), strict=False)) for r in rows]


def _meta(records: list[dict[str, str]]) -> dict[str, str]:
    return {r.get("key", ""): r.get("value", "") for r in records if r.get("key")}


def _projects(header: list[str], records: list[dict[str, str]]) -> dict[str, Project]:
    if "project_id" not in header:
        raise PabulibError("PROJECTS has no project_id column")
    return {r["project_id"]: Project(r["project_id"], r.get("name") or f"Project {r['project_id']}",
                                     r.get("category") or None, _int(r.get("cost")),
                                     _int(r.get("votes")), _selected(r.get("selected")))
            for r in records}


def read_projects(path: Path) -> Projects:
    """META and PROJECTS of a `.pb` file; the ballots are not read."""
    meta: dict[str, str] = {}
    projects: dict[str, Project] = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for name, header, rows in _sections(fh, stop_at="VOTES"):
            if name == "META":
                meta.update(_meta(_records(header, rows)))
            elif name == "PROJECTS":
                projects.update(_projects(header, _records(header, rows)))
    if not projects:
        raise PabulibError(f"{path} has no PROJECTS")
    return Projects(meta, list(projects.values()))


def _selected(value: str | None) -> bool | None:
    number = _int(value)
    return None if number is None else number > 0


# Each is approval in substance: a ballot is a set of supported projects (choose-1: one of them).
# ordinal, cumulative and scoring ballots carry ranks or points that one support per idea would
# lose, so they are refused rather than replayed approximately.
APPROVAL_TYPES = ("approval", "choose-1")


def vote_limits(meta: dict[str, str]) -> tuple[int, int]:
    """(fewest, most) projects a ballot may support: META min_length/max_length; choose-1 is 1."""
    one = meta.get("vote_type", "").strip().lower() == "choose-1"
    least = _int(meta.get("min_length"))
    most = _int(meta.get("max_length"))
    return (max(least, 0) if least is not None else (1 if one else 0),
            most if most is not None and most >= 1 else (1 if one else 10_000))


def parse(raw: bytes) -> Election:
    text = raw.decode("utf-8-sig")
    meta: dict[str, str] = {}
    projects: dict[str, Project] = {}
    ballots: list[tuple[str, list[str]]] = []
    seen = set()
    for name, header, rows in _sections(io.StringIO(text)):
        records = _records(header, rows)
        if name == "META":
            meta.update(_meta(records))
        elif name == "PROJECTS":
            projects.update(_projects(header, records))
        else:
            if "voter_id" not in header or "vote" not in header:
                raise PabulibError("VOTES needs voter_id and vote columns")
            for r in records:
                voter = r["voter_id"]
                if voter in seen:
                    raise PabulibError(f"voter {voter} has two ballots")
                seen.add(voter)
                ids = list(dict.fromkeys(p.strip() for p in (r.get("vote") or "").split(",")
                                         if p.strip()))
                ballots.append((voter, ids))
    if not projects:
        raise PabulibError("the file has no PROJECTS")
    kind = meta.get("vote_type", "approval").strip().lower() or "approval"
    if kind not in APPROVAL_TYPES:
        raise PabulibError(f"vote_type {kind!r} cannot be replayed: accepted vote types are"
                           f" {', '.join(APPROVAL_TYPES)} (or no vote_type)")
    least, most = vote_limits(meta)
    for voter, ids in ballots:
        if not least <= len(ids) <= most:
            raise PabulibError(f"voter {voter} supports {len(ids)} projects; META allows"
                               f" {least} to {most}")
    unknown = {p for _, ids in ballots for p in ids} - set(projects)
    if unknown:
        raise PabulibError(f"ballots name projects not in PROJECTS: {sorted(unknown)[:5]}")
    return Election(hashlib.sha256(raw).hexdigest(), meta, projects, ballots)


_DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%Y.%m.%d", "%d-%m-%Y")


def _day(value: str, *, end: bool) -> date | None:
    value = value.strip().split(" ")[0]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            pass
    if re.fullmatch(r"\d{4}", value):
        return date(int(value), 12, 31) if end else date(int(value), 1, 1)
    return None


def window(election: Election) -> tuple[datetime, datetime]:
    """The voting window from META (end day included), else a stated deterministic window."""
    begin = _day(election.meta.get("date_begin", ""), end=False)
    end = _day(election.meta.get("date_end", ""), end=True)
    if begin is None and end is None:
        year = _day(election.meta.get("instance", ""), end=False)
        begin = year or date(2000, 1, 1)
        end = begin + timedelta(days=30)
        election.notes.append(
            f"META has no usable date_begin/date_end: using {begin} to {end} as the window")
    elif begin is None or end is None:
        begin = begin or (end - timedelta(days=30) if end else None)
        end = end or (begin + timedelta(days=30) if begin else None)
        election.notes.append(f"META gives only one date: using {begin} to {end} as the window")
    assert begin is not None and end is not None
    if end < begin:
        raise PabulibError(f"date_end {end} is before date_begin {begin}")
    opens = datetime(begin.year, begin.month, begin.day, tzinfo=UTC)
    closes = datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1)
    return opens, closes


def max_votes(election: Election) -> int:
    value = _int(election.meta.get("max_length"))
    if election.meta.get("vote_type", "").strip().lower() == "choose-1":
        value = vote_limits(election.meta)[1]
    if value is None or value < 1:
        value = max([len(ids) for _, ids in election.ballots] or [1])
        election.notes.append(f"META has no max_length: using the longest ballot, {value}")
    return min(value, 10_000)


def voter_id(election: Election, voter: str) -> str:
    """A participant id for a ballot's voter, unique to the file."""
    if _PARTICIPANT.match(voter):
        return f"pb-{election.digest[:8]}-{voter}"
    return f"pb-{election.digest[:8]}-h{hashlib.sha256(voter.encode()).hexdigest()[:24]}"


def campaign_id(election: Election) -> uuid.UUID:
    return derived_id("pabulib", election.digest, "campaign")


def idea_id(election: Election, project_id: str) -> uuid.UUID:
    return derived_id("pabulib", election.digest, "project", project_id)


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _non_negative(n: int | None) -> int | None:
    return n if n is not None and n >= 0 else None


def campaign_events(election: Election, actor: str) -> list[Envelope]:
    """The campaign and one submitted idea per project."""
    opens, closes = window(election)
    m = election.meta
    place = " / ".join(x for x in (m.get("country"), m.get("unit"), m.get("subunit") or
                                   m.get("district")) if x)
    title = _clip(m.get("description") or f"Participatory budget {place}", 200)
    cid = campaign_id(election)
    created = CampaignCreated(
        campaign_id=cid, title=title,
        question=_clip(f"Which projects should {place or 'the budget'} fund?", 1_000),
        description=_clip(f"Imported from Pabulib ({place}, instance {m.get('instance', '?')},"
                          f" sha256 {election.digest[:16]}).", 10_000),
        opens_at=opens, closes_at=closes, moderation=ModerationMode.POST,
        vote_rules=VoteRules(mode=VoteMode.SUPPORT,
                             max_votes_per_participant=max_votes(election)),
        budget=_non_negative(_int(m.get("budget"))),
        min_votes_to_fund=_non_negative(_int(m.get("min_project_score_threshold"))),
        vote_times=VoteTimes.SYNTHETIC,  # ballots have no times; publish_votes spreads them
        imported_from=_clip(f"Pabulib, pabulib.org ({place}, instance "
                            f"{m.get('instance', '?')})", 200),
    )
    events = [Envelope.wrap(created, actor=actor, occurred_at=opens - timedelta(days=1),
                            event_id=derived_id("pabulib", election.digest, "created"))]
    for n, p in enumerate(election.projects.values()):
        submitted = IdeaSubmitted(
            idea_id=idea_id(election, p.project_id), campaign_id=cid,
            title=_clip(p.name, 200),
            body=_clip(f"{p.name} (Pabulib project {p.project_id}"
                       + (f", cost {p.cost}" if p.cost is not None else "") + ")", 10_000),
            category=_clip(p.category, 200) if p.category else None,
            estimated_cost=p.cost if p.cost is not None and p.cost >= 0 else None,
        )
        events.append(Envelope.wrap(
            submitted, actor=actor, occurred_at=opens + timedelta(seconds=1 + n),
            event_id=derived_id("pabulib", election.digest, "submitted", p.project_id)))
    return events


def vote_events(election: Election) -> Iterator[Envelope]:
    """One VoteCast per supported project per ballot, spread evenly over the window."""
    opens, closes = window(election)
    cid = campaign_id(election)
    ideas = {pid: idea_id(election, pid) for pid in election.projects}
    # the first minute is left to the ideas; ballots spread over the rest of the window
    start = opens + timedelta(minutes=1)
    span = (closes - start) / max(len(election.ballots), 1)
    vote_id = _vote_ids(election)
    for n, (voter, ids) in enumerate(election.ballots):
        who = voter_id(election, voter)
        at = start + span * n
        for k, pid in enumerate(ids):
            yield Envelope.wrap(
                VoteCast(voter_id=who, campaign_id=cid, idea_id=ideas[pid]),
                actor=who, occurred_at=at + timedelta(microseconds=k),
                event_id=vote_id(voter, pid))


def _vote_ids(election: Election) -> Callable[[str, str], uuid.UUID]:
    """`derived_id("pabulib", digest, "vote", voter, project)`, with the hash of the part every
    vote of the file shares computed once (the importer derives one id per vote)."""
    shared = hashlib.sha1(IDEASTORM_NS.bytes + f"pabulib/{election.digest}/vote/".encode(),
                          usedforsecurity=False)

    def vote_id(voter: str, project: str) -> uuid.UUID:
        h = shared.copy()
        h.update(f"{voter}/{project}".encode())
        return uuid.UUID(bytes=h.digest()[:16], version=5)

    return vote_id


_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))  # the version and variant bits
_UUID5_SET = (5 << 76) | (0x8000 << 48)  # version 5, RFC 4122 variant


def _vote_id_texts(election: Election) -> Callable[[str, str], str]:
    """`_vote_ids` as the text of each id (what the envelope's JSON holds), without a
    `uuid.UUID` per vote: the version 5 and variant bits set on the digest's bytes, as
    `uuid.UUID(bytes=..., version=5)` sets them."""
    shared = hashlib.sha1(IDEASTORM_NS.bytes + f"pabulib/{election.digest}/vote/".encode(),
                          usedforsecurity=False)

    def vote_id(voter: str, project: str) -> str:
        h = shared.copy()
        h.update(f"{voter}/{project}".encode())
        x = "%032x" % (int.from_bytes(h.digest()[:16]) & _UUID_CLEAR | _UUID5_SET)
        return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"

    return vote_id


# markers the vote template's example holds where each vote's own values go: valid values of
# their fields that no file can give (ids of the nil kind, a time before any election)
_MARK_ID = uuid.UUID("00000000-0000-5000-8000-00000000e1d0")
_MARK_IDEA = uuid.UUID("00000000-0000-5000-8000-0000000001de")
_MARK_VOTER = "pb-marker-voter-ef3a9c"
_MARK_OCCURRED = datetime(1901, 2, 3, 4, 5, 6, 700001, tzinfo=UTC)
_MARK_RECORDED = datetime(1902, 3, 4, 5, 6, 7, 800002, tzinfo=UTC)

VoteRecord = tuple[str, bytes, bytes, None]
"""topic, key, value, headers: a vote as the producer sends it"""


def vote_records(election: Election, ballots: range | None = None, *,
                 clock: Callable[[], datetime] = utcnow) -> Iterator[VoteRecord]:
    """The records of `vote_events`, byte for byte, made without a model per vote.

    The envelope and `VoteCast` models encode one example vote of the file (its campaign,
    schema version and defaults), and each vote fills in its own id, times, voter and idea
    (`Template`). What varies is checked with the models' own constraints: every voter id with
    those of `VoteCast.voter_id` and `Envelope.actor`, all in one call; each idea id is one of
    the file's; the ids and times are made here. `recorded_at` is read from `clock` once per
    ballot (the model path reads it once per vote, microseconds apart). With `ballots`, the
    records of those ballots only (by their place in the file)."""
    opens, closes = window(election)
    cid = campaign_id(election)
    ideas = {pid: str(idea_id(election, pid)) for pid in election.projects}
    start = opens + timedelta(minutes=1)
    span = (closes - start) / max(len(election.ballots), 1)
    numbers = range(len(election.ballots)) if ballots is None else ballots
    voters = [voter_id(election, election.ballots[n][0]) for n in numbers]
    if (field_values(VoteCast, "voter_id", voters) != voters
            or field_values(Envelope, "actor", voters) != voters):
        raise PabulibError("a voter id would change in the event (surrounding spaces)")
    example = Envelope.wrap(
        VoteCast(voter_id=_MARK_VOTER, campaign_id=cid, idea_id=_MARK_IDEA), actor=_MARK_VOTER,
        occurred_at=_MARK_OCCURRED, event_id=_MARK_ID
    ).model_copy(update={"recorded_at": _MARK_RECORDED})
    template = Template(example, {"id": str(_MARK_ID), "idea": str(_MARK_IDEA),
                                  "voter": _MARK_VOTER, "at": json_time(_MARK_OCCURRED),
                                  "recorded": json_time(_MARK_RECORDED)}).fill
    topic = VoteCast.__topic__.name
    vote_id = _vote_id_texts(election)
    for n, who in zip(numbers, voters, strict=True):
        voter, ids = election.ballots[n]
        key = who.encode()
        at = start + span * n
        recorded = json_time(clock())
        for pid, occurred in zip(ids, _vote_times(at, len(ids)), strict=True):
            yield topic, key, template({
                "id": vote_id(voter, pid), "idea": ideas[pid], "voter": who, "at": occurred,
                "recorded": recorded}), None


def _vote_times(at: datetime, count: int) -> list[str]:
    """`json_time(at + k µs)` for k below `count` (a ballot's votes are a microsecond apart):
    only the fraction of the second changes, unless they cross into the next second."""
    if at.utcoffset() != timedelta(0) or at.microsecond + count > 1_000_000:
        return [json_time(at + timedelta(microseconds=k)) for k in range(count)]
    whole, first = json_time(at.replace(microsecond=0))[:-1], at.microsecond
    return [f"{whole}.{first + k:06d}Z" if first + k else f"{whole}Z" for k in range(count)]

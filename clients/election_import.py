"""Replay a Pabulib election through the topics, and check the tallies against the official counts.

A client like any other: it publishes the events an election would have produced (the campaign,
one submitted idea per project, one vote per supported project per ballot) and reads the result
back through the gateway's HTTP API (`GET /campaigns/{id}/tally`). It reads no service's tables.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import httpx

from clients import pabulib
from services.infra.kafka import EventProducer, archiving_producer

Say = Callable[[str], None]
POLL_S = 0.5


@dataclass
class CheckResult:
    matching: int = 0
    compared: int = 0
    differences: list[str] = field(default_factory=list)
    complete: bool = True  # every published vote was decided
    selection: list[str] = field(default_factory=list)  # the `selected:` lines
    selection_ok: bool = True

    @property
    def ok(self) -> bool:
        return (self.complete and self.compared > 0 and self.matching == self.compared
                and self.selection_ok)

    def lines(self) -> list[str]:
        """What `--check` prints last: the votes line, then the selection lines."""
        return [f"votes: {self.matching}/{self.compared} ideas match the official counts",
                *self.selection]


# the file's META rule, as the gateway's selection route names it
RULES = {"greedy": "greedy", "equalshares": "equal-shares"}
SELECTION_TIMEOUT_S = 600.0  # equal shares on the largest elections takes a while


def file_rule(election: pabulib.Election) -> str | None:
    rule = election.meta.get("rule", "").strip().lower()
    return "equal-shares" if rule.startswith("equalshares") else RULES.get(rule)


async def selection(http: httpx.AsyncClient, election: pabulib.Election,
                    rule: str) -> dict[str, Any]:
    """What the gateway says `rule` funds in the imported campaign (its budget from META), for
    the votes as they are now: the voting worker computes it, so a 202 (or a stored answer for
    older votes, `current` false) is asked again after its `Retry-After`."""
    cid = pabulib.campaign_id(election)
    deadline = time.monotonic() + SELECTION_TIMEOUT_S
    while True:
        r = await http.get(f"/campaigns/{cid}/selection", params={"rule": rule})
        body: dict[str, Any] = r.json()
        if r.status_code == 200 and body.get("current", True):
            return body
        if r.status_code not in (200, 202, 429) or time.monotonic() > deadline:
            raise RuntimeError(f"GET /campaigns/{cid}/selection answered {r.status_code}:"
                               f" {r.text}")
        await asyncio.sleep(min(float(r.headers.get("Retry-After", "1")), 5.0))


def _would(election: pabulib.Election, body: dict[str, Any]) -> str:
    project = {str(pabulib.idea_id(election, pid)): pid for pid in election.projects}
    chosen = [project.get(i["idea_id"], i["idea_id"]) for i in body["selected"]]
    share = (f"{100 * body['funded_voters_share']:.1f}%"
             if body["funded_voters_share"] is not None else "no voters")
    return (f"{body['rule']} would select {len(chosen)} projects costing {body['total_cost']}"
            f" of {body['budget']} ({share} of {body['voters']} voters get a supported"
            f" project funded): {', '.join(chosen)}")


async def check_selection(http: httpx.AsyncClient, election: pabulib.Election,
                          result: CheckResult) -> None:
    """Compare the file's `selected` column with what the gateway's selection route funds under
    the file's rule; for another rule, say what greedy and equal shares would fund."""
    marked = {pid: p.selected for pid, p in election.projects.items() if p.selected is not None}
    rule = file_rule(election)
    if rule is None:
        named = election.meta.get("rule", "").strip() or "none"
        result.selection = [f"selected: the file's rule is {named}; what each rule would select:",
                            _would(election, await selection(http, election, "greedy")),
                            _would(election, await selection(http, election, "equal-shares"))]
        return
    body = await selection(http, election, rule)
    if not marked:
        result.selection = ["selected: the file has no selected column; " + _would(election, body)]
        return
    chosen = {i["idea_id"] for i in body["selected"]}
    funded = {pid: str(pabulib.idea_id(election, pid)) in chosen for pid in marked}
    agree = sum(funded[pid] == official for pid, official in marked.items())
    result.selection = [f"selected: {agree}/{len(marked)} projects match the file's selected"
                        f" column (rule {election.meta['rule'].strip()})"]
    if agree != len(marked):
        result.selection_ok = False
        only_file = sorted(p for p, f in marked.items() if f and not funded[p])
        only_rule = sorted(p for p, f in marked.items() if not f and funded[p])
        result.selection.append(f"selected: funded in the file only: {', '.join(only_file) or 'none'};"
                                f" by {rule} only: {', '.join(only_rule) or 'none'}")


async def tally(http: httpx.AsyncClient, campaign_id: uuid.UUID,
                wait_for: uuid.UUID | None = None) -> dict[str, Any] | None:
    """The campaign's tally, or None while the voting service does not know the campaign."""
    params = {"wait_for": str(wait_for)} if wait_for else {}
    r = await http.get(f"/campaigns/{campaign_id}/tally", params=params)
    if r.status_code in (404, 504):  # not applied yet
        return None
    if r.status_code != 200:
        raise RuntimeError(f"GET /campaigns/{campaign_id}/tally answered {r.status_code}: {r.text}")
    body: dict[str, Any] = r.json()
    return body


async def wait_for_ideas(http: httpx.AsyncClient, election: pabulib.Election,
                         created: uuid.UUID, *, timeout: float) -> int:
    """Wait until the voting service lists every idea of the election; returns how many it does."""
    cid = pabulib.campaign_id(election)
    wanted = {str(pabulib.idea_id(election, p)) for p in election.projects}
    deadline = time.monotonic() + timeout
    known = 0
    while time.monotonic() < deadline:
        body = await tally(http, cid, wait_for=created)
        if body is not None:
            known = len(wanted & {i["idea_id"] for i in body["ideas"]})
            if known == len(wanted):
                break
        await asyncio.sleep(POLL_S)
    return known


async def publish_election(producer: EventProducer, http: httpx.AsyncClient,
                           election: pabulib.Election, *, actor: str, say: Say,
                           ideas_timeout: float = 60.0) -> int:
    """Publish the campaign, its ideas, then every vote. Returns the number of votes."""
    campaign = pabulib.campaign_events(election, actor)
    await producer.publish_many(campaign)
    say(f"published the campaign and {len(election.projects)} ideas")
    # The ideas service publishes each idea's status; votes that overtake it are parked by the
    # voting service and still count, but waiting here keeps the parking lot small.
    known = await wait_for_ideas(http, election, campaign[0].event_id, timeout=ideas_timeout)
    if known < len(election.projects):
        say(f"the voting service knows {known}/{len(election.projects)} ideas after"
            f" {ideas_timeout:g}s (is the ideas worker running?); publishing the votes anyway:"
            " they wait for their ideas")
    sent = await publish_votes(producer, election)
    say(f"published {sent} votes")
    return sent


CHUNK = 50_000  # votes per `send_raw_many`, about (whole ballots)
AHEAD = 2  # chunks being made while one is archived and sent


async def publish_votes(producer: EventProducer, election: pabulib.Election) -> int:
    """Publish every vote of the election, in chunks of whole ballots; returns how many.

    The records are `pabulib.vote_records`: the bytes of `vote_events`' envelopes, made
    without a model per vote, in a process of their own (forked from this one, so it has the
    parsed election) while this one archives and sends the chunk before: making the records
    and archiving them (chain hashes, COPY, broker batches) are each CPU work of their own, and
    two processes do them on two cores. Chunks are sent one after the other in the file's
    order, one in flight at most, so the votes keep their order."""
    loop = asyncio.get_running_loop()
    parts = chunks(election, CHUNK)
    sent = 0
    in_flight: asyncio.Future[None] | None = None
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"),
                             initializer=_making, initargs=(election, os.getpid())) as pool:
        making = deque(loop.run_in_executor(pool, _make, part) for part in islice(parts, AHEAD))
        try:
            while making:
                chunk = await making.popleft()
                making.extend(loop.run_in_executor(pool, _make, part)
                              for part in islice(parts, 1))
                if in_flight is not None:
                    await in_flight
                in_flight = asyncio.ensure_future(producer.send_raw_many(chunk))
                sent += len(chunk)
            if in_flight is not None:
                await in_flight
        finally:
            if in_flight is not None and not in_flight.done():
                in_flight.cancel()
            for f in making:
                f.cancel()
    return sent


def chunks(election: pabulib.Election, size: int) -> Iterator[range]:
    """The ballots in consecutive ranges of about `size` votes each (whole ballots)."""
    first, votes = 0, 0
    for n, (_, ids) in enumerate(election.ballots):
        votes += len(ids)
        if votes >= size:
            yield range(first, n + 1)
            first, votes = n + 1, 0
    if first < len(election.ballots):
        yield range(first, len(election.ballots))


_election: pabulib.Election | None = None  # the election the making process makes records of


def _making(election: pabulib.Election, importer: int) -> None:
    global _election
    _election = election
    threading.Thread(target=_end_with, args=(importer,), daemon=True).start()


def _end_with(importer: int) -> None:
    """End the making process as soon as the importer is gone, however it ended (killed, it
    cannot say so): the process holds copies of the importer's sockets, among them the
    database session that holds the archive's partition locks, which must end with it."""
    while os.getppid() == importer:
        time.sleep(0.2)
    os._exit(0)


def _make(ballots: range) -> list[pabulib.VoteRecord]:
    assert _election is not None
    return list(pabulib.vote_records(_election, ballots))


async def wait_for_tallies(http: httpx.AsyncClient, campaign_id: uuid.UUID, expected: int, *,
                           timeout: float, say: Say) -> tuple[int, dict[str, Any] | None]:
    """Wait until `expected` votes of the campaign are decided; returns how many are, and the
    last tally read."""
    deadline = time.monotonic() + timeout
    decided, last_report, body = 0, 0.0, None
    while time.monotonic() < deadline:
        body = await tally(http, campaign_id)
        votes = body["votes"] if body else {}
        decided = sum(n for s, n in votes.items() if s != "pending")
        if decided >= expected:
            # the route reads the tallies before it counts the decided votes: a batch committed
            # in between shows every vote decided beside older tallies; now nothing moves
            body = await tally(http, campaign_id)
            break
        if time.monotonic() - last_report > 10:
            say(f"waiting for tallies: {decided}/{expected} votes decided,"
                f" {votes.get('pending', 0)} waiting for their idea")
            last_report = time.monotonic()
        await asyncio.sleep(POLL_S)
    return decided, body


def compare(body: dict[str, Any] | None, election: pabulib.Election) -> CheckResult:
    """Each project's official count against the supports in the tally."""
    supports = {i["idea_id"]: i["supports"] for i in (body or {}).get("ideas", [])}
    result = CheckResult()
    for pid, project in election.projects.items():
        if project.votes is None:
            result.differences.append(f"project {pid}: the file has no official count")
            continue
        result.compared += 1
        got = supports.get(str(pabulib.idea_id(election, pid)), 0)
        if got == project.votes:
            result.matching += 1
        else:
            result.differences.append(
                f"project {pid} ({project.name[:40]}): tally {got}, official {project.votes}")
    return result


async def import_election(bootstrap: str, base_url: str, token: str,
                          election: pabulib.Election, *, check: bool,
                          database_url: str | None, actor: str = "pabulib-import",
                          timeout: float = 900.0, say: Say = lambda _: None) -> CheckResult | None:
    """Publish the election to the topics at `bootstrap`; with `check`, wait (at most `timeout`
    seconds) until the gateway at `base_url` shows every vote decided and compare the tallies."""
    async with (archiving_producer(bootstrap, database_url, linger_ms=20) as producer,
                httpx.AsyncClient(base_url=base_url, timeout=60,
                                  headers={"Authorization": f"Bearer {token}"}) as http):
        sent = await publish_election(producer, http, election, actor=actor, say=say)
        if not check:
            return None
        cid = pabulib.campaign_id(election)
        decided, body = await wait_for_tallies(http, cid, sent, timeout=timeout, say=say)
        result = compare(body, election)
        if decided < sent:
            result.differences.append(f"only {decided}/{sent} votes decided within {timeout:g}s")
            result.complete = False
        await check_selection(http, election, result)
    return result

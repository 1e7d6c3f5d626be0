"""The formulas of the progress views and the quarterly report: one figure, one formula, here.

Pure: the standard library and `schemas` only. Deviations are signed (a stall or work ahead of
plan shows as it is); only a shortfall or an overspend makes a status worse.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from schemas.plan import Goal, TargetShape

GREEN, AMBER, RED, NONE = "green", "amber", "red", "none"
RAG_RANK = {NONE: 0, GREEN: 1, AMBER: 2, RED: 3}
# the Danish state's traffic light for IT projects (Statens It-råd): green within 10 %
# deviation from the approved baseline, amber from 10 to 25 %, red beyond; a plan may state its own
DEFAULT_AMBER, DEFAULT_RED = 0.10, 0.25


def elapsed_fraction(start: date, end: date, as_of: date) -> float:
    """The share of a period's days (both ends included) that have passed by the end of
    `as_of`, unrounded: 1-30 April at the end of 15 April is 0.5."""
    if as_of < start:
        return 0.0
    if as_of >= end:
        return 1.0
    return ((as_of - start).days + 1) / ((end - start).days + 1)


def phased(amount: int, start: date, end: date, as_of: date) -> int:
    """An amount phased linearly over a period, to the end of `as_of`, in whole kroner (from the
    unrounded share of the period, so a printed krone is a computed one)."""
    return math.floor(amount * elapsed_fraction(start, end, as_of) + 0.5)


def deviation(actual: float, planned: float) -> float | None:
    """(actual - planned) / planned, signed, to 0.1 %; None when nothing was planned yet."""
    if planned <= 0:
        return None
    return round((actual - planned) / planned, 3)


def schedule_deviation(expected_percent: float, done_percent: float | None) -> float | None:
    """How far behind (positive) or ahead (negative) of plan: (expected - done) / expected."""
    if done_percent is None:
        return None
    d = deviation(done_percent, expected_percent)
    return None if d is None else -d or 0.0


def judge_rag(deviations: Iterable[float | None], amber: float, red: float) -> str:
    """Green within `amber`, amber up to `red`, red beyond; only a shortfall or an overspend
    (a positive deviation) counts; nothing to judge: `none`."""
    known = [d for d in deviations if d is not None]
    if not known:
        return NONE
    worst = max(known)
    if worst <= amber:
        return GREEN
    return AMBER if worst <= red else RED


def worst(ratings: Iterable[str]) -> str:
    return max(ratings, key=lambda r: RAG_RANK[r], default=NONE)


@dataclass(frozen=True)
class Status:
    """An initiative's computed status against its approved baseline at the end of a day."""

    expected_percent: float
    schedule: float | None  # behind plan (+) or ahead (-)
    cost: float | None  # spent against the phased baseline budget: over (+) or under (-)
    forecast: float | None  # full-year forecast against the baseline budget
    phased: int  # the baseline budget phased to the day
    rag: str


def status(*, start: date, end: date, budget: int, as_of: date, done_percent: float | None,
           spent: int | None, forecast: int | None, amber: float, red: float) -> Status:
    """The one computed status: schedule, cost and forecast deviations judged against the
    tolerances. `start`, `end`, `budget`: the approved baseline."""
    expected = round(100 * elapsed_fraction(start, end, as_of), 1)
    planned = phased(budget, start, end, as_of)
    # against the expected percent as printed, so a reader recomputes the same deviation
    schedule = schedule_deviation(expected, done_percent)
    cost = deviation(spent, planned) if spent is not None else None
    ahead = deviation(forecast, budget) if forecast is not None else None
    return Status(expected, schedule, cost, ahead, planned,
                  judge_rag((schedule, cost, ahead), amber, red))


# ---- goals -------------------------------------------------------------------------------


def whole_numbers(goal: Goal) -> bool:
    """A goal that counts something (people, ideas, cases): baseline and target are whole and
    the unit is not a percentage. Its expected value is shown as a whole number."""
    return (float(goal.baseline).is_integer() and float(goal.target).is_integer()
            and goal.unit.strip() != "%")


def goal_expected(goal: Goal, start: date, as_of: date) -> float:
    """Where the goal should be at the end of `as_of`, following its shape: linear from the
    initiative's start to the due date, a step on the due date, or the value of the latest
    checkpoint reached (the target from the due date). Counts are whole numbers (rounded
    half up)."""
    base, target = float(goal.baseline), float(goal.target)
    if as_of >= goal.due:
        value = target
    elif goal.shape is TargetShape.STEP:
        value = base
    elif goal.shape is TargetShape.MILESTONES:
        reached = [c.value for c in goal.checkpoints if c.on <= as_of]
        value = float(reached[-1]) if reached else base
    else:
        frac = elapsed_fraction(start, goal.due, as_of) if goal.due > start else 0.0
        value = base + (target - base) * frac
    if whole_numbers(goal):
        return float(math.floor(value + 0.5)) if target >= base else float(math.ceil(value - 0.5))
    return round(value, 2)


def goal_met(goal: Goal, actual: float | None) -> bool:
    if actual is None:
        return False
    return actual <= goal.target if goal.target < goal.baseline else actual >= goal.target


def goal_on_track(goal: Goal, actual: float | None, expected: float, amber: float
                  ) -> bool | None:
    """Met, or at least the expected progress less the amber tolerance; None: not measured."""
    if actual is None:
        return None
    span = float(goal.target) - float(goal.baseline)
    progress = (actual - goal.baseline) / span
    wanted = (expected - goal.baseline) / span
    return progress >= 1.0 or progress >= wanted * (1 - amber)

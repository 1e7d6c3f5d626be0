"""What an outbox hands the broker without reading it back from the archive."""

from __future__ import annotations

import pytest

from services.infra.kafka import _contiguous, _steps

pytestmark = pytest.mark.unit


def rec(n: int) -> tuple[int, bytes | None, bytes | None, bytes | None]:
    return (n, None, str(n).encode(), None)


def test_staged_parts_that_cover_the_tail_exactly_are_used_in_offset_order() -> None:
    parts = [(12, [rec(12), rec(13)]), (10, [rec(10), rec(11)])]
    assert _contiguous(parts, 10, 14) == [rec(10), rec(11), rec(12), rec(13)]


@pytest.mark.parametrize(("start", "stop"), [(9, 14), (10, 15), (11, 14)])
def test_a_tail_the_parts_do_not_cover_exactly_is_read_from_the_archive(start: int,
                                                                       stop: int) -> None:
    # records before them (another process's), after them, or some already delivered
    parts = [(10, [rec(10), rec(11)]), (12, [rec(12), rec(13)])]
    assert _contiguous(parts, start, stop) is None


def test_a_gap_between_parts_is_not_bridged() -> None:
    assert _contiguous([(10, [rec(10)]), (12, [rec(12)])], 10, 13) is None


@pytest.mark.parametrize(("sizes", "step"), [((12_000, 3, 7_001, 0), 5_000), ((4,), 5_000),
                                            ((5_000, 5_000), 5_000), ((), 5_000)])
def test_a_bulk_publishes_steps_hold_each_partitions_records_once_in_order(
        sizes: tuple[int, ...], step: int) -> None:
    """A large publish is archived and handed to the broker step by step: the steps put
    together are each partition's records as grouped, in order, none twice, none lost."""
    grouped = {("votes", p): [rec(p * 100_000 + i) for i in range(n)]
               for p, n in enumerate(sizes) if n}
    steps = _steps(grouped, step)
    assert steps
    total = sum(len(r) for r in grouped.values())
    assert len(steps) == max(1, -(-total // step))
    for tp, recs in grouped.items():
        assert [r for s in steps for r in s.get(tp, [])] == recs
    assert all(all(s.values()) for s in steps)
    if not grouped:
        assert steps == [{}]

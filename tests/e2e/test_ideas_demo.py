"""The demo's scenario on the test stack: the Amsterdam projects end up published."""

from __future__ import annotations

import pytest

from clients.demo import DEFAULT_DATA, DemoClient, run
from clients.pabulib import read_projects
from services.infra.settings import Settings
from services.infra.stack import Stack

pytestmark = pytest.mark.e2e


def test_demo_publishes_every_project_after_moderation(
    infra: Settings, stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    pb = read_projects(DEFAULT_DATA)
    run(DemoClient(stack.base_url, infra), pb.meta, pb.projects)
    out = capsys.readouterr().out
    before, after = out.split("published ideas after approval")
    assert "moderation queue before (19 waiting" in before
    assert before.count("pending") == 19
    assert after.startswith(" (19; 0 left in the queue)")
    assert after.count("published") == 19 and "Bomen tegen hittestress" in after
    assert "audit log: 19 decisions by ['moderator-demo']" in after

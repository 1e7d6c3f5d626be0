"""Several gateway processes share one port (HTTP_WORKERS) and stop together."""

from __future__ import annotations

from pathlib import Path

import httpx
import psutil
import pytest

from services.infra.embedded import free_port
from services.infra.settings import Settings
from services.infra.stack import Stack

pytestmark = pytest.mark.integration


def test_two_gateway_processes_serve_one_port_and_stop_on_sigterm(
    infra: Settings, tmp_path: Path
) -> None:
    stack = Stack(infra, workers=(), http_port=free_port(), log_dir=tmp_path,
                  extra_env={"HTTP_WORKERS": "2"})
    proc = stack.start_gateway()
    try:
        stack.wait_ready(90, ("gateway",))
        serving = [c for c in psutil.Process(proc.pid).children(recursive=True)
                   if "spawn_main" in " ".join(c.cmdline())]
        assert len(serving) == 2, [c.cmdline() for c in serving]
        for _ in range(10):
            assert httpx.get(f"{stack.base_url}/readyz", timeout=5).status_code == 200
    finally:
        code = stack.stop_process("gateway")
    assert code == 0
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in serving)

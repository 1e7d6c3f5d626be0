"""The running gateway keeps its OpenAPI contract under generated requests, for every caller.

schemathesis (pinned in pyproject.toml) reads the gateway's own /openapi.json and sends valid and
invalid requests to every operation with every check enabled: no 5xx, only documented statuses,
bodies and media types as documented, invalid requests refused, valid ones not refused, a route
that needs a token refuses one without it. It runs once per caller (no token, and each role), with
a fixed seed and a per-caller budget so the whole test stays within a few minutes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from services.infra.stack import Stack

# last in the session (tests/conftest.py): what it writes must not meet other tests' plans
pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.fuzz]

CALLERS = ("anonymous", "participant", "moderator", "planner", "steering", "admin")
CONFIG = Path(__file__).with_name("schemathesis.toml")
EXAMPLES = int(os.environ.get("CONTRACT_FUZZ_EXAMPLES", "4"))
SECONDS_PER_CALLER = int(os.environ.get("CONTRACT_FUZZ_SECONDS", "25"))


def _schemathesis() -> str:
    return str(Path(sys.executable).with_name("schemathesis"))


@pytest.mark.parametrize("caller", CALLERS)
def test_the_gateway_keeps_its_contract_under_fuzzing(
    stack: Stack, token: Callable[..., str], caller: str, tmp_path: Path,
) -> None:
    command = [
        _schemathesis(), "--config-file", str(CONFIG), "run", f"{stack.base_url}/openapi.json",
        "--checks", "all", "--phases", "coverage,fuzzing", "--max-examples", str(EXAMPLES),
        "--seed", "13", "--max-time", str(SECONDS_PER_CALLER), "--workers", "1",
        "--request-timeout", "15", "--report-dir", str(tmp_path),
        "--exclude-path", "/readyz",
    ]
    if caller != "anonymous":
        command += ["-H", f"Authorization: Bearer {token(caller, sub=f'fuzz-{caller}')}"]
    started = time.monotonic()
    run = subprocess.run(command, capture_output=True, text=True, timeout=SECONDS_PER_CALLER * 4,
                         env={**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_WAIT_FOR_SCHEMA": "30"})
    took = time.monotonic() - started
    output = run.stdout + run.stderr
    summary = output[output.rfind("SUMMARY"):] if "SUMMARY" in output else output[-3000:]
    sys.stdout.write(f"\n[{caller}] {took:.0f} s\n{summary}\n")
    assert run.returncode == 0, f"schemathesis as {caller} found contract failures:\n{output[-20000:]}"
    operations = re.search(r"Tested:\s+(\d+)", output)
    assert operations and int(operations.group(1)) >= 35, summary

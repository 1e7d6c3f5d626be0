"""What a benchmark phase spends its time on: flame graphs, database waits and processes' CPU.

    BENCH_PROFILE_DIR=docs/benchmarks .venv/bin/python -m bench.voting

With `BENCH_PROFILE_DIR` set, each phase a benchmark wraps in `Probe` leaves in that folder:
- `<phase>-<process>.svg`: a py-spy flame graph of each named process during the phase (py-spy
  is a development tool, not a dependency: `.venv/bin/pip install py-spy`);
- `<phase>.txt`: the CPU seconds every process of the machine used during the phase (so the
  benchmark's own processes can be told from the rest of the machine's load), and what the
  database's sessions were doing, sampled every 50 ms (state, wait event, the query's start).

Without it, `Probe` does nothing.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from types import TracebackType

import asyncpg

TICKS = os.sysconf("SC_CLK_TCK")
SAMPLE_S = 0.05


def profile_dir() -> Path | None:
    folder = os.environ.get("BENCH_PROFILE_DIR")
    return Path(folder) if folder else None


def _py_spy() -> str | None:
    here = ROOT / ".venv" / "bin" / "py-spy"
    return str(here) if here.exists() else shutil.which("py-spy")


ROOT = Path(__file__).resolve().parent.parent


def label(cmd: str) -> str:
    """A process's command line without folders: this checkout's processes as they were
    started here, any other process marked as such (a database server process cannot be told
    apart: every PostgreSQL on the machine names its sessions alike)."""
    mine = f"{ROOT}/" in cmd or cmd.startswith((".venv/", "postgres:"))
    short = re.sub(r"(?<![\w.])/\S*/", "", cmd.replace(f"{ROOT}/", "")).strip()
    return short[:90] if mine else f"(other) {short[:80]}"


def cpu_times() -> dict[int, tuple[str, float]]:
    """Every user process's (label, CPU seconds used so far)."""
    out: dict[int, tuple[str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or entry.name == "1":
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if not cmd.strip():
            continue  # a kernel thread
        fields = stat[stat.rindex(")") + 2:].split()
        out[int(entry.name)] = (label(cmd), (int(fields[11]) + int(fields[12])) / TICKS)
    return out


class Probe:
    """Profile one phase (see the module's docstring); a no-op without BENCH_PROFILE_DIR."""

    def __init__(self, phase: str, pids: dict[str, int], dsn: str | None, *,
                 idle: bool = False) -> None:
        self.phase, self.pids, self.dsn, self.idle = phase, pids, dsn, idle
        self.folder = profile_dir()
        self._spies: list[subprocess.Popen[bytes]] = []
        self._sampler: asyncio.Task[Counter[tuple[str, ...]]] | None = None
        self._stop = asyncio.Event()
        self._cpu: dict[int, tuple[str, float]] = {}
        self._started = 0.0

    async def __aenter__(self) -> Probe:
        if self.folder is None:
            return self
        self.folder.mkdir(parents=True, exist_ok=True)
        spy = _py_spy()
        for label, pid in self.pids.items():
            if spy is None:
                break
            args = [spy, "record", "--pid", str(pid), "--rate", "100", "--nonblocking",
                    "-o", str(self.folder / f"{self.phase}-{label}.svg")]
            if self.idle:
                args.append("--idle")
            # started, not waited for: py-spy runs beside the phase until __aexit__ stops it
            self._spies.append(subprocess.Popen(  # noqa: ASYNC220
                args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        if self.dsn:
            self._sampler = asyncio.create_task(self._sample())
        self._cpu = cpu_times()
        self._started = time.perf_counter()
        return self

    async def _sample(self) -> Counter[tuple[str, ...]]:
        seen: Counter[tuple[str, ...]] = Counter()
        assert self.dsn is not None
        conn = await asyncpg.connect(self.dsn)
        try:
            while not self._stop.is_set():
                for r in await conn.fetch(
                        "SELECT state, coalesce(wait_event_type, '-') AS wt,"
                        " coalesce(wait_event, '-') AS we, left(query, 70) AS q"
                        " FROM pg_stat_activity WHERE backend_type = 'client backend'"
                        " AND pid <> pg_backend_pid() AND state <> 'idle'"):
                    seen[(r["state"], r["wt"], r["we"], " ".join(r["q"].split()))] += 1
                seen[("samples",)] += 1
                await asyncio.sleep(SAMPLE_S)
        finally:
            await conn.close()
        return seen

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        if self.folder is None:
            return
        wall = time.perf_counter() - self._started
        after = cpu_times()
        self._stop.set()
        waits = await self._sampler if self._sampler is not None else Counter()
        for spy in self._spies:
            spy.send_signal(signal.SIGINT)
        for spy in self._spies:
            try:
                await asyncio.to_thread(spy.wait, 60)
            except subprocess.TimeoutExpired:
                spy.kill()
        used = sorted(((cpu - self._cpu.get(pid, (name, 0.0))[1], pid, name)
                       for pid, (name, cpu) in after.items()), reverse=True)
        one, five, _ = os.getloadavg()
        lines = [f"phase {self.phase}: {wall:.1f} s wall, {os.cpu_count()} cores,"
                 f" load average {one:.2f} {five:.2f} at its end",
                 f"CPU seconds used during the phase, by process (of {wall * (os.cpu_count() or 1):.1f}"
                 " available):"]
        lines += [f"  {sec:7.1f} s  {100 * sec / wall:5.0f} % of a core  pid {pid}  {name}"
                  for sec, pid, name in used[:25] if sec > 0.05]
        samples = waits.pop(("samples",), 0)
        lines.append(f"database sessions not idle, {samples} samples every {SAMPLE_S * 1000:.0f}"
                     " ms (state, wait event type, wait event, query): sessions per sample")
        lines += [f"  {n / max(samples, 1):6.2f}  {' | '.join(key)}"
                  for key, n in waits.most_common(25)]
        (self.folder / f"{self.phase}.txt").write_text("\n".join(lines) + "\n")

"""The embedded PostgreSQL killed while votes flow: what the clients were answered, what counted.

    .venv/bin/python -m bench.outage [--down 5] [--senders 6]

Starts `ideastorm up` on a fresh home, opens a campaign of 20 ideas, POSTs votes without pause
(each by a new participant), pauses the voting and reporting workers for a moment so each has a
batch in hand, SIGKILLs the database server, starts it again `--down` seconds later, goes on for
5 s once the gateway is ready again, and waits until every vote answered 202 is counted. Prints
votes sent, 202s, votes counted, 503s, other 5xx, requests without an answer, processes restarted.
The same scenario, with assertions, is tests/integration/test_ops_database_outage.py.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil

from tests.integration.archive_support import Up, new_home
from tests.integration.outage_support import UP_ENV, kill_database_under_load


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--down", type=float, default=5.0, help="seconds the database is away")
    parser.add_argument("--senders", type=int, default=6, help="concurrent clients")
    args = parser.parse_args()
    home = new_home("ideastorm-bench-outage-")
    up = await asyncio.to_thread(Up(home, env=UP_ENV).start)
    try:
        run = await kill_database_under_load(up, down_s=args.down, senders=args.senders)
        a = run.answers
        print(f"database killed under load, {args.senders} clients, away {run.outage_s:.1f} s")
        print(f"  votes sent           {a.sent:7,}")
        print(f"  answered 202         {a.count(202):7,}")
        print(f"  counted              {run.result.counted:7,}  (202'd and not counted:"
              f" {run.result.missing}; counted without a 202: "
              f"{run.result.counted - a.count(202)})")
        print(f"  answered 503         {a.count(503):7,}  (with Retry-After:"
              f" {sum(1 for s, r, _ in a.refused if s == 503 and r)})")
        print(f"  other 5xx            {a.server_errors - a.count(503):7,}")
        print(f"  no answer            {sum(a.failed.values()):7,}")
        restarted = sum(run.pids_before.get(k) != v for k, v in run.pids_after.items())
        print(f"  processes restarted  {restarted:7,}")
        print(f"  counted exactly once {'yes' if run.result.once else 'NO'}")
        up.terminate()
    finally:
        if up.proc and up.proc.poll() is None:
            up.kill_everything()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())

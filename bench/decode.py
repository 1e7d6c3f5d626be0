"""Messages per second through `schemas.envelope.decode`, step by step (old) and in one pass (new).

    .venv/bin/python bench/decode.py [--votes 200000] [--ideas 20000] [--rounds 3]

The messages are what the gateway publishes: `vote.cast` with sector and client fingerprint, and
`idea.submitted` with a few hundred characters of text and tags. "old" is the step-by-step path
(envelope, then payload from a dict, then the NUL walk), which decode() still takes for refusals
and for messages to upcast; "new" is decode() itself. Both run in this process, one after the
other, `--rounds` times; the best round of each is printed. Time is this process's CPU time,
so that other work on the shared machine does not count as decoding. Before timing, both must
give equal envelopes and models for every message.

Where msgspec is installed (it is not a dependency), a last line shows it decoding the same
vote.cast bytes into hand-written Structs with the same constraints: the figure for choosing
between them. It returns Structs, not the `Payload` models the consumers use.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from schemas import registry  # noqa: E402
from schemas.base import Payload  # noqa: E402
from schemas.common import Sector  # noqa: E402
from schemas.envelope import Envelope, _decode_in_steps, decode  # noqa: E402
from schemas.ideas import IdeaSubmitted  # noqa: E402
from schemas.votes import VoteCast  # noqa: E402

Decoder = Callable[[bytes | None], tuple[Envelope, Payload]]

WORDS = ("borger", "kommune", "ventetid", "digital", "selvbetjening", "skranke", "sagsbehandling",
         "tilgængelighed", "bibliotek", "affald", "cykelsti", "ældrepleje", "skole", "data")


def old_decode(raw: bytes | None) -> tuple[Envelope, Payload]:
    registry.load_all()
    return _decode_in_steps(raw)


def votes(n: int, rng: random.Random) -> list[bytes]:
    campaign = uuid.uuid4()
    ideas = [uuid.uuid4() for _ in range(200)]
    sectors = list(Sector)
    out = []
    for i in range(n):
        voter = f"p-{rng.randrange(50_000):05d}"
        vote = VoteCast(voter_id=voter, campaign_id=campaign, idea_id=rng.choice(ideas),
                        value=rng.choice((1, 1, 1, -1)), sector=rng.choice(sectors),
                        client=f"{rng.getrandbits(128):032x}")
        out.append(Envelope.wrap(vote, actor=voter, event_id=uuid.UUID(int=rng.getrandbits(128)),
                                 correlation_id=uuid.UUID(int=i + 1)).to_bytes())
    return out


def ideas(n: int, rng: random.Random) -> list[bytes]:
    campaign = uuid.uuid4()
    out = []
    for _ in range(n):
        author = f"p-{rng.randrange(50_000):05d}"
        body = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(20, 80)))
        idea = IdeaSubmitted(idea_id=uuid.uuid4(), campaign_id=campaign,
                             title=" ".join(rng.choice(WORDS) for _ in range(5)).capitalize(),
                             body=body, tags=rng.sample(WORDS, 3), estimated_cost=rng.randrange(10**6),
                             sector=rng.choice(list(Sector)))
        out.append(Envelope.wrap(idea, actor=author).to_bytes())
    return out


def rate(fn: Decoder, messages: list[bytes]) -> float:
    started = time.process_time()
    for raw in messages:
        fn(raw)
    return len(messages) / (time.process_time() - started)


def compare(label: str, messages: list[bytes], rounds: int) -> None:
    for raw in messages:
        if decode(raw) != old_decode(raw):
            raise SystemExit(f"{label}: old and new decode differ on {raw!r}")
    best_old = best_new = 0.0
    for _ in range(rounds):
        best_old = max(best_old, rate(old_decode, messages))
        best_new = max(best_new, rate(decode, messages))
    print(f"decode {label:<15} old {best_old:>9,.0f}/s  new {best_new:>9,.0f}/s  "
          f"x{best_new / best_old:.2f}   ({len(messages):,} messages, best of {rounds})")


def msgspec_vote_cast(messages: list[bytes], rounds: int) -> None:
    import msgspec

    from bench.msgspec_vote import VoteEnvelope

    typed, plain = msgspec.json.Decoder(VoteEnvelope), msgspec.json.Decoder()
    best = best_dict = 0.0
    for _ in range(rounds):
        best = max(best, rate(typed.decode, messages))
        best_dict = max(best_dict, rate(lambda raw: (typed.decode(raw), plain.decode(raw)),
                                        messages))
    print(f"msgspec vote.cast      {best:,.0f}/s  (and the payload as a dict too: "
          f"{best_dict:,.0f}/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--votes", type=int, default=200_000)
    parser.add_argument("--ideas", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(14)
    registry.load_all()
    compare("vote.cast", votes(args.votes, rng), args.rounds)
    compare("idea.submitted", ideas(args.ideas, rng), args.rounds)
    if importlib.util.find_spec("msgspec") is not None:
        msgspec_vote_cast(votes(args.votes, rng), args.rounds)


if __name__ == "__main__":
    main()

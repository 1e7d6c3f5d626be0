"""Topic names, keys and partition counts, in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int
    key: str  # what the message key is, for humans and the deploy docs

    @property
    def dlq(self) -> str:
        return f"{self.name}.dlq"


IDEAS_SUBMISSIONS = Topic("ideas.submissions", partitions=4, key="idea id")
VOTES = Topic("votes", partitions=4, key="voter id")
STATUS = Topic("status", partitions=4, key="aggregate id")
# votes cast through the API, re-keyed by client fingerprint for the voting anomaly detector
VOTE_CLIENTS = Topic("votes.clients", partitions=4, key="client fingerprint")

ALL: tuple[Topic, ...] = (IDEAS_SUBMISSIONS, VOTES, STATUS, VOTE_CLIENTS)
BY_NAME: dict[str, Topic] = {t.name: t for t in ALL}


def dead_letter_topics() -> tuple[Topic, ...]:
    return tuple(Topic(t.dlq, partitions=1, key="original key") for t in ALL)

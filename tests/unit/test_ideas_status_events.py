"""The status events a re-fold publishes are built without a second validation; they are the
events `Envelope.wrap` makes of the validated model, byte for byte, and decode as such."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime

from schemas.common import Sealed
from schemas.envelope import Envelope, decode, derived_id
from schemas.moderation import IdeaStatus, IdeaStatusChanged
from services.ideas.batch import STATUS_CHANGED_TYPE, status_changed

SEALED = Sealed(key=uuid.uuid4(), nonce="AAECAwQFBgcICQoL", ciphertext="c2VhbGVkIHRpdGxlIGhlcmU=")
AT = datetime(2025, 6, 3, 10, 30, 0, 123456, tzinfo=UTC)


def test_status_events_equal_the_wrapped_model_for_every_kind_of_change() -> None:
    cause = Envelope.wrap(IdeaStatusChanged(idea_id=uuid.uuid4(), campaign_id=uuid.uuid4(),
                                            status=IdeaStatus.PUBLISHED), actor="p-1")
    kinds = itertools.product(
        [None, IdeaStatus.PENDING, IdeaStatus.PUBLISHED],  # previous
        [IdeaStatus.PUBLISHED, IdeaStatus.MERGED, IdeaStatus.WITHDRAWN],  # status
        [None, "Duplikat af en anden idé"],  # reason (staff's, or none)
        [None, SEALED],
        [None, 0, 1_250_000])
    for previous, status, reason, sealed, cost in kinds:
        change = {"idea_id": uuid.uuid4(), "campaign_id": uuid.uuid4(), "status": status,
                  "previous": previous, "reason": reason,
                  "merged_into": uuid.uuid4() if status is IdeaStatus.MERGED else None,
                  "sealed": sealed, "cost": cost}
        for known_cause in (cause, None):  # the cause in this batch, or in an earlier one
            cause_id = cause.event_id
            built = status_changed(
                change, actor="moderator-7", occurred_at=AT,
                event_id=derived_id(cause_id, STATUS_CHANGED_TYPE),
                correlation_id=known_cause.correlation_id if known_cause else cause_id,
                causation_id=cause_id)
            model = IdeaStatusChanged.model_validate(change)
            if known_cause is not None:
                wrapped = Envelope.wrap(model, actor="moderator-7", occurred_at=AT,
                                        cause=known_cause)
            else:
                wrapped = Envelope.wrap(model, actor="moderator-7", occurred_at=AT,
                                        event_id=derived_id(cause_id, STATUS_CHANGED_TYPE),
                                        correlation_id=cause_id
                                        ).model_copy(update={"causation_id": cause_id})
            wrapped = wrapped.model_copy(update={"recorded_at": built.recorded_at})
            assert built.to_bytes() == wrapped.to_bytes()
            assert built.key() == wrapped.key() and built.topic == wrapped.topic
            env, payload = decode(built.to_bytes())
            assert env == wrapped and payload == model

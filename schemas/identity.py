"""What happens to participants themselves, on `status` keyed by participant id."""

from __future__ import annotations

from schemas import topics
from schemas.base import Payload, event
from schemas.common import ParticipantId, Reason


@event
class ParticipantErased(Payload):
    """A participant was erased: their key in the vault is already destroyed (so nothing they
    wrote can be opened any more), and every projection that keeps a readable copy of their text
    replaces it with the erased marker. The envelope's actor is who did it; the event carries no
    erased data. Votes and counts stay.
    """

    __event_type__ = "participant.erased"
    __topic__ = topics.STATUS
    __key_field__ = "participant_id"

    participant_id: ParticipantId
    # the participant themselves (then equal to participant_id) or the admin who erased them
    erased_by: ParticipantId
    reason: Reason | None = None

"""The voting read model: `votes` (the hot path) and `status` (campaigns and ideas, low rate)."""

from services.voting.projections.status import StatusProjection
from services.voting.projections.votes import VoteProjection, retry_parked

__all__ = ["StatusProjection", "VoteProjection", "retry_parked"]

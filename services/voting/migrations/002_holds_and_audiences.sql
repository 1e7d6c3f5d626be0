-- Audiences: the sectors a campaign is open to (votes are refused from others).
ALTER TABLE voting.campaigns ADD COLUMN audience text[];

-- Held votes: the anomaly detector holds votes by their client fingerprint (API votes only).
ALTER TABLE voting.votes ADD COLUMN client text;
CREATE INDEX votes_client ON voting.votes (client, occurred_at) WHERE client IS NOT NULL;
CREATE INDEX votes_held ON voting.votes (campaign_id) WHERE state = 'held';

-- Moderators' decisions on held votes (from `status`); the first decision on a vote counts.
-- Kept even when the vote is not held yet (a replay may deliver the decision first).
CREATE TABLE voting.hold_decisions (
    event_id uuid PRIMARY KEY,
    vote_event_id uuid NOT NULL,
    decision text NOT NULL CHECK (decision IN ('release', 'discard')),
    reason text NOT NULL,
    moderator text NOT NULL,
    decided_at timestamptz NOT NULL
);
CREATE INDEX hold_decisions_vote ON voting.hold_decisions (vote_event_id);

-- When the idea's approved title was set (from `IdeaRevisionPublished`).
ALTER TABLE voting.ideas ADD COLUMN title_at timestamptz;

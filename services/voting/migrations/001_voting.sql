-- What the voting service knows of campaigns and ideas, learnt from the `status` topic.
CREATE TABLE voting.campaigns (
    campaign_id uuid PRIMARY KEY,
    title text NOT NULL,
    opens_at timestamptz NOT NULL,
    closes_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL
);

-- Vote rules by version: the creation rules have effective_from NULL.
CREATE TABLE voting.vote_rules (
    campaign_id uuid NOT NULL,
    event_id uuid NOT NULL,
    effective_from timestamptz,
    mode text NOT NULL CHECK (mode IN ('support', 'updown')),
    max_votes int NOT NULL CHECK (max_votes > 0),
    PRIMARY KEY (campaign_id, event_id)
);

-- Every status an idea had, by the time it happened; `ideas` holds the latest.
CREATE TABLE voting.idea_status (
    idea_id uuid NOT NULL,
    event_id uuid NOT NULL,
    occurred_at timestamptz NOT NULL,
    status text NOT NULL,
    merged_into uuid,
    PRIMARY KEY (idea_id, event_id)
);

CREATE TABLE voting.ideas (
    idea_id uuid PRIMARY KEY,
    campaign_id uuid NOT NULL,
    title text,
    status text NOT NULL,
    merged_into uuid,
    status_at timestamptz NOT NULL
);
CREATE INDEX ideas_campaign ON voting.ideas (campaign_id);

-- Every vote event, counted or refused, so a voter can see what became of each.
-- The primary key on event_id is also what makes a re-published vote a no-op.
CREATE TABLE voting.votes (
    event_id uuid PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('cast', 'withdraw')),
    voter_id text NOT NULL,
    campaign_id uuid NOT NULL,
    idea_id uuid NOT NULL,
    target_id uuid,
    value smallint NOT NULL,
    occurred_at timestamptz NOT NULL,
    sector text,
    state text NOT NULL,
    reason text,
    decided_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX votes_voter ON voting.votes (voter_id, campaign_id);
CREATE INDEX votes_counted_target ON voting.votes (target_id) WHERE state = 'counted';

-- Votes that name a campaign or idea not seen yet, retried until a deadline.
CREATE TABLE voting.parked (
    event_id uuid PRIMARY KEY,
    topic text NOT NULL,
    partition int NOT NULL,
    "offset" bigint NOT NULL,
    raw bytea NOT NULL,
    why text NOT NULL,
    voter_id text NOT NULL,
    campaign_id uuid NOT NULL,
    idea_id uuid NOT NULL,
    occurred_at timestamptz NOT NULL,
    parked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX parked_voter ON voting.parked (voter_id);

-- Live tallies per idea (the idea that collects the votes, after merges).
CREATE TABLE voting.tallies (
    idea_id uuid PRIMARY KEY,
    campaign_id uuid NOT NULL,
    supports int NOT NULL DEFAULT 0,
    opposes int NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tallies_campaign ON voting.tallies (campaign_id);

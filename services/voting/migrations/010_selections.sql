-- Stored selections (services/voting/selection_jobs.py): what greedy or equal shares funds in a
-- campaign under a budget and a minimum of votes, computed by the voting worker, never by the
-- gateway. A row is also the durable request: `pending` until the worker has stored an answer
-- for the inputs it read. Derived data: a replay recomputes it (`inputs` names what it read).
-- Numbered 010 to stay clear of the what-if migrations being added next to it.
CREATE TABLE voting.selections (
    campaign_id uuid NOT NULL,
    rule text NOT NULL,
    budget bigint NOT NULL CHECK (budget >= 0),
    min_votes int NOT NULL CHECK (min_votes >= 0),
    pending boolean NOT NULL DEFAULT true,
    requested_at timestamptz NOT NULL DEFAULT now(),
    -- who asked, while pending (an HMAC of the address, never the address): the per-caller limit
    requested_by text,
    started_at timestamptz,
    computed_at timestamptz,
    inputs text,       -- the stamp of the votes and ideas the answer was computed from
    seconds real,      -- from taking the request to the answer (the process may wait for a core)
    cpu_seconds real,  -- the computation's own processor time
    result jsonb,
    PRIMARY KEY (campaign_id, rule, budget, min_votes)
);
CREATE INDEX selections_pending ON voting.selections (requested_at) WHERE pending;
CREATE INDEX selections_pending_by ON voting.selections (requested_by) WHERE pending;
-- the stamp's newest decided vote of a campaign is an index lookup, not a scan
CREATE INDEX votes_campaign_decided ON voting.votes (campaign_id, decided_at);

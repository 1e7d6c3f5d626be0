-- Every accepted plan, progress and governance event, append-only. Views as of a date are
-- computed from the rows with occurred_at before the end of that date; nothing is overwritten.
CREATE TABLE reporting.plan_facts (
    seq bigserial PRIMARY KEY,
    event_id uuid NOT NULL UNIQUE,
    type text NOT NULL,
    year int NOT NULL,
    initiative_id uuid,
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL,
    actor text NOT NULL,
    payload jsonb NOT NULL
);
CREATE INDEX plan_facts_year ON reporting.plan_facts (year, occurred_at);
CREATE INDEX plan_facts_initiative ON reporting.plan_facts (initiative_id, occurred_at)
    WHERE initiative_id IS NOT NULL;

-- Budget-weighted roll-ups per plan year and track ('' = the whole plan) at the end of every
-- day on which something about the plan became known. Rebuilt from plan_facts for a year
-- whenever a fact of that year arrives, so a replay gives the same rows.
CREATE TABLE reporting.rollups (
    year int NOT NULL,
    track text NOT NULL,
    day date NOT NULL,
    initiatives int NOT NULL,
    budget_dkk bigint NOT NULL,
    percent numeric,
    expected_percent numeric,
    rag jsonb NOT NULL,
    rag_budget_dkk jsonb NOT NULL,
    PRIMARY KEY (year, track, day)
);

-- Idea titles and statuses as they changed (from idea.status_changed on `status`).
CREATE TABLE reporting.idea_statuses (
    event_id uuid PRIMARY KEY,
    idea_id uuid NOT NULL,
    status text NOT NULL,
    title text,
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL
);
CREATE INDEX idea_statuses_idea ON reporting.idea_statuses (idea_id, occurred_at);

-- Every vote cast or withdrawn (from `votes`), so tallies can be computed as of any date.
CREATE TABLE reporting.votes (
    event_id uuid PRIMARY KEY,
    idea_id uuid NOT NULL,
    voter text NOT NULL,
    cast_vote boolean NOT NULL,
    value smallint NOT NULL,
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL
);
CREATE INDEX votes_idea ON reporting.votes (idea_id, voter, occurred_at);

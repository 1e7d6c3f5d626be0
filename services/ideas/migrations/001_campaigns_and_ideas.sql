-- Campaigns, ideas and their revisions, flags, moderator decisions (the audit log), withdrawals,
-- and submissions parked until their campaign is known.

CREATE TABLE ideas.campaigns (
    campaign_id uuid PRIMARY KEY,
    title text NOT NULL,
    question text NOT NULL,
    description text,
    opens_at timestamptz NOT NULL,
    closes_at timestamptz NOT NULL,
    audience text[] NOT NULL,
    moderation text NOT NULL,
    vote_rules jsonb NOT NULL,
    flag_threshold int NOT NULL,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    opened_at timestamptz,   -- from CampaignOpened
    closed_at timestamptz    -- from CampaignClosed
);
CREATE INDEX campaigns_opens_idx ON ideas.campaigns (opens_at) WHERE opened_at IS NULL;
CREATE INDEX campaigns_closes_idx ON ideas.campaigns (closes_at) WHERE closed_at IS NULL;

CREATE TABLE ideas.ideas (
    idea_id uuid PRIMARY KEY,
    campaign_id uuid NOT NULL,
    author text NOT NULL,
    sector text,
    title text NOT NULL,
    body text NOT NULL,
    tags text[] NOT NULL DEFAULT '{}',
    category text,
    estimated_cost bigint,
    revision int NOT NULL DEFAULT 1,
    status text NOT NULL,
    status_reason text,
    status_by text NOT NULL,
    status_at timestamptz NOT NULL,
    status_cause uuid NOT NULL,
    submitted_event uuid NOT NULL,
    merged_into uuid,
    submitted_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX ideas_campaign_status_idx ON ideas.ideas (campaign_id, status, submitted_at);
CREATE INDEX ideas_author_idx ON ideas.ideas (author);

CREATE TABLE ideas.revisions (
    idea_id uuid NOT NULL,
    revision int NOT NULL,
    event_id uuid NOT NULL UNIQUE,
    author text NOT NULL,
    title text NOT NULL,
    body text NOT NULL,
    tags text[] NOT NULL DEFAULT '{}',
    revised_at timestamptz NOT NULL,
    PRIMARY KEY (idea_id, revision)
);

CREATE TABLE ideas.flags (
    idea_id uuid NOT NULL,
    flagger text NOT NULL,
    event_id uuid NOT NULL UNIQUE,
    reason text NOT NULL,
    note text,
    flagged_at timestamptz NOT NULL,
    PRIMARY KEY (idea_id, flagger)
);

CREATE TABLE ideas.decisions (
    event_id uuid PRIMARY KEY,
    idea_id uuid NOT NULL,
    campaign_id uuid NOT NULL,
    moderator text NOT NULL,
    decision text NOT NULL,
    reason text NOT NULL,
    merge_into uuid,
    decided_at timestamptz NOT NULL
);
CREATE INDEX decisions_idea_idx ON ideas.decisions (idea_id);
CREATE INDEX decisions_time_idx ON ideas.decisions (decided_at);

CREATE TABLE ideas.withdrawals (
    event_id uuid PRIMARY KEY,
    idea_id uuid NOT NULL,
    actor text NOT NULL,
    reason text,
    withdrawn_at timestamptz NOT NULL
);
CREATE INDEX withdrawals_idea_idx ON ideas.withdrawals (idea_id);

-- A submission whose campaign is not known yet (the campaign travels on another topic).
-- Re-checked when the campaign arrives; dead-lettered as unknown_campaign after `deadline`.
CREATE TABLE ideas.parked_submissions (
    event_id uuid PRIMARY KEY,
    campaign_id uuid NOT NULL,
    topic text NOT NULL,
    partition int NOT NULL,
    "offset" bigint NOT NULL,
    key bytea,
    raw bytea NOT NULL,
    deadline timestamptz NOT NULL
);
CREATE INDEX parked_campaign_idx ON ideas.parked_submissions (campaign_id);

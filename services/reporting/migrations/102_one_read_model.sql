-- One read model for reporting: the progress views and the quarterly report read the same rows.
-- `reporting.events` holds every accepted plan, progress and governance event and the campaign,
-- idea and moderation events the report counts; `reporting.votes` every vote, slim. They replace
-- `plan_facts`, `idea_statuses`, `votes` and the report's own copies (`report_events`,
-- `report_votes`). The read model is rebuilt from the topics: its tables are emptied and the one
-- `reporting` consumer group starts again from offset 0 (a replay gives the same tables).

DROP TABLE reporting.plan_facts, reporting.idea_statuses, reporting.votes,
    reporting.report_events, reporting.report_votes;
TRUNCATE reporting.rollups, reporting.applied_events;
DELETE FROM reporting.consumer_offsets
WHERE consumer IN ('reporting', 'reporting-report-inputs');

CREATE TABLE reporting.events (
    seq bigserial PRIMARY KEY,
    event_id uuid NOT NULL UNIQUE,
    type text NOT NULL,
    year int,  -- the plan year of a plan fact; NULL for campaign, idea and moderation events
    initiative_id uuid,
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL,
    actor text NOT NULL,
    payload jsonb NOT NULL
);
CREATE INDEX events_year ON reporting.events (year, occurred_at) WHERE year IS NOT NULL;
CREATE INDEX events_initiative ON reporting.events (initiative_id, occurred_at)
    WHERE initiative_id IS NOT NULL;
CREATE INDEX events_occurred ON reporting.events (occurred_at);
CREATE INDEX events_idea ON reporting.events ((payload->>'idea_id'), occurred_at)
    WHERE type = 'idea.status_changed';

-- value: +1 / -1 for a vote cast, 0 for a withdrawal; each voter's latest event per idea counts.
CREATE TABLE reporting.votes (
    event_id uuid PRIMARY KEY,
    campaign_id uuid NOT NULL,
    idea_id uuid NOT NULL,
    voter text NOT NULL,
    value smallint NOT NULL,
    sector text,
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL
);
CREATE INDEX votes_idea ON reporting.votes (idea_id, voter, occurred_at);
CREATE INDEX votes_campaign ON reporting.votes (campaign_id, occurred_at);

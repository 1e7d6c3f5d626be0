-- What the quarterly steering-group report is computed from, as of any cut-off: the plan,
-- campaign, idea and moderation events (small volumes, kept whole) and the votes (kept slim).
-- Append-only: a report for a past quarter reads rows with occurred_at before its cut-off.
CREATE TABLE reporting.report_events (
    event_id uuid PRIMARY KEY,
    type text NOT NULL,
    occurred_at timestamptz NOT NULL,
    actor text NOT NULL,
    payload jsonb NOT NULL
);
CREATE INDEX report_events_occurred ON reporting.report_events (occurred_at);

-- value: +1 / -1 for a vote cast, 0 for a withdrawal.
CREATE TABLE reporting.report_votes (
    event_id uuid PRIMARY KEY,
    campaign_id uuid NOT NULL,
    idea_id uuid NOT NULL,
    voter_id text NOT NULL,
    value smallint NOT NULL,
    sector text,
    occurred_at timestamptz NOT NULL
);
CREATE INDEX report_votes_campaign ON reporting.report_votes (campaign_id, occurred_at);

-- Generated reports: one row per distinct (quarter, events) with every rendering.
CREATE TABLE reporting.reports (
    report_id uuid PRIMARY KEY,
    quarter text NOT NULL,
    cutoff timestamptz NOT NULL,
    event_count bigint NOT NULL,
    events_hash text NOT NULL,
    content_hash text NOT NULL,
    generated_at timestamptz NOT NULL,
    trigger text NOT NULL
);
CREATE INDEX reports_quarter ON reporting.reports (quarter, generated_at);

CREATE TABLE reporting.report_files (
    report_id uuid NOT NULL REFERENCES reporting.reports (report_id),
    lang text NOT NULL,
    format text NOT NULL,
    content bytea NOT NULL,
    sha256 text NOT NULL,
    PRIMARY KEY (report_id, lang, format)
);

-- The quarter-boundary timer claims a quarter here; `published_report` is set in the same
-- transaction that stores the report, so a restart never produces a quarter's report twice.
CREATE TABLE reporting.report_schedule (
    quarter text PRIMARY KEY,
    published_report uuid REFERENCES reporting.reports (report_id),
    published_at timestamptz
);

-- Every `campaign.what_if_computed` (the voting service's replay of a closed campaign under
-- other rules), kept whole: a report reads, per campaign, the latest that occurred before its
-- cut-off, so a past quarter's report does not change when a later replay arrives.
CREATE TABLE reporting.what_ifs (
    event_id uuid PRIMARY KEY,
    campaign_id uuid NOT NULL,
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL,
    payload jsonb NOT NULL
);
CREATE INDEX what_ifs_campaign ON reporting.what_ifs (campaign_id, occurred_at);

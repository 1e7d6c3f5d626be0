-- What-if replays of closed campaigns (services/voting/domain/what_if.py), computed once by the
-- voting worker when a campaign has closed and its votes have settled.
CREATE TABLE voting.what_ifs (
    campaign_id uuid PRIMARY KEY,
    computed_at timestamptz NOT NULL DEFAULT now(),
    votes int NOT NULL,
    seconds real NOT NULL,
    result jsonb NOT NULL
);

-- The keys of the client fingerprints (services/voting/domain/clients.py): one random key per
-- UTC day, made on first use by the edge, deleted VOTING_CLIENT_KEY_DAYS after their day (by the
-- edge and by the voting worker's hourly timer), after which no fingerprint of that day can be
-- traced back to an address. Not kept in exports or made again by a replay: the fingerprints
-- travel in the events, and the holds are decided from those.
CREATE TABLE voting.client_keys (
    day date PRIMARY KEY,
    secret bytea NOT NULL CHECK (length(secret) = 32),
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE voting.client_keys IS 'ideastorm:keep made by the edge for client fingerprints, not from events';

-- The participant registry: the ONE place names, e-mails and organisations are kept. Deleting a
-- row is the erasure of that person's profile; nothing else holds these values.
CREATE TABLE identity.participants (
    participant_id text PRIMARY KEY,
    display_name text,
    email text,
    organisation text,
    sector text,
    show_name boolean NOT NULL DEFAULT false,
    -- a hash of the sign-in claims last written here: claims overwrite the claim-sourced fields
    -- only when the identity provider's claims changed, so the person's own edits survive
    claims_hash text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- The erasure audit log: who asked, when, why; never the erased data. Its participant ids are
-- pseudonyms; a profile is never re-created from sign-in claims for an id listed here.
CREATE TABLE identity.erasures (
    participant_id text PRIMARY KEY,
    requested_by text NOT NULL,
    reason text NOT NULL,
    event_id uuid NOT NULL UNIQUE,
    erased_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX erasures_time_idx ON identity.erasures (erased_at);

-- Neither table comes from events: `ideastorm replay identity` must keep them.
COMMENT ON TABLE identity.participants IS 'ideastorm:keep written by the API from sign-in claims and profile edits, not events';
COMMENT ON TABLE identity.erasures IS 'ideastorm:keep written by the API when a participant is erased, not events';

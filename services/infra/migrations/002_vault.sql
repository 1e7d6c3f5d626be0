-- The key vault for crypto-shredding (docs/operations.md, "Crypto-shredding"). Text a
-- participant wrote travels and is archived sealed under that participant's key; erasure deletes
-- the key, so every copy (topics, archive, backups of the archive) becomes unreadable at once.
CREATE SCHEMA IF NOT EXISTS vault;

-- One key per participant: 256 bits for AES-GCM. `key_id` is what a sealed text names. An erased
-- participant's key is deleted and never made again.
CREATE TABLE vault.keys (
    participant_id text PRIMARY KEY,
    key_id uuid NOT NULL UNIQUE,
    secret bytea NOT NULL CHECK (length(secret) = 32),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Who was erased and when (no key material, no text). Kept so that a database restored from a
-- backup taken before an erasure can destroy the keys again (`vault.reshred`).
CREATE TABLE vault.shredded (
    participant_id text PRIMARY KEY,
    shredded_at timestamptz NOT NULL DEFAULT now()
);

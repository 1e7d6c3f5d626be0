-- Every key an erasure destroyed, by its id: what tells "this text's author was erased" (the key
-- id is here: show the erased form) from "this text's key is not visible yet" (retry, then
-- dead-letter; never overwrite). `participant_id` is NULL for keys recorded at this upgrade from
-- the archive, whose erasures happened before key ids were kept.
CREATE TABLE vault.shredded_keys (
    key_id uuid PRIMARY KEY,
    participant_id text,
    shredded_at timestamptz NOT NULL DEFAULT now()
);

-- Keys destroyed before this table existed: every key a sealed event in the archive names that
-- the vault does not hold. Until now a key was made either on its own before the event naming it
-- was published, or in the transaction whose result that event was; a key such an event names
-- and the vault lacks was destroyed, or belonged to a transaction that never committed (its text
-- never could be read). Run once here, and by `vault.import_keys` for an export made before
-- key ids were kept. Read from the bytes, so a record that is not JSON does not stop it.
CREATE FUNCTION vault.record_archived_shredded_keys() RETURNS bigint LANGUAGE sql AS $$
    WITH named AS (
        SELECT DISTINCT encode(substring(value FROM position('"sealed":{"key":"'::bytea IN value)
                                         + 17 FOR 36), 'escape') AS key_text
        FROM archive.events
        WHERE topic IN ('ideas.submissions', 'status')
          AND position('"sealed":{"key":"'::bytea IN value) > 0
    ), recorded AS (
        INSERT INTO vault.shredded_keys (key_id)
        SELECT key_text::uuid FROM named
        WHERE key_text ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
          AND NOT EXISTS (SELECT 1 FROM vault.keys v WHERE v.key_id = key_text::uuid)
        ON CONFLICT DO NOTHING
        RETURNING 1
    )
    SELECT count(*) FROM recorded
$$;

SELECT vault.record_archived_shredded_keys();

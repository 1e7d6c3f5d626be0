-- An Idempotency-Key is claimed before its event is published: the row is written `pending`
-- first (one request wins the insert), and becomes `published` once the event is durably on its
-- topic. `claim` names the request holding a pending row, so that only it releases the row (a
-- published row names none); `claimed_at` (the database's clock, shared by every gateway
-- process) says since when it has been held. Rows from before claims existed were only ever
-- written after publishing.
ALTER TABLE gateway.idempotency
    ADD COLUMN state text NOT NULL DEFAULT 'published'
        CHECK (state IN ('pending', 'published')),
    ADD COLUMN claim uuid,
    ADD COLUMN claimed_at timestamptz NOT NULL DEFAULT now();
-- every new row says its state
ALTER TABLE gateway.idempotency ALTER COLUMN state DROP DEFAULT;

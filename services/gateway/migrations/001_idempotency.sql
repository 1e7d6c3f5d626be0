CREATE TABLE gateway.idempotency (
    actor text NOT NULL,
    key text NOT NULL,
    event_id uuid NOT NULL,
    fingerprint text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor, key)
);

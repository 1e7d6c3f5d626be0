-- every event a write was accepted as: `wait_for` waits only for these (404 for any other id)
CREATE TABLE gateway.accepted_events (
    event_id uuid PRIMARY KEY,
    actor text NOT NULL,
    accepted_at timestamptz NOT NULL DEFAULT now()
);

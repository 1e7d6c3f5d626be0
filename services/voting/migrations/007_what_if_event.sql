-- A stored what-if is announced as `campaign.what_if_computed` on `status`, in the transaction
-- that stores it (services/voting/what_if_jobs.py). `settled_at` is when its inputs were settled
-- in the log (the campaign's close, or a later hold decision or idea status), the event's
-- `occurred_at`; `event_id` the event that announced it.
ALTER TABLE voting.what_ifs ADD COLUMN settled_at timestamptz, ADD COLUMN event_id uuid;
-- A hold decision or an idea status recorded after a what-if was computed changes its inputs:
-- when each was recorded here (rows from before: now, so every campaign is replayed once).
ALTER TABLE voting.hold_decisions ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE voting.idea_status ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now();
-- replays stored before they were announced are made again, and announced
DELETE FROM voting.what_ifs;

-- The archive is also the outbox of every transaction that publishes (services/infra/kafka.py,
-- `Outbox`): its records are archived when it commits and handed to the broker afterwards.
-- `sent` is how far records may have been handed to the broker (raised and committed before any
-- send), so `delivered <= sent <= next_offset`. A tail below `sent` may be partly on the broker
-- already (a producer died mid-send: the broker is read to find where it ends); a tail at or
-- above `sent` was never sent and goes out as it is.
ALTER TABLE archive.heads ADD COLUMN sent bigint;
UPDATE archive.heads SET sent = next_offset;
ALTER TABLE archive.heads ALTER COLUMN sent SET NOT NULL, ALTER COLUMN sent SET DEFAULT 0;

-- Where each accepted event was logged (topic, partition, offset), so that a repeated request
-- is answered with the same receipt as the first. NULL for events accepted before this column.
ALTER TABLE gateway.accepted_events
    ADD COLUMN topic text,
    ADD COLUMN partition int,
    ADD COLUMN "offset" bigint;

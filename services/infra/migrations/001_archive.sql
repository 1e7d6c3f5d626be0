-- The event archive: every record the system produces, in offset order per topic partition,
-- each carrying a SHA-256 chained to the previous record of its partition (docs/operations.md).
CREATE TABLE archive.events (
    topic text NOT NULL,
    partition int NOT NULL,
    "offset" bigint NOT NULL,
    timestamp_ms bigint NOT NULL,
    key bytea,
    value bytea,
    headers bytea,
    hash text NOT NULL,
    archived_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, partition, "offset")
);

-- One row per partition: the next offset the archive gives, the chain head, and how far the
-- broker is known to have the partition (a producer killed between the two leaves a tail to
-- deliver, which the next producer of that partition delivers first).
CREATE TABLE archive.heads (
    topic text NOT NULL,
    partition int NOT NULL,
    next_offset bigint NOT NULL,
    hash text NOT NULL,
    delivered bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (topic, partition)
);

-- Append-only: the archive is never edited. (Whoever can switch this off is still caught by the
-- hash chain: `ideastorm log verify`.)
CREATE FUNCTION archive.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event archive is append-only';
END $$;
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON archive.events
    FOR EACH ROW EXECUTE FUNCTION archive.refuse_change();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON archive.events
    FOR EACH STATEMENT EXECUTE FUNCTION archive.refuse_change();

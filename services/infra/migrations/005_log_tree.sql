-- The Merkle tree of each logged partition (services/infra/merkle.py, RFC 9162), kept as its
-- perfect subtrees: node (level, idx) is the hash of the 2^level leaves from idx * 2^level.
-- Level 0 is the leaf hash of the archived record at offset idx. Nodes never change once made.
CREATE TABLE archive.tree_nodes (
    topic text NOT NULL,
    partition int NOT NULL,
    level smallint NOT NULL,
    idx bigint NOT NULL,
    hash bytea NOT NULL,
    PRIMARY KEY (topic, partition, level, idx)
);

-- How many records of each partition the tree holds.
CREATE TABLE archive.tree_sizes (
    topic text NOT NULL,
    partition int NOT NULL,
    size bigint NOT NULL,
    PRIMARY KEY (topic, partition)
);

-- Every signed head: the root of a partition's first tree_size records, signed at signed_ms.
CREATE TABLE archive.signed_heads (
    topic text NOT NULL,
    partition int NOT NULL,
    tree_size bigint NOT NULL,
    root_hash text NOT NULL,
    signed_ms bigint NOT NULL,
    key_id text NOT NULL,
    signature text NOT NULL,
    PRIMARY KEY (topic, partition, signed_ms)
);
CREATE INDEX signed_heads_size ON archive.signed_heads (topic, partition, tree_size);
CREATE INDEX signed_heads_time ON archive.signed_heads (signed_ms);

-- Heads, like the archive, are never edited.
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON archive.signed_heads
    FOR EACH ROW EXECUTE FUNCTION archive.refuse_change();
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON archive.tree_nodes
    FOR EACH ROW EXECUTE FUNCTION archive.refuse_change();

-- Trigram similarity between ideas, for the moderation queue's duplicate hints.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX ideas_title_trgm_idx ON ideas.ideas USING gin (title gin_trgm_ops);

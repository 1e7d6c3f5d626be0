-- A campaign may credit ideas to their authors by name (each author agreeing in their profile,
-- which the identity service keeps; names are never stored here).
ALTER TABLE ideas.campaigns ADD COLUMN shows_author_names boolean NOT NULL DEFAULT false;

-- Revisions of an idea whose submission is parked wait beside it, in the same table.
ALTER TABLE ideas.parked_submissions ADD COLUMN idea_id uuid;
CREATE INDEX parked_idea_idx ON ideas.parked_submissions (idea_id);

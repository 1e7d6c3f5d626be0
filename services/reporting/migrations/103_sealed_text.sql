-- Participant text in `events.payload` is kept opened (the report reads it field by field);
-- `text_key` is the vault key it was sealed under and `text_fields` the payload fields that came
-- from it, so that `participant.erased` can overwrite them once the key is gone.
ALTER TABLE reporting.events ADD COLUMN text_key uuid;
ALTER TABLE reporting.events ADD COLUMN text_fields text[] NOT NULL DEFAULT '{}';
CREATE INDEX events_text_key ON reporting.events (text_key) WHERE cardinality(text_fields) > 0;
CREATE INDEX events_actor ON reporting.events (actor)
    WHERE type IN ('idea.submitted', 'idea.revised', 'idea.withdrawn');

-- Official answers (`idea.answered`): every answer an idea was given, the latest one its
-- current answer (by `answered_at`, so a replay in another order picks the same one).
CREATE TABLE ideas.answers (
    event_id uuid PRIMARY KEY,
    idea_id uuid NOT NULL,
    campaign_id uuid NOT NULL,
    actor text NOT NULL,
    state text NOT NULL,
    reason text NOT NULL,
    initiative_id uuid,
    answered_at timestamptz NOT NULL
);
CREATE INDEX answers_idea_idx ON ideas.answers (idea_id, answered_at DESC, event_id DESC);

-- What a campaign promises: ideas with `supports` supports are answered within `days` days.
ALTER TABLE ideas.campaigns ADD COLUMN answer_threshold jsonb;

-- Ideas whose answer is due (`idea.answer_due`, derived here from the tallies, once per idea),
-- and when the timer found one overdue (`idea.answer_overdue`).
CREATE TABLE ideas.answers_due (
    idea_id uuid PRIMARY KEY,
    campaign_id uuid NOT NULL,
    supports int NOT NULL,
    threshold int NOT NULL,
    reached_at timestamptz NOT NULL,
    due timestamptz NOT NULL,
    event_id uuid NOT NULL,
    overdue_at timestamptz
);
CREATE INDEX answers_due_due_idx ON ideas.answers_due (due);

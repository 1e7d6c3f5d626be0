-- Comments on ideas (services/ideas/comments): one row per comment with its opened text and the
-- status its facts fold to (`comments.domain.fold_comment`); the facts themselves (flags,
-- decisions, withdrawals) are kept apart, each once, so a replay folds them to the same status.
CREATE TABLE ideas.comments (
    comment_id uuid PRIMARY KEY,
    idea_id uuid NOT NULL,
    campaign_id uuid NOT NULL,
    parent_id uuid,
    author text NOT NULL,
    body text NOT NULL,
    event_id uuid NOT NULL UNIQUE,
    posted_at timestamptz NOT NULL,
    status text NOT NULL,
    status_reason text,
    status_by text NOT NULL,
    status_at timestamptz NOT NULL,
    status_cause uuid NOT NULL
);
CREATE INDEX comments_idea_idx ON ideas.comments (idea_id, posted_at);
CREATE INDEX comments_author_idx ON ideas.comments (author);
-- the counts on the campaign page: published comments per idea and per campaign
CREATE INDEX comments_published_idx ON ideas.comments (campaign_id, idea_id)
    WHERE status = 'published';
CREATE INDEX comments_queue_idx ON ideas.comments (status, posted_at)
    WHERE status IN ('pending', 'hidden');

CREATE TABLE ideas.comment_flags (
    comment_id uuid NOT NULL,
    flagger text NOT NULL,
    event_id uuid NOT NULL UNIQUE,
    reason text NOT NULL,
    note text,
    flagged_at timestamptz NOT NULL,
    PRIMARY KEY (comment_id, flagger)
);
CREATE INDEX comment_flags_flagger_idx ON ideas.comment_flags (flagger);

-- a decision may come before the comment it is about (another topic): it waits here for it
CREATE TABLE ideas.comment_decisions (
    event_id uuid PRIMARY KEY,
    comment_id uuid NOT NULL,
    idea_id uuid NOT NULL,
    campaign_id uuid NOT NULL,
    moderator text NOT NULL,
    decision text NOT NULL,
    reason text NOT NULL,
    decided_at timestamptz NOT NULL
);
CREATE INDEX comment_decisions_comment_idx ON ideas.comment_decisions (comment_id);
CREATE INDEX comment_decisions_time_idx ON ideas.comment_decisions (decided_at);

CREATE TABLE ideas.comment_withdrawals (
    event_id uuid PRIMARY KEY,
    comment_id uuid NOT NULL,
    actor text NOT NULL,
    withdrawn_at timestamptz NOT NULL
);
CREATE INDEX comment_withdrawals_comment_idx ON ideas.comment_withdrawals (comment_id);

-- the system's hides by flags, as published (`CommentHiddenByFlags`), for the moderation log
CREATE TABLE ideas.comment_auto_hides (
    event_id uuid PRIMARY KEY,
    comment_id uuid NOT NULL,
    idea_id uuid NOT NULL,
    campaign_id uuid NOT NULL,
    actor text NOT NULL,
    flaggers text[] NOT NULL,
    threshold int NOT NULL,
    hidden_at timestamptz NOT NULL
);

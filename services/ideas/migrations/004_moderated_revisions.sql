-- Revisions are moderated: a revision of an approved idea in a pre-moderated campaign waits
-- (state 'pending') while the approved one stays public. `ideas.ideas` holds the approved
-- (public) content; `revision` is its number, `pending_revision` the one waiting, if any.
ALTER TABLE ideas.revisions ADD COLUMN state text NOT NULL DEFAULT 'approved';
ALTER TABLE ideas.ideas ADD COLUMN pending_revision int;
CREATE INDEX ideas_pending_revision_idx ON ideas.ideas (campaign_id)
    WHERE pending_revision IS NOT NULL;

-- Moderators' decisions on revisions (kept even when the revision is not known yet).
CREATE TABLE ideas.revision_decisions (
    event_id uuid PRIMARY KEY,
    idea_id uuid NOT NULL,
    campaign_id uuid NOT NULL,
    revision int NOT NULL,
    moderator text NOT NULL,
    decision text NOT NULL,
    reason text NOT NULL,
    decided_at timestamptz NOT NULL
);
CREATE INDEX revision_decisions_idea_idx ON ideas.revision_decisions (idea_id, revision);

-- Ideas the system hid because enough participants flagged them, for the moderation log.
CREATE TABLE ideas.auto_hides (
    event_id uuid PRIMARY KEY,
    idea_id uuid NOT NULL,
    campaign_id uuid NOT NULL,
    actor text NOT NULL,
    flaggers text[] NOT NULL,
    hidden_at timestamptz NOT NULL
);

-- Moderators' decisions on held votes (from voting's events), for the moderation log.
CREATE TABLE ideas.vote_decisions (
    event_id uuid PRIMARY KEY,
    vote_event_id uuid NOT NULL,
    voter_id text NOT NULL,
    idea_id uuid NOT NULL,
    campaign_id uuid NOT NULL,
    moderator text NOT NULL,
    decision text NOT NULL,
    reason text NOT NULL,
    decided_at timestamptz NOT NULL
);

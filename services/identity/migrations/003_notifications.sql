-- Following and notifications (services/identity/notifications/). The first four tables are a
-- read model of the topics (`ideastorm replay identity` rebuilds them); the last two are kept:
-- what was read, and which e-mails went out, are not in any event.

-- Who follows what. `source`: 'explicit' (follow.changed), 'author' (idea.submitted), 'voter'
-- (vote.cast). An explicit stop (following false) is kept, so a later vote does not follow again.
CREATE TABLE identity.follows (
    participant_id text NOT NULL,
    target text NOT NULL,
    target_id uuid NOT NULL,
    following boolean NOT NULL,
    source text NOT NULL,
    since timestamptz NOT NULL,
    PRIMARY KEY (participant_id, target, target_id)
);
CREATE INDEX follows_target_idx ON identity.follows (target, target_id) WHERE following;

-- What the notifications need to know of ideas: their author, campaign, public status and the
-- sealed title (opened when a notification is shown or mailed), and what initiative adopted it.
CREATE TABLE identity.ideas (
    idea_id uuid PRIMARY KEY,
    campaign_id uuid,
    author text,
    status text,
    sealed jsonb,
    initiative_id uuid
);
CREATE INDEX notify_ideas_initiative_idx ON identity.ideas (initiative_id);

CREATE TABLE identity.campaigns (
    campaign_id uuid PRIMARY KEY,
    name text NOT NULL
);

-- What each trigger told, and who may hear it ('followers', or only the idea's 'author'): a
-- follow that is applied after a trigger it precedes (on another partition, in a replay) finds
-- the triggers since it began here, so a replay gives the same inboxes.
CREATE TABLE identity.triggers (
    event_id uuid NOT NULL,
    target text NOT NULL,
    target_id uuid NOT NULL,
    audience text NOT NULL,
    kind text NOT NULL,
    occurred_at timestamptz NOT NULL,
    idea_id uuid,
    campaign_id uuid,
    link_id uuid,
    state text,
    reason text,
    PRIMARY KEY (event_id, target_id)
);
CREATE INDEX triggers_target_idx ON identity.triggers (target, target_id, occurred_at);

-- How each person wants e-mail (no row: daily).
CREATE TABLE identity.preferences (
    participant_id text PRIMARY KEY,
    email text NOT NULL,
    changed_at timestamptz NOT NULL
);

-- The inbox. `notification_id` is derived from (cause event id, recipient): once per event.
-- `mail` is what the recipient's choice was when it arrived ('immediately' rows are mailed one
-- by one; the others wait for the digest of their period).
CREATE TABLE identity.notifications (
    notification_id uuid PRIMARY KEY,
    participant_id text NOT NULL,
    kind text NOT NULL,
    cause_id uuid NOT NULL,
    occurred_at timestamptz NOT NULL,
    idea_id uuid,
    campaign_id uuid,
    link_id uuid,
    state text,
    reason text,
    mail text NOT NULL,
    mail_id uuid NOT NULL  -- the id of its own e-mail, if it is mailed at once
);
CREATE INDEX notifications_person_idx ON identity.notifications (participant_id, occurred_at);
CREATE INDEX notifications_mail_idx ON identity.notifications (mail, occurred_at);

-- Read marks, kept across a replay (notification ids are derived, so they find their rows again).
CREATE TABLE identity.notification_reads (
    notification_id uuid PRIMARY KEY,
    participant_id text NOT NULL,
    read_at timestamptz NOT NULL DEFAULT now()
);

-- Every e-mail claimed for sending: its id (the Message-ID's) is derived from the notification
-- (or from the person and the digest's period). The row is committed BEFORE the message goes to
-- the SMTP server and marked sent after: a crash in between leaves it 'claimed' and it is never
-- sent again (at most once); replays and restarts find the row and send nothing.
CREATE TABLE identity.mail_deliveries (
    mail_id uuid PRIMARY KEY,
    participant_id text NOT NULL,
    kind text NOT NULL,
    state text NOT NULL DEFAULT 'claimed',
    claimed_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    error text
);
CREATE INDEX mail_deliveries_person_idx ON identity.mail_deliveries (participant_id);

-- The language a person's e-mail is written in (set from the page's language when they save
-- their notification choices; no value: Danish).
ALTER TABLE identity.participants ADD COLUMN language text;

COMMENT ON TABLE identity.notification_reads IS 'ideastorm:keep read marks are set by the person at the edge, not by events';
COMMENT ON TABLE identity.mail_deliveries IS 'ideastorm:keep which e-mails were sent: a replay must not send them again';

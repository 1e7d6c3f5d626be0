-- The campaign page: published ideas by support or newest first, a page at a time.
-- `ideas.tallies` keeps each idea's figures as the voting service last published them
-- (`TallyChanged`), also for an idea this service has not seen yet (the topics are read
-- independently); `ideas.ideas.supports` / `opposes` are their copy beside the idea's public
-- content, so each order of the page is one index range over one table.
CREATE TABLE ideas.tallies (
    idea_id uuid PRIMARY KEY,
    campaign_id uuid NOT NULL,
    supports int NOT NULL,
    opposes int NOT NULL
);
ALTER TABLE ideas.ideas ADD COLUMN supports int NOT NULL DEFAULT 0,
                        ADD COLUMN opposes int NOT NULL DEFAULT 0;
-- one index per order, ties broken by id in the same direction so that a cursor is a row
-- comparison the index answers; only published ideas are ever listed (`IdeaStatus.public`)
CREATE INDEX ideas_page_support_idx ON ideas.ideas (campaign_id, supports DESC, idea_id DESC)
    WHERE status = 'published';
CREATE INDEX ideas_page_newest_idx ON ideas.ideas (campaign_id, submitted_at DESC, idea_id DESC)
    WHERE status = 'published';

-- Erasure overwrites a participant's texts by author (services/ideas/projections.py, `erase`).
CREATE INDEX revisions_author_idx ON ideas.revisions (author);
CREATE INDEX flags_flagger_idx ON ideas.flags (flagger);
CREATE INDEX withdrawals_actor_idx ON ideas.withdrawals (actor);

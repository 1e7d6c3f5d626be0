-- What the selection rules need: a campaign's budget and vote threshold, an idea's cost.
ALTER TABLE voting.campaigns ADD COLUMN budget bigint CHECK (budget >= 0);
ALTER TABLE voting.campaigns ADD COLUMN min_votes_to_fund int CHECK (min_votes_to_fund >= 0);
ALTER TABLE voting.ideas ADD COLUMN cost bigint CHECK (cost >= 0);

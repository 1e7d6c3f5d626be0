-- Staff change a campaign's settings (`campaign.changed`): the ideas read model keeps every
-- changeable setting, the budget too, so that a change can be judged against what it changes.
-- Campaigns created before this column existed show no budget until a replay fills it in.
ALTER TABLE ideas.campaigns ADD COLUMN budget bigint CHECK (budget >= 0);
ALTER TABLE ideas.campaigns ADD COLUMN min_votes_to_fund int CHECK (min_votes_to_fund >= 0);

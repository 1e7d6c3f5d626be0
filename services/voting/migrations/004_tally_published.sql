-- The figures of each tally last published as `tally.changed`, set in the transaction that
-- publishes them (a vote batch, a released hold, a merge, the parked-vote retry, a worker's
-- start). A worker's start publishes only the tallies whose figures differ from these: NULL for
-- tallies counted before this column existed, so those are published once, then never again.
ALTER TABLE voting.tallies ADD COLUMN published_supports int;
ALTER TABLE voting.tallies ADD COLUMN published_opposes int;

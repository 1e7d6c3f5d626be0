-- The vault key an idea's title was sealed under (services/infra/vault.py): on
-- `participant.erased` every title whose key is gone is overwritten with the erased marker.
ALTER TABLE voting.ideas ADD COLUMN title_key uuid;

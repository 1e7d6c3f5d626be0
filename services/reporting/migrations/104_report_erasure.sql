-- A stored report whose inputs held text of a participant who was erased since is re-rendered
-- in place from the erased read model (same report id, files replaced, `content_hash` the new
-- one); `rerendered_at` records when (the erasure's time; nothing of the erased data). A report
-- whose inputs can no longer be recomputed exactly has its renderings removed instead.
ALTER TABLE reporting.reports ADD COLUMN rerendered_at timestamptz;

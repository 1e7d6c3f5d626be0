-- who asked for a stored report (the plan names them in its document control; '' = the timer)
-- and, for a marked draft of a quarter not yet ended, the day its figures reach
ALTER TABLE reporting.reports
    ADD COLUMN requested_by text NOT NULL DEFAULT '',
    ADD COLUMN draft_as_of date;

-- An evaluation re-run on the data as it is now (issue 18, point 6) names the
-- evaluation it re-runs, whose page lists its re-runs (hence the index). NULL for an
-- evaluation asked for afresh.
ALTER TABLE evaluation ADD COLUMN rerun_of TEXT REFERENCES evaluation (id);
CREATE INDEX evaluation_rerun_of ON evaluation (rerun_of);

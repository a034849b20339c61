-- The engineering offer's revision (issue 13): bumped by every engineering write,
-- first thing in its transaction, so that writes are numbered in commit order; the
-- case a write touched carries that number (`change_seq`). Every instance follows
-- the revision and re-reads only the cases whose number moved, for its search index
-- and its dashboards, instead of comparing instants (which SQLite stores as text
-- whose fractions do not sort) or counting every row again.
CREATE TABLE engineering_state (
    id       INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    revision BIGINT NOT NULL
);
INSERT INTO engineering_state (id, revision) VALUES (1, 0);
ALTER TABLE engineering_request ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX engineering_request_change ON engineering_request (change_seq);
-- When a person was invited onto a mission (their space lists the invitations they
-- have not accepted); none for older rows and for a provider's people who joined by
-- taking the mission.
ALTER TABLE engineering_participant ADD COLUMN invited_at TEXT;
-- The instants of migration 0014 are no longer read.
DROP INDEX engineering_request_updated;
DROP INDEX engineering_mission_updated;

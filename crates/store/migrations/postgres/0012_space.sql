-- Each person's space (issue 14): notifications read in the platform, and how each
-- person wants to be mailed, per domain. PostgreSQL flavour; SQLite's file of the same
-- number creates the same.

-- When the person opened it in the platform (`/mon-espace/notifications`); NULL while
-- unread. Independent of the digest columns: an event is read or mailed, or both.
ALTER TABLE notification ADD COLUMN read_at TIMESTAMPTZ;
-- The header's unread count: one COUNT over this partial index per page view.
CREATE INDEX notification_unread ON notification (person_id) WHERE read_at IS NULL;

-- How a person is mailed for one domain (`event.subject`: pact, engineering, training,
-- board, programme). No row: the daily digest.
CREATE TABLE notification_preference (
    person_id  TEXT NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    domain     TEXT NOT NULL,
    delivery   TEXT NOT NULL CHECK (delivery IN ('immediate', 'daily', 'weekly', 'never')),
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (person_id, domain)
);

-- What the space lists, oldest first, each with an index on what it filters by.
CREATE INDEX engineering_request_status ON engineering_request (status, created_at);
CREATE INDEX engineering_mission_status ON engineering_mission (status, updated_at);
CREATE INDEX pact_proposal_status ON pact_proposal (status, created_at);

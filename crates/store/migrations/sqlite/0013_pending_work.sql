-- What waits for someone and was not recorded anywhere (issue 14): member-list
-- previews made on the pages and not applied, and digests the mail relay refused.
-- SQLite flavour; PostgreSQL's file of the same number creates the same.

-- A member list previewed on a programme's page (`/programmes/{code}/import`), kept
-- until it is applied (by the page or the API: the same content applied), replaced by
-- another applied list, or set aside by a manager. The programme manager's space lists
-- the open ones; the file is kept (at most the upload limit, 2 MB) so that the preview
-- can be shown again and applied from there.
CREATE TABLE membership_import_preview (
    id            TEXT NOT NULL PRIMARY KEY,    -- UUIDv7
    programme     TEXT NOT NULL,
    person_id     TEXT REFERENCES person (id) ON DELETE SET NULL,
    file_name     TEXT NOT NULL,
    content       BLOB NOT NULL,
    base_revision BIGINT NOT NULL,
    added         BIGINT NOT NULL,
    removed       BIGINT NOT NULL,
    changed       BIGINT NOT NULL,
    erased        BIGINT NOT NULL,
    created_at    TEXT NOT NULL,
    closed_at     TEXT,
    outcome       TEXT CHECK (outcome IN ('applied', 'superseded', 'dismissed')),
    CHECK ((closed_at IS NULL) = (outcome IS NULL))
);
CREATE INDEX membership_import_preview_open ON membership_import_preview (programme, created_at) WHERE closed_at IS NULL;

-- A person whose last digest the relay refused: one row per person, kept until a
-- digest of theirs is sent (the admin's space lists them with the relay's answer).
CREATE TABLE digest_failure (
    person_id       TEXT NOT NULL PRIMARY KEY REFERENCES person (id) ON DELETE CASCADE,
    first_failed_at TEXT NOT NULL,
    last_failed_at  TEXT NOT NULL,
    attempts        BIGINT NOT NULL,
    error           TEXT NOT NULL
);
CREATE INDEX digest_failure_first ON digest_failure (first_failed_at);

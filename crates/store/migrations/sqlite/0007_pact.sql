-- Pacts and their co-construction (issue 6). SQLite flavour; the PostgreSQL file of
-- the same number creates the same tables.

-- One row per pact. Its versions, signatures and frozen projects are one aggregate
-- written with one `revision`, kept as a JSON document; what lists and searches read
-- has its own column.
CREATE TABLE pact (
    id          TEXT PRIMARY KEY,          -- UUIDv7
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    status      TEXT NOT NULL,             -- draft | co_construction | … | closed
    perimeter   TEXT NOT NULL,             -- JSON array of "kind:code" (current version)
    parties     TEXT NOT NULL,             -- the parties' names, one per line (search)
    actions     TEXT NOT NULL,             -- JSON array of project ids (current version)
    document    TEXT NOT NULL,             -- JSON: the whole Pact
    revision    BIGINT NOT NULL,
    created_at  TEXT        NOT NULL,
    updated_at  TEXT        NOT NULL
);

-- What a party proposes, and the owner's decision.
CREATE TABLE pact_proposal (
    id          TEXT PRIMARY KEY,          -- UUIDv7
    pact_id     TEXT NOT NULL REFERENCES pact (id) ON DELETE CASCADE,
    status      TEXT NOT NULL,             -- open | accepted | declined
    document    TEXT NOT NULL,             -- JSON: the whole Proposal
    created_at  TEXT        NOT NULL
);
CREATE INDEX pact_proposal_pact ON pact_proposal (pact_id, created_at);

-- Comment threads: about the pact, one proposal or one project.
CREATE TABLE pact_comment (
    id          TEXT PRIMARY KEY,          -- UUIDv7
    pact_id     TEXT NOT NULL REFERENCES pact (id) ON DELETE CASCADE,
    thread      TEXT NOT NULL,             -- pact | proposal:{id} | project:{id}
    author_id   TEXT NOT NULL REFERENCES person (id),
    author_name TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TEXT        NOT NULL
);
CREATE INDEX pact_comment_pact ON pact_comment (pact_id, created_at);

-- What happened on a pact, told once to each person concerned (`notification`).
CREATE TABLE pact_event (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    pact_id     TEXT NOT NULL REFERENCES pact (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    summary     TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    created_at  TEXT        NOT NULL
);

-- One row per person and event: the primary key makes "told twice" impossible, and
-- `digest_id` is set, before the mail goes, by the one digest that takes the row.
CREATE TABLE notification (
    person_id   TEXT NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    event_id    BIGINT NOT NULL REFERENCES pact_event (id) ON DELETE CASCADE,
    digest_id   TEXT,
    sent_at     TEXT       ,
    PRIMARY KEY (person_id, event_id)
);
CREATE INDEX notification_pending ON notification (digest_id, person_id);

-- One row per day a digest ran: the first instance to insert the day sends it.
CREATE TABLE digest_run (
    day         TEXT PRIMARY KEY,          -- YYYY-MM-DD, UTC
    started_at  TEXT        NOT NULL
);

-- Bumped by every pact write, so that every instance notices and reloads its pact index.
CREATE TABLE pact_state (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    revision BIGINT NOT NULL
);
INSERT INTO pact_state (id, revision) VALUES (1, 0);

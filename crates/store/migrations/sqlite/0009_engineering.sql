-- The custom engineering offer (issue 13). SQLite flavour; the PostgreSQL file of the
-- same number creates the same tables.

-- 1. One notification mechanism for every domain. `pact_event` becomes `event`: what
-- happened to a subject (`pact`, `engineering`), with the subject's title as it was,
-- told once to each person concerned through `notification` and the digest. SQLite
-- cannot drop a NOT NULL or a foreign key, so both tables are rebuilt (ids kept).
CREATE TABLE event (
    id          INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    subject     TEXT NOT NULL,             -- pact | engineering
    subject_id  TEXT NOT NULL,             -- the pact's id, the engineering request's id
    title       TEXT NOT NULL,             -- the subject's title when it happened
    kind        TEXT NOT NULL,
    summary     TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    created_at  TEXT        NOT NULL
);
CREATE INDEX event_subject ON event (subject, subject_id);
INSERT INTO event (id, subject, subject_id, title, kind, summary, actor_id, created_at)
    SELECT e.id, 'pact', e.pact_id, COALESCE(p.title, ''), e.kind, e.summary, e.actor_id, e.created_at
    FROM pact_event e LEFT JOIN pact p ON p.id = e.pact_id;

CREATE TABLE notification_new (
    person_id   TEXT NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    event_id    BIGINT NOT NULL REFERENCES event (id) ON DELETE CASCADE,
    digest_id   TEXT,
    sent_at     TEXT       ,
    PRIMARY KEY (person_id, event_id)
);
INSERT INTO notification_new (person_id, event_id, digest_id, sent_at)
    SELECT person_id, event_id, digest_id, sent_at FROM notification;
DROP TABLE notification;
DROP TABLE pact_event;
ALTER TABLE notification_new RENAME TO notification;
CREATE INDEX notification_pending ON notification (digest_id, person_id);

-- 2. Providers: organisations and experts that take missions.
CREATE TABLE engineering_provider (
    id              TEXT PRIMARY KEY NOT NULL,  -- UUIDv7
    name            TEXT NOT NULL,
    name_key        TEXT NOT NULL UNIQUE,       -- folded name: one provider per name
    kind            TEXT NOT NULL,
    organisation_id TEXT REFERENCES organisation (id),
    active          BOOLEAN NOT NULL,
    capacity        BIGINT NOT NULL,
    document        TEXT NOT NULL,              -- JSON: the whole Provider
    revision        BIGINT NOT NULL,
    updated_at      TEXT        NOT NULL
);

-- 3. Requests, one aggregate each (JSON document, with its revision); what lists,
-- dashboards and searches read has its own column.
CREATE TABLE engineering_request (
    id              TEXT PRIMARY KEY NOT NULL,  -- UUIDv7
    organisation_id TEXT NOT NULL REFERENCES organisation (id),
    territory       TEXT NOT NULL,              -- kind:code
    departement     TEXT NOT NULL,
    region          TEXT NOT NULL,
    project_id      TEXT,
    title           TEXT NOT NULL,              -- the project's title
    needs           TEXT NOT NULL,              -- the needs' codes, space-separated
    status          TEXT NOT NULL,
    urgency         TEXT NOT NULL,
    created_at      TEXT        NOT NULL,
    answered_at     TEXT       ,
    document        TEXT NOT NULL,
    revision        BIGINT NOT NULL,
    updated_at      TEXT        NOT NULL
);
CREATE INDEX engineering_request_departement ON engineering_request (departement, status);
CREATE INDEX engineering_request_organisation ON engineering_request (organisation_id);

CREATE TABLE engineering_request_need (
    request_id  TEXT NOT NULL REFERENCES engineering_request (id) ON DELETE CASCADE,
    need        TEXT NOT NULL,
    PRIMARY KEY (request_id, need)
);

-- A request's project in other national tools: (tool, external id) pairs.
CREATE TABLE engineering_external_id (
    request_id  TEXT NOT NULL REFERENCES engineering_request (id) ON DELETE CASCADE,
    tool        TEXT NOT NULL,
    external_id TEXT NOT NULL,
    PRIMARY KEY (request_id, tool, external_id)
);

-- 4. Missions: one per accepted request.
CREATE TABLE engineering_mission (
    id              TEXT PRIMARY KEY NOT NULL,
    request_id      TEXT NOT NULL UNIQUE REFERENCES engineering_request (id),
    status          TEXT NOT NULL,
    opened_at       TEXT        NOT NULL,
    started_at      TEXT       ,
    closed_at       TEXT       ,
    centidays       BIGINT NOT NULL,            -- hundredths of a day spent
    cost_cents      BIGINT NOT NULL,
    satisfaction    BIGINT,                     -- the score at closure, 1..5
    providers       TEXT NOT NULL,              -- ids of the providers that accepted, space-separated
    document        TEXT NOT NULL,
    revision        BIGINT NOT NULL,
    updated_at      TEXT        NOT NULL
);

-- Derived from the mission document at each write: who is on it, for loads,
-- suggestions, recipients and "my missions".
CREATE TABLE engineering_mission_provider (
    mission_id  TEXT NOT NULL REFERENCES engineering_mission (id) ON DELETE CASCADE,
    provider_id TEXT NOT NULL REFERENCES engineering_provider (id),
    answer      TEXT NOT NULL,                  -- asked | accepted | declined
    PRIMARY KEY (mission_id, provider_id)
);
CREATE INDEX engineering_mission_provider_provider ON engineering_mission_provider (provider_id, answer);

CREATE TABLE engineering_participant (
    mission_id  TEXT NOT NULL REFERENCES engineering_mission (id) ON DELETE CASCADE,
    person_id   TEXT NOT NULL REFERENCES person (id),
    role        TEXT NOT NULL,                  -- advisor | observer
    accepted    BOOLEAN NOT NULL,
    PRIMARY KEY (mission_id, person_id)
);
CREATE INDEX engineering_participant_person ON engineering_participant (person_id);

-- Spending, one row per record, to sum what a département's budget of a year has
-- drawn.
CREATE TABLE engineering_spending (
    id          TEXT PRIMARY KEY NOT NULL,
    mission_id  TEXT NOT NULL REFERENCES engineering_mission (id) ON DELETE CASCADE,
    departement TEXT NOT NULL,
    year        BIGINT NOT NULL,
    centidays   BIGINT NOT NULL,
    cost_cents  BIGINT NOT NULL
);
CREATE INDEX engineering_spending_budget ON engineering_spending (departement, year);

-- A département's yearly engineering budget, set by an admin.
CREATE TABLE engineering_budget (
    departement  TEXT NOT NULL,
    year         BIGINT NOT NULL,
    amount_cents BIGINT NOT NULL,
    revision     BIGINT NOT NULL,
    updated_at   TEXT        NOT NULL,
    PRIMARY KEY (departement, year)
);

-- 5. Recommendations: one aggregate each, with their status history.
CREATE TABLE engineering_recommendation (
    id          TEXT PRIMARY KEY NOT NULL,
    mission_id  TEXT NOT NULL REFERENCES engineering_mission (id) ON DELETE CASCADE,
    status      TEXT NOT NULL,
    title       TEXT NOT NULL,
    document    TEXT NOT NULL,
    revision    BIGINT NOT NULL,
    created_at  TEXT        NOT NULL,
    updated_at  TEXT        NOT NULL
);
CREATE INDEX engineering_recommendation_mission ON engineering_recommendation (mission_id, created_at);

-- 6. The two conversations of a request: `public` (with the authority) and
-- `internal` (advisors and the State).
CREATE TABLE engineering_message (
    id          TEXT PRIMARY KEY NOT NULL,
    request_id  TEXT NOT NULL REFERENCES engineering_request (id) ON DELETE CASCADE,
    thread      TEXT NOT NULL,
    author_id   TEXT NOT NULL REFERENCES person (id),
    author_name TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TEXT        NOT NULL
);
CREATE INDEX engineering_message_request ON engineering_message (request_id, thread, created_at);

-- Documents, bytes in the database (at most 20 MB, checked before), each belonging
-- to one conversation.
CREATE TABLE engineering_document (
    id          TEXT PRIMARY KEY NOT NULL,
    request_id  TEXT NOT NULL REFERENCES engineering_request (id) ON DELETE CASCADE,
    thread      TEXT NOT NULL,
    name        TEXT NOT NULL,                  -- as uploaded
    kind        TEXT NOT NULL,                  -- from the content
    size        BIGINT NOT NULL,
    sha256      TEXT NOT NULL,
    content     BLOB NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES person (id),
    created_at  TEXT        NOT NULL
);
CREATE INDEX engineering_document_request ON engineering_document (request_id, thread);

-- The satisfaction survey rounds asked by mail (at closure, three months later).
CREATE TABLE engineering_survey (
    mission_id  TEXT NOT NULL REFERENCES engineering_mission (id) ON DELETE CASCADE,
    round       TEXT NOT NULL,
    asked_at    TEXT        NOT NULL,
    PRIMARY KEY (mission_id, round)
);

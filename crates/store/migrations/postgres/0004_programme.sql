-- National support programmes: catalogue, memberships with their history, France
-- services places, action plans, eligibility rules, and a revision that running
-- instances watch to rebuild their in-memory view. PostgreSQL flavour; the SQLite
-- file of the same number creates the same tables.

CREATE TABLE programme (
    code        TEXT PRIMARY KEY,                 -- lowercase acronym: pvd, acv, ti, fs…
    acronym     TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    domains     TEXT NOT NULL DEFAULT '',         -- space-separated: rurality urban_policy digital
    owner       TEXT,
    started_on  TEXT,                             -- YYYY-MM-DD
    ended_on    TEXT,
    status      TEXT NOT NULL,                    -- active, closed
    source      TEXT NOT NULL DEFAULT '',
    version     BIGINT NOT NULL DEFAULT 1,
    updated_at  TIMESTAMPTZ NOT NULL
);

-- One row per version of a membership: a change closes the current row (valid_to)
-- and adds the next one, so the history of every territory in every programme stays.
CREATE TABLE programme_membership (
    id             TEXT PRIMARY KEY,              -- UUIDv7
    programme      TEXT NOT NULL REFERENCES programme (code),
    territory_kind TEXT NOT NULL,
    territory_code TEXT NOT NULL,
    group_id       TEXT NOT NULL DEFAULT '',      -- programme territory id; '' when none
    group_name     TEXT,
    status         TEXT NOT NULL,                 -- candidate, labelled, active, exited
    signed_on      TEXT,
    labelled_on    TEXT,
    exited_on      TEXT,
    convention     TEXT,
    valid_from     TIMESTAMPTZ NOT NULL,           -- when this version was recorded
    valid_to       TIMESTAMPTZ                    -- when it was replaced; NULL while current
);
CREATE UNIQUE INDEX programme_membership_current
    ON programme_membership (programme, territory_kind, territory_code, group_id) WHERE valid_to IS NULL;
CREATE INDEX programme_membership_territory ON programme_membership (territory_kind, territory_code);

CREATE TABLE france_services_place (
    id                 TEXT PRIMARY KEY,          -- national id of the place (id_fs)
    name               TEXT NOT NULL,
    address            TEXT NOT NULL,
    address_complement TEXT,
    postcode           TEXT NOT NULL,
    commune            TEXT NOT NULL,             -- INSEE code (commune or arrondissement)
    lat                DOUBLE PRECISION NOT NULL,
    lon                DOUBLE PRECISION NOT NULL,
    hours              TEXT NOT NULL,             -- JSON array, Monday to Saturday
    place_type         TEXT NOT NULL,
    format             TEXT NOT NULL,
    labelled_on        TEXT,
    phone              TEXT,
    email              TEXT
);

CREATE TABLE programme_action (
    id          TEXT PRIMARY KEY,                 -- UUIDv7
    programme   TEXT NOT NULL REFERENCES programme (code),
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    transitions TEXT NOT NULL DEFAULT '',         -- space-separated
    status      TEXT NOT NULL,
    owner       TEXT,
    territory   TEXT,                             -- kind:code
    version     BIGINT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX programme_action_programme ON programme_action (programme);

CREATE TABLE programme_eligibility (
    programme  TEXT PRIMARY KEY REFERENCES programme (code),
    rule       TEXT NOT NULL,                     -- JSON (cohesion_core::programme::eligibility::Rule)
    version    BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE programme_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    revision   BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- The national territory referential, the audit trail, and the referential's state.
-- SQLite flavour; the PostgreSQL file of the same number creates the same tables.

-- One row per territory, current or retired. A territory that leaves the COG (merged
-- commune, dissolved EPCI) keeps its row with `retired_in` set, so that what refers to
-- it keeps its meaning.
CREATE TABLE territory (
    kind               TEXT NOT NULL,
    code               TEXT NOT NULL,
    name               TEXT NOT NULL,
    population         BIGINT,
    siren              TEXT,
    postcodes          TEXT NOT NULL DEFAULT '',   -- space-separated
    parent_commune     TEXT,
    parent_epci        TEXT,
    parent_departement TEXT,
    parent_region      TEXT,
    departements       TEXT NOT NULL DEFAULT '',   -- EPCI: départements spanned, space-separated
    zone               TEXT,
    chef_lieu          TEXT,
    category           TEXT,
    financing          TEXT,
    density_level      SMALLINT,
    rurality           TEXT,
    centrality         TEXT,
    mountain           TEXT,
    lon                DOUBLE PRECISION,
    lat                DOUBLE PRECISION,
    retired_in         TEXT,                       -- vintage it left the COG in; NULL while current
    PRIMARY KEY (kind, code)
);

-- A single row: which vintage is loaded, and a revision bumped by every change so
-- that every running instance notices and reloads its in-memory snapshot.
CREATE TABLE referential_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    vintage    TEXT NOT NULL,
    revision   BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Who changed what, when: written in the same transaction as the change.
CREATE TABLE audit_event (
    id          TEXT PRIMARY KEY,                  -- UUIDv7
    at          TEXT NOT NULL,                     -- RFC 3339, UTC
    actor       TEXT NOT NULL,
    request_id  TEXT,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    action      TEXT NOT NULL,
    before      TEXT,                              -- JSON
    after       TEXT                               -- JSON
);
CREATE INDEX audit_event_entity ON audit_event (entity_type, entity_id, at);

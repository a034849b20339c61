-- The national territory referential, the audit trail, and the referential's state.
-- PostgreSQL flavour; the SQLite file of the same number creates the same tables.

-- One row per territory, current or retired (see the SQLite file for the why).
CREATE TABLE territory (
    kind               TEXT NOT NULL,
    code               TEXT NOT NULL,
    name               TEXT NOT NULL,
    population         BIGINT,
    siren              TEXT,
    postcodes          TEXT NOT NULL DEFAULT '',
    parent_commune     TEXT,
    parent_epci        TEXT,
    parent_departement TEXT,
    parent_region      TEXT,
    departements       TEXT NOT NULL DEFAULT '',
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
    retired_in         TEXT,
    PRIMARY KEY (kind, code)
);

CREATE TABLE referential_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    vintage    TEXT NOT NULL,
    revision   BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE audit_event (
    id          TEXT PRIMARY KEY,                  -- UUIDv7, as text on both backends
    at          TIMESTAMPTZ NOT NULL,
    actor       TEXT NOT NULL,
    request_id  TEXT,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    action      TEXT NOT NULL,
    before      JSONB,
    after       JSONB
);
CREATE INDEX audit_event_entity ON audit_event (entity_type, entity_id, at);

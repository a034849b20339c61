-- Indicators, their measurements and sources, objectives, and evaluation jobs.
-- PostgreSQL flavour; the SQLite file of the same number creates the same tables.

-- The catalogue (definitions only), copied from cohesion_core::indicator::catalogue at
-- every start so that SQL users and foreign keys see it.
CREATE TABLE indicator (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    unit        TEXT NOT NULL,
    direction   TEXT NOT NULL,          -- up, down, neutral
    source      TEXT NOT NULL,          -- usual source code
    level       TEXT NOT NULL,          -- finest territory kind published
    periodicity TEXT NOT NULL,          -- monthly, quarterly, annual
    aggregation TEXT NOT NULL,          -- sum, weighted_mean, not_aggregable
    weight      TEXT,                   -- weight indicator of a weighted mean
    definition  TEXT NOT NULL
);

-- One version (publication) of a source, with what must be known to use it. A new
-- publication is a new row: older versions stay, with their values, for traceability.
CREATE TABLE source_version (
    id           TEXT PRIMARY KEY,      -- UUIDv7
    source       TEXT NOT NULL,         -- source code (insee-filosofi…)
    version_date TEXT NOT NULL,         -- YYYY-MM-DD: publication (or millésime) date
    origin       TEXT NOT NULL CHECK (origin IN ('open_data', 'local')),
    name         TEXT NOT NULL,
    producer     TEXT NOT NULL,
    distributor  TEXT NOT NULL,
    methodology  TEXT NOT NULL,
    limits       TEXT NOT NULL,
    imported_at  TIMESTAMPTZ NOT NULL,
    imported_by  TEXT NOT NULL,
    UNIQUE (source, version_date, origin)
);

-- One value of one indicator, for one territory at one date, from one source version.
-- The value in force for a cell is the one of the newest source version (see
-- store::indicator); the others are kept.
CREATE TABLE measurement (
    indicator      TEXT NOT NULL REFERENCES indicator (code),
    territory_kind TEXT NOT NULL,
    territory_code TEXT NOT NULL,
    date           TEXT NOT NULL,       -- YYYY-MM-DD
    source_version TEXT NOT NULL REFERENCES source_version (id),
    value          DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (indicator, territory_kind, territory_code, date, source_version)
);
CREATE INDEX measurement_territory ON measurement (territory_kind, territory_code, indicator, date);
CREATE INDEX measurement_indicator ON measurement (indicator, territory_kind, date);

-- A target set for a territory: reach `value` of `indicator` by `date`.
CREATE TABLE objective (
    id             TEXT PRIMARY KEY,    -- UUIDv7
    indicator      TEXT NOT NULL REFERENCES indicator (code),
    territory_kind TEXT NOT NULL,
    territory_code TEXT NOT NULL,
    date           TEXT NOT NULL,
    value          DOUBLE PRECISION NOT NULL,
    version        BIGINT NOT NULL DEFAULT 1,
    updated_at     TIMESTAMPTZ NOT NULL,
    updated_by     TEXT NOT NULL,
    UNIQUE (indicator, territory_kind, territory_code, date)
);

-- Evaluation jobs: queued by the API or the CLI, claimed by any instance's worker.
CREATE TABLE evaluation (
    id           TEXT PRIMARY KEY,      -- UUIDv7
    status       TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    request      JSONB NOT NULL,        -- JSON: cohesion_core::evaluation::EvaluationRequest
    requested_by TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,  -- heartbeat while running
    started_at   TIMESTAMPTZ,
    finished_at  TIMESTAMPTZ,
    worker       TEXT,
    attempts     BIGINT NOT NULL DEFAULT 0,
    stage        TEXT NOT NULL,
    percent      SMALLINT NOT NULL DEFAULT 0,
    inputs       JSONB,                 -- JSON: source versions, counts, panel checksum
    panel        TEXT,                  -- the panel estimated, as CSV, to reproduce it
    result       JSONB,                 -- JSON: cohesion_core::impact::ImpactEstimate
    error        TEXT
);
CREATE INDEX evaluation_queue ON evaluation (status, created_at);

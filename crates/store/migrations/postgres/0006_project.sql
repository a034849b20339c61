-- Projects (issue 6). PostgreSQL flavour; the SQLite file of the same number creates
-- the same tables.

-- One row per project. The financing plan, indicators and budget lines are parts of
-- the project written and versioned with it (one aggregate, one `version`), kept as
-- a JSON document; what is searched or joined on has its own column or table.
CREATE TABLE project (
    id               TEXT PRIMARY KEY,          -- UUIDv7
    name             TEXT NOT NULL,
    phase            TEXT NOT NULL,             -- idea | study | operation
    phase_status     TEXT NOT NULL,
    total_cost_cents BIGINT,
    grant_cents      BIGINT NOT NULL,           -- the State's share of the plan (totals)
    document         TEXT NOT NULL,             -- JSON text (same code on both backends): the whole ProjectInput
    version          BIGINT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);

-- The territories a project concerns (what territory pages and filters read).
CREATE TABLE project_territory (
    project_id TEXT NOT NULL REFERENCES project (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    code       TEXT NOT NULL,
    PRIMARY KEY (project_id, kind, code)
);
CREATE INDEX project_territory_place ON project_territory (kind, code);

-- Identifiers in other tools: unique per tool, so a client upserts by them.
CREATE TABLE project_external_id (
    tool        TEXT NOT NULL,
    external_id TEXT NOT NULL,
    project_id  TEXT NOT NULL REFERENCES project (id) ON DELETE CASCADE,
    PRIMARY KEY (tool, external_id)
);
CREATE INDEX project_external_id_project ON project_external_id (project_id);

-- Bumped by every write, so that every instance notices and rebuilds its search index.
CREATE TABLE project_state (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    revision BIGINT NOT NULL
);
INSERT INTO project_state (id, revision) VALUES (1, 0);

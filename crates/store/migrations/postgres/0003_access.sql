-- People and access: organisations, people, role grants, one-time account links,
-- sessions, login attempts, API tokens. PostgreSQL flavour; the SQLite file of the same
-- number creates the same tables. Every secret (session id, link token, API token) is
-- stored as its SHA-256 (hex), never in clear: a database leak opens no account.

CREATE TABLE organisation (
    id        TEXT PRIMARY KEY,                  -- UUIDv7
    kind      TEXT NOT NULL CHECK (kind IN ('local_authority', 'state_service', 'partner')),
    name      TEXT NOT NULL,
    siren     TEXT,
    siret     TEXT UNIQUE,
    territory TEXT,                              -- kind:code, local authorities only
    created_at TIMESTAMPTZ NOT NULL,
    version   BIGINT NOT NULL
);
-- One organisation per local authority.
CREATE UNIQUE INDEX organisation_territory ON organisation (territory) WHERE territory IS NOT NULL;

CREATE TABLE person (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,                 -- as typed
    email_key     TEXT NOT NULL UNIQUE,          -- lowercase: unique whatever the case
    given_name    TEXT NOT NULL DEFAULT '',
    usual_name    TEXT NOT NULL DEFAULT '',
    password_hash TEXT,                          -- argon2id PHC string; NULL until set
    organisation_id TEXT REFERENCES organisation (id), -- employer attested by ProConnect (siret claim)
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMPTZ NOT NULL,
    version       BIGINT NOT NULL
);

-- A role with its scope: programme code, département code, organisation id, or ''.
CREATE TABLE role_grant (
    id         TEXT PRIMARY KEY,
    person_id  TEXT NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'programme_manager', 'delegate', 'local', 'partner')),
    scope      TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (person_id, role, scope)
);

-- Single-use links mailed to a person: invitation, password reset, email change.
CREATE TABLE account_link (
    token_hash TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL CHECK (purpose IN ('invitation', 'reset', 'email_change')),
    person_id  TEXT NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    new_email  TEXT,                             -- email_change only
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX account_link_person ON account_link (person_id);

-- Sessions live here so that any instance serves any request.
CREATE TABLE session (
    id_hash       TEXT PRIMARY KEY,
    person_id     TEXT NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    csrf_token    TEXT NOT NULL,                 -- synchronizer token of this session's forms
    created_at    TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,                 -- idle expiry counts from here
    expires_at    TIMESTAMPTZ NOT NULL,                 -- absolute expiry
    id_token      TEXT                           -- ProConnect sessions: for the provider's logout
);
CREATE INDEX session_person ON session (person_id);

-- ProConnect sign-ins in progress: the `state` (hashed), its `nonce` and PKCE verifier,
-- kept server-side for ten minutes and used once.
CREATE TABLE oidc_login (
    state_hash    TEXT PRIMARY KEY,
    nonce         TEXT NOT NULL,
    code_verifier TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL
);

-- Failed (and successful) sign-ins, counted per account and per address over a
-- window, so that every instance throttles alike.
CREATE TABLE login_attempt (
    id        TEXT PRIMARY KEY,
    at        TIMESTAMPTZ NOT NULL,
    email_key TEXT NOT NULL,
    address   TEXT NOT NULL,
    success   BOOLEAN NOT NULL
);
CREATE INDEX login_attempt_email ON login_attempt (email_key, at);
CREATE INDEX login_attempt_address ON login_attempt (address, at);

-- API tokens of machine clients: some of their owner's roles (JSON array of roles).
CREATE TABLE api_token (
    id           TEXT PRIMARY KEY,
    person_id    TEXT NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    roles        JSONB NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ
);
CREATE INDEX api_token_person ON api_token (person_id);

-- The audit query filters by actor and by time.
CREATE INDEX audit_event_actor ON audit_event (actor, at);
CREATE INDEX audit_event_at ON audit_event (at);

-- Measurements and objectives change only with an import: bumped by every import, so
-- that every instance rebuilds what it derives from them once per revision (roll-ups,
-- a territory's indicator section) instead of per request (issue 16).
CREATE TABLE indicator_state (
    id       INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    revision BIGINT NOT NULL
);
INSERT INTO indicator_state (id, revision) VALUES (1, 0);

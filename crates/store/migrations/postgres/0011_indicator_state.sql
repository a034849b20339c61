-- Measurements and objectives change only with an import: bumped by every import, so
-- that every instance rebuilds what it derives from them once per revision (roll-ups,
-- a territory's indicator section) instead of per request (issue 16). Other instances
-- hear of it through the feed of migration 0010.
CREATE TABLE indicator_state (
    id       INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    revision BIGINT NOT NULL
);
INSERT INTO indicator_state (id, revision) VALUES (1, 0);

CREATE TRIGGER indicator_state_change AFTER INSERT OR UPDATE ON indicator_state
    FOR EACH ROW EXECUTE FUNCTION cohesion_notify_change();

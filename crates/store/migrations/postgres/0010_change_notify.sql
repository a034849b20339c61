-- Other instances learn of a write within a second (LISTEN cohesion_change), instead of
-- waiting for their poll of the revisions (kept as a fallback).
--
-- Payloads (delivered at commit, in commit order):
--   'project <revision> <id>'  a project written (revision = project_state after the write)
--   '<table>'                  one of the other revision tables moved
CREATE FUNCTION cohesion_notify_change() RETURNS trigger AS $$
BEGIN
    IF TG_TABLE_NAME = 'project' THEN
        PERFORM pg_notify('cohesion_change',
            'project ' || (SELECT revision FROM project_state WHERE id = 1) || ' ' || NEW.id);
    ELSE
        PERFORM pg_notify('cohesion_change', TG_TABLE_NAME);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER project_change AFTER INSERT OR UPDATE ON project
    FOR EACH ROW EXECUTE FUNCTION cohesion_notify_change();
CREATE TRIGGER pact_state_change AFTER INSERT OR UPDATE ON pact_state
    FOR EACH ROW EXECUTE FUNCTION cohesion_notify_change();
CREATE TRIGGER programme_state_change AFTER INSERT OR UPDATE ON programme_state
    FOR EACH ROW EXECUTE FUNCTION cohesion_notify_change();
CREATE TRIGGER referential_state_change AFTER INSERT OR UPDATE ON referential_state
    FOR EACH ROW EXECUTE FUNCTION cohesion_notify_change();

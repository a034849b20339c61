-- A project's phase and its status may be unknown (issue 19, point 7): the hub Les
-- communs holds projects without a phase, and phases without a status, and Cohésion
-- takes them as they are rather than inventing one. SQLite cannot drop a NOT NULL in
-- place, and rebuilding `project` would cascade into the tables that reference it: the
-- columns are copied into nullable ones, dropped (neither is indexed) and renamed back.
ALTER TABLE project ADD COLUMN phase_known TEXT;          -- idea | study | operation | NULL
ALTER TABLE project ADD COLUMN phase_status_known TEXT;   -- in_progress | … | NULL
UPDATE project SET phase_known = phase, phase_status_known = phase_status;
ALTER TABLE project DROP COLUMN phase;
ALTER TABLE project DROP COLUMN phase_status;
ALTER TABLE project RENAME COLUMN phase_known TO phase;
ALTER TABLE project RENAME COLUMN phase_status_known TO phase_status;

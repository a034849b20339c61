-- A project's phase and its status may be unknown (issue 19, point 7): the hub Les
-- communs holds projects without a phase, and phases without a status, and Cohésion
-- takes them as they are rather than inventing one.
ALTER TABLE project ALTER COLUMN phase DROP NOT NULL;
ALTER TABLE project ALTER COLUMN phase_status DROP NOT NULL;

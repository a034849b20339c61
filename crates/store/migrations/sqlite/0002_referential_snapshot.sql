-- The current referential in its compact text form (cohesion_core::territory::compact),
-- written with every import in the same transaction as the rows. Derived data: starting
-- instances read this one value instead of 36,000 rows (about 4x faster); the rows stay
-- the truth for queries and are read whenever this is missing or unreadable.
ALTER TABLE referential_state ADD COLUMN snapshot TEXT;

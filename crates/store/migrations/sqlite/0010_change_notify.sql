-- PostgreSQL tells other instances of a write (LISTEN/NOTIFY, same number there).
-- SQLite serves one process: its instances keep polling the revisions. Nothing to do.
SELECT 1;

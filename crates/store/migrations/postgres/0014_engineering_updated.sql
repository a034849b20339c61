-- The engineering dashboard is kept in memory per state of the data it counts
-- (`Store::engineering_fingerprint`: the last write instant of requests and missions,
-- read on every dashboard request, on every instance). These indexes make that read
-- a look-up at the end of an index instead of a scan of every request.
CREATE INDEX engineering_request_updated ON engineering_request (updated_at);
CREATE INDEX engineering_mission_updated ON engineering_mission (updated_at);

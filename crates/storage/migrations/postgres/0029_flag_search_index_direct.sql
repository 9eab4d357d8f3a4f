-- The flag search's trigram index (0022) without GIN's pending list: with
-- `fastupdate` on, new rows wait in an unsorted list until the next vacuum,
-- and the planner, costing that list, scans the table instead (10,000 flags
-- imported at once: a name search took 7 ms; read from the index, 0.25 ms).
-- Flags are written rarely, so each write updates the index itself; what is
-- already pending is moved into the index now.
ALTER INDEX features_search SET (fastupdate = off);
SELECT gin_clean_pending_list('features_search');

-- Every replica reads the event log in append order, in batches after the
-- last number it read (EventFeed): without an index on that number each
-- batch scanned and sorted the whole table, so a new replica took minutes
-- per million events to start.
CREATE UNIQUE INDEX events_n ON events (n);

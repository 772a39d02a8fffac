-- Groupware: DAV resource names, properties of collections, and the occurrences of events and
-- tasks for time-range queries. Keep in step with the other backend's 0005.

-- An event, contact or task is a resource named inside its collection (the last segment of
-- its DAV href); unique per collection. Messages have no name.
ALTER TABLE items ADD COLUMN name TEXT;
CREATE UNIQUE INDEX items_name ON items (collection_id, name);
-- For a recurrence expanded only up to a horizon (an endless RRULE): that horizon, in UTC
-- seconds; a time range reaching past it is answered by expanding the item again.
ALTER TABLE items ADD COLUMN instances_until INTEGER;
CREATE INDEX items_instances_until ON items (collection_id, instances_until);

-- The resource name a collection-scoped change refers to, so a removal can still be reported
-- by its href after the item is gone (RFC 6578 sync-collection).
ALTER TABLE changes ADD COLUMN name TEXT;

-- The longest occurrence stored in a collection: a time-range scan starts that far before the
-- range (RFC 4791 §9.9), so one index range answers it.
ALTER TABLE collections ADD COLUMN max_span INTEGER NOT NULL DEFAULT 0;

-- One row per occurrence of an event (or the span of a task/journal per RFC 4791 §9.9), with
-- [start_utc, end_utc) in UTC seconds. A task with no date at all matches every range and is
-- stored once with start_utc = -1099511627776 (the "always" sentinel).
CREATE TABLE item_instances (
    collection_id INTEGER NOT NULL,
    item_id INTEGER NOT NULL,
    start_utc INTEGER NOT NULL,
    end_utc INTEGER NOT NULL
);
CREATE INDEX item_instances_range ON item_instances (collection_id, start_utc);
CREATE INDEX item_instances_item ON item_instances (item_id);

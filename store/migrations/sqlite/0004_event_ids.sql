-- Integrity: nothing counted twice. Same table and meaning on SQLite and PostgreSQL.

-- The `id`s of events (`e:<id>`) and feedback (`f:<id>`) applied per customer within the dedupe window
-- (Policy::dedupe_window_days, 7 days): a retried delivery with the same id is skipped. Older ids are
-- pruned when the customer is next written; the rows go with the profile on erasure.
CREATE TABLE event_ids (
    subject     TEXT    NOT NULL REFERENCES profiles (subject) ON DELETE CASCADE,
    event_id    TEXT    NOT NULL,
    seen_at     INTEGER NOT NULL,
    PRIMARY KEY (subject, event_id)
);

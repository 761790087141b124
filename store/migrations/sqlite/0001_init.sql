-- persona-store schema, SQLite. Same tables and meaning as migrations/postgres/0001_init.sql.

-- One row per customer: the aggregates (JSON of persona_store::model::ProfileState), never raw events.
-- `sequence` grows on every change (and on every re-issue of the snapshot).
CREATE TABLE profiles (
    subject     TEXT    PRIMARY KEY,
    state       TEXT    NOT NULL,
    sequence    INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- The last signed snapshot per customer and audience (rebuilt from `profiles` whenever it is stale).
CREATE TABLE snapshots (
    subject     TEXT    NOT NULL,
    audience    TEXT    NOT NULL,
    sequence    INTEGER NOT NULL,
    key_id      TEXT    NOT NULL,
    issued_at   INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    etag        TEXT    NOT NULL,
    bytes       BLOB    NOT NULL,
    PRIMARY KEY (subject, audience)
);

-- The current ruleset per audience: the authoring JSON and its signed snapshot.
CREATE TABLE rulesets (
    audience    TEXT    PRIMARY KEY,
    source      TEXT    NOT NULL,
    sequence    INTEGER NOT NULL,
    key_id      TEXT    NOT NULL,
    issued_at   INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    etag        TEXT    NOT NULL,
    bytes       BLOB    NOT NULL
);

-- Progress of `persona import` per input file (resumable).
CREATE TABLE imports (
    file_id     TEXT    PRIMARY KEY,
    next_line   INTEGER NOT NULL,
    accepted    INTEGER NOT NULL,
    rejected    INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

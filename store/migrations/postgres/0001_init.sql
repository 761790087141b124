-- persona-store schema, PostgreSQL. Same tables and meaning as migrations/sqlite/0001_init.sql.

-- One row per customer: the aggregates (JSON of persona_store::model::ProfileState), never raw events.
-- `sequence` grows on every change (and on every re-issue of the snapshot).
CREATE TABLE profiles (
    subject     TEXT    PRIMARY KEY,
    state       TEXT    NOT NULL,
    sequence    BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);

-- The last signed snapshot per customer and audience (rebuilt from `profiles` whenever it is stale).
CREATE TABLE snapshots (
    subject     TEXT    NOT NULL,
    audience    TEXT    NOT NULL,
    sequence    BIGINT  NOT NULL,
    key_id      TEXT    NOT NULL,
    issued_at   BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    etag        TEXT    NOT NULL,
    bytes       BYTEA   NOT NULL,
    PRIMARY KEY (subject, audience)
);

-- The current ruleset per audience: the authoring JSON and its signed snapshot.
CREATE TABLE rulesets (
    audience    TEXT    PRIMARY KEY,
    source      TEXT    NOT NULL,
    sequence    BIGINT  NOT NULL,
    key_id      TEXT    NOT NULL,
    issued_at   BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    etag        TEXT    NOT NULL,
    bytes       BYTEA   NOT NULL
);

-- Progress of `persona import` per input file (resumable).
CREATE TABLE imports (
    file_id     TEXT    PRIMARY KEY,
    next_line   BIGINT  NOT NULL,
    accepted    BIGINT  NOT NULL,
    rejected    BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);

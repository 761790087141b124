-- Erasure (GDPR art. 17, CPRA right to delete). Same tables and meaning as migrations/postgres/0002_erasures.sql.

-- One tombstone per erased customer. It holds no personal data: `subject_key` is a keyed hash of the
-- subject id (HMAC-SHA256 under the store's token secret, its own label), `kv_key` the edge key-value key
-- the customer's snapshot was published under (`profile:<read token>`, itself a keyed hash). Late events
-- for the subject are refused and counted in `refused`; a replayed import cannot recreate the customer.
CREATE TABLE erasures (
    subject_key    TEXT    PRIMARY KEY,
    kv_key         TEXT    NOT NULL,
    erased_at      INTEGER NOT NULL,
    last_sequence  INTEGER NOT NULL,
    refused        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX erasures_by_time ON erasures (erased_at);

-- A snapshot goes with its profile: erasing the profile deletes its snapshots, and no snapshot can be
-- stored for a profile that is gone (a read racing an erasure fails instead of leaving a copy behind).
CREATE TABLE snapshots_with_profile (
    subject     TEXT    NOT NULL REFERENCES profiles (subject) ON DELETE CASCADE,
    audience    TEXT    NOT NULL,
    sequence    INTEGER NOT NULL,
    key_id      TEXT    NOT NULL,
    issued_at   INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    etag        TEXT    NOT NULL,
    bytes       BLOB    NOT NULL,
    PRIMARY KEY (subject, audience)
);
INSERT INTO snapshots_with_profile
    SELECT * FROM snapshots WHERE subject IN (SELECT subject FROM profiles);
DROP TABLE snapshots;
ALTER TABLE snapshots_with_profile RENAME TO snapshots;

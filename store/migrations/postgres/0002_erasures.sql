-- Erasure (GDPR art. 17, CPRA right to delete). Same tables and meaning as migrations/sqlite/0002_erasures.sql.

-- One tombstone per erased customer. It holds no personal data: `subject_key` is a keyed hash of the
-- subject id (HMAC-SHA256 under the store's token secret, its own label), `kv_key` the edge key-value key
-- the customer's snapshot was published under (`profile:<read token>`, itself a keyed hash). Late events
-- for the subject are refused and counted in `refused`; a replayed import cannot recreate the customer.
CREATE TABLE erasures (
    subject_key    TEXT    PRIMARY KEY,
    kv_key         TEXT    NOT NULL,
    erased_at      BIGINT  NOT NULL,
    last_sequence  BIGINT  NOT NULL,
    refused        BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX erasures_by_time ON erasures (erased_at);

-- A snapshot goes with its profile: erasing the profile deletes its snapshots, and no snapshot can be
-- stored for a profile that is gone (a read racing an erasure fails instead of leaving a copy behind).
DELETE FROM snapshots WHERE subject NOT IN (SELECT subject FROM profiles);
ALTER TABLE snapshots ADD CONSTRAINT snapshots_profile
    FOREIGN KEY (subject) REFERENCES profiles (subject) ON DELETE CASCADE;

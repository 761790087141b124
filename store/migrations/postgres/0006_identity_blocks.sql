-- Blocking keys of identity matching: for each blocking rule over several fields (surname and date of
-- birth, given name and surname, ...), a keyed hash (HMAC-SHA256 under the vault's lookup key) of the
-- rule and the subject's normalized values of its fields. Candidates for a record are the subjects
-- sharing one of its blocks (or a strong identifier, in `identifiers`), found by exact lookups, never by
-- scanning everyone with a common first name. No raw value; the rows go with the subject on erasure.
CREATE TABLE identity_blocks (
    block       TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    PRIMARY KEY (block, subject)
);
CREATE INDEX identity_blocks_by_subject ON identity_blocks (subject);

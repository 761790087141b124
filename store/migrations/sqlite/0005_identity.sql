-- Identity resolution. Same tables and meaning on SQLite and PostgreSQL.

-- The identity vault: raw identifiers (e-mail, phone, loyalty card, name, date of birth, address,
-- postcode) of a subject, never in clear. `lookup` is a keyed hash (HMAC-SHA256) of the normalized value,
-- for exact lookups; `sealed` is the normalized value encrypted with XChaCha20-Poly1305 (nonce || ciphertext,
-- the kind and lookup as associated data) under the vault key `key_id`. The keys live outside the
-- database (vault-keys.json in the data folder, or PERSONA_VAULT_KEY). The rows go with the subject on
-- erasure.
CREATE TABLE identifiers (
    subject     TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    lookup      TEXT    NOT NULL,
    sealed      BLOB   NOT NULL,
    key_id      TEXT    NOT NULL,
    added_at    INTEGER    NOT NULL,
    PRIMARY KEY (subject, kind, lookup)
);
CREATE INDEX identifiers_by_lookup ON identifiers (kind, lookup);

-- Links of a member subject (an anonymous device, an imported record) to the customer it belongs to.
-- Each subject keeps its own row in `profiles`; the customer's snapshot merges its members' states, so
-- a link that splits takes back out exactly what the member contributed. `method`: login, match
-- (probabilistic, at or above the link threshold) or review (accepted by a person). `evidence`: JSON of
-- what agreed, at which level, with what weight.
CREATE TABLE links (
    member      TEXT    PRIMARY KEY,
    customer    TEXT    NOT NULL,
    method      TEXT    NOT NULL,
    confidence  REAL    NOT NULL,
    evidence    TEXT    NOT NULL,
    linked_at   INTEGER    NOT NULL
);
CREATE INDEX links_by_customer ON links (customer);

-- Candidate matches between the two thresholds, waiting for a person: accept links, reject keeps apart.
CREATE TABLE identity_reviews (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    record      TEXT    NOT NULL,
    candidate   TEXT    NOT NULL,
    confidence  REAL    NOT NULL,
    evidence    TEXT    NOT NULL,
    created_at  INTEGER    NOT NULL,
    decision    TEXT,
    decided_at  INTEGER
);
CREATE INDEX identity_reviews_open ON identity_reviews (decision, id);
CREATE INDEX identity_reviews_by_record ON identity_reviews (record);
CREATE INDEX identity_reviews_by_candidate ON identity_reviews (candidate);

-- Trained matching models (JSON of identity::matcher::Model); "default" is the one requests use.
CREATE TABLE identity_models (
    name        TEXT    PRIMARY KEY,
    model       TEXT    NOT NULL,
    trained_at  INTEGER    NOT NULL
);

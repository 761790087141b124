-- Consent as evidence. Same table and meaning on SQLite and PostgreSQL.

-- Every change of a channel's or a purpose's consent state: what (kind: channel or purpose, name), the new
-- state, when (Unix seconds) and where it came from (api, web_banner, gpc, import, support_agent,
-- preference_centre). Kept until the customer is erased (the rows go with the profile). `id` keeps the
-- order of changes made in the same second.
CREATE TABLE consent_changes (
    id          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject     TEXT    NOT NULL REFERENCES profiles (subject) ON DELETE CASCADE,
    at          BIGINT  NOT NULL,
    kind        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    source      TEXT    NOT NULL
);
CREATE INDEX consent_changes_by_subject ON consent_changes (subject, id);

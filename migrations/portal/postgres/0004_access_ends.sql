-- Removal from the case ends a person's access at once; a lost phone stops
-- email sign-in until the bridge says otherwise.
ALTER TABLE people ADD COLUMN removed_at BIGINT;
ALTER TABLE people ADD COLUMN email_sign_in_stopped_at BIGINT;
CREATE INDEX email_codes_person ON email_codes (person_id, purpose);

-- Secrets the portal generates for itself, each sealed to its key_file
-- (content::seal), e.g. the key invitation codes are stored under.
CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

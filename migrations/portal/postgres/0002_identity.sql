-- Identity: invitations, passkeys, email codes, sessions, lockouts.

ALTER TABLE people ADD COLUMN date_of_birth TEXT;
-- Set only once the person has proved they receive mail there.
ALTER TABLE people ADD COLUMN email TEXT;
ALTER TABLE people ADD COLUMN activated_at BIGINT;
ALTER TABLE people ADD COLUMN last_visit_at BIGINT;
CREATE UNIQUE INDEX people_email ON people (email);

-- One-time invitation codes, stored as hashes only.
CREATE TABLE invitations (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL,
    code_hash TEXT NOT NULL UNIQUE,
    expires_at BIGINT NOT NULL,
    failed_checks BIGINT NOT NULL DEFAULT 0,
    used_at BIGINT,
    revoked_at BIGINT
);

CREATE TABLE passkeys (
    credential_id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL,
    name TEXT NOT NULL,
    passkey TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX passkeys_person ON passkeys (person_id);

-- Emailed sign-in codes and links, and email-address verification codes.
CREATE TABLE email_codes (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    email TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    link_hash TEXT,
    expires_at BIGINT NOT NULL,
    tries BIGINT NOT NULL DEFAULT 0,
    spent_at BIGINT
);
CREATE INDEX email_codes_link ON email_codes (link_hash);

-- Shared shape with the bridge (content::session, content::passkeys, content::guard).
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    ended_at BIGINT
);
CREATE INDEX sessions_subject ON sessions (subject);

CREATE TABLE ceremonies (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    subject TEXT,
    state TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE lockouts (
    account TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    locked_until BIGINT
);

-- The first time each person opened each version, so each first view is
-- reported to the bridge once.
CREATE TABLE first_views (
    person_id TEXT NOT NULL,
    publication_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    viewed_at BIGINT NOT NULL,
    PRIMARY KEY (person_id, publication_id, version)
);

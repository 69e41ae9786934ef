-- Staff identity: staff accounts and their roles, passkeys, one-time
-- enrolment links, case grants, the bridge's record of family invitations,
-- and the shared session, passkey-ceremony and lockout tables
-- (content::session, content::passkeys, content::guard).
-- Timestamps are seconds since the Unix epoch. Tokens and codes are never
-- stored, only their SHA-256.

CREATE TABLE sessions (id TEXT PRIMARY KEY, subject TEXT NOT NULL, csrf TEXT NOT NULL, created_at BIGINT NOT NULL, last_seen_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, ended_at BIGINT);
CREATE INDEX sessions_subject ON sessions (subject);
CREATE TABLE ceremonies (id TEXT PRIMARY KEY, kind TEXT NOT NULL, subject TEXT, state TEXT NOT NULL, expires_at BIGINT NOT NULL);
CREATE TABLE lockouts (account TEXT PRIMARY KEY, failures BIGINT NOT NULL, locked_until BIGINT);

-- id is a UUID; email is stored lower-case; roles is a comma-separated list
-- of practitioner, manager, ig_officer, admin.
CREATE TABLE staff (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    roles TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT,
    disabled_at BIGINT
);

-- passkey is webauthn-rs's Passkey as JSON (public key and counter only).
CREATE TABLE staff_passkeys (
    id TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL REFERENCES staff (id),
    credential_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    passkey TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX staff_passkeys_staff ON staff_passkeys (staff_id);

-- One-time enrolment links: single use, expiring.
CREATE TABLE enrolments (
    token_hash TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL REFERENCES staff (id),
    created_by TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX enrolments_staff ON enrolments (staff_id);

-- A practitioner may see a case they are allocated to (case_professionals
-- with their email) or one granted here.
CREATE TABLE case_grants (
    staff_id TEXT NOT NULL REFERENCES staff (id),
    case_id BIGINT NOT NULL REFERENCES cases (id),
    granted_by TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (staff_id, case_id)
);

-- The bridge's record of the invitations it issued. Never the code: only
-- the portal holds its hash. case_person_id is case_people.id (no foreign
-- key: a re-import may remove a person, and the record of the invitation stays).
CREATE TABLE invitations (
    id TEXT PRIMARY KEY,
    case_person_id BIGINT NOT NULL,
    person_portal_id TEXT NOT NULL,
    delivery TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revoked_by TEXT
);
CREATE INDEX invitations_person ON invitations (case_person_id);

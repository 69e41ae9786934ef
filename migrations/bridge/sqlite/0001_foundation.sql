-- The staff bridge: imported cases, the push queue to the portal, and the
-- family events pulled back. Timestamps are seconds since the Unix epoch.

CREATE TABLE cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reference TEXT NOT NULL UNIQUE,
    team TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- source_id is the case system's own id, which makes re-import an update.
-- portal_id is the only id of a person the portal ever sees.
CREATE TABLE case_people (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    source_id TEXT NOT NULL,
    portal_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    aliases TEXT NOT NULL,
    date_of_birth TEXT,
    role TEXT NOT NULL,
    email TEXT,
    UNIQUE (case_id, source_id)
);

CREATE TABLE case_professionals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    source_id TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    email TEXT,
    UNIQUE (case_id, source_id)
);

CREATE TABLE case_documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    source_id TEXT NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    document_date TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (case_id, source_id)
);

CREATE TABLE case_meetings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    source_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    place TEXT NOT NULL,
    UNIQUE (case_id, source_id)
);

-- Requests to the portal's internal API, sent in order, each until it lands.
CREATE TABLE outgoing (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    attempts BIGINT NOT NULL DEFAULT 0,
    -- The portal's final answer, e.g. 'accepted' or 'rejected: 409'.
    outcome TEXT
);
CREATE INDEX outgoing_pending ON outgoing (sent_at, id);

-- Family events pulled from the portal's outbox, each stored once.
CREATE TABLE family_events (
    event_id TEXT PRIMARY KEY,
    portal_seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    person_id TEXT,
    data TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL
);

CREATE TABLE sync_cursor (
    name TEXT PRIMARY KEY,
    position BIGINT NOT NULL
);

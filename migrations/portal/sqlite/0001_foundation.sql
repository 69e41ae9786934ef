-- The portal holds only its users, what was published to them, and what they
-- wrote. Timestamps are seconds since the Unix epoch.

CREATE TABLE people (
    id TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    first_name TEXT NOT NULL,
    role TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Every version the bridge pushed; readers see only the newest one.
CREATE TABLE publication_versions (
    publication_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body_markdown TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (publication_id, version)
);

CREATE TABLE publication_audience (
    publication_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    person_id TEXT NOT NULL,
    PRIMARY KEY (publication_id, version, person_id),
    FOREIGN KEY (publication_id, version) REFERENCES publication_versions (publication_id, version)
);
CREATE INDEX publication_audience_person ON publication_audience (person_id);

-- A withdrawal may arrive before the publication it withdraws; either way the
-- publication is never shown again.
CREATE TABLE withdrawals (
    publication_id TEXT PRIMARY KEY,
    withdrawn_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL
);

-- Family-side events waiting for the bridge to pull them, in commit order.
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    person_id TEXT,
    data TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    acked_at BIGINT
);

-- Nonces of signed internal requests, kept for the freshness window.
CREATE TABLE sync_nonces (
    nonce TEXT PRIMARY KEY,
    seen_at BIGINT NOT NULL
);
CREATE INDEX sync_nonces_seen_at ON sync_nonces (seen_at);

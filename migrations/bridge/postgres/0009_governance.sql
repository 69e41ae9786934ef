-- The information governance console (staff-bridge/src/governance/).

-- Searching the ledger by kind and by date, newest first, a page at a time.
CREATE INDEX ledger_by_kind ON ledger (kind, seq);
CREATE INDEX ledger_by_at ON ledger (at, seq);

-- Which family members and which cases each ledger entry concerns. The
-- ledger's data is canonical JSON and cannot be indexed by what it names, so
-- the console keeps this index beside it, filled from the ledger in order
-- (ledger_links_position is how far it has read). Rebuildable at any time
-- from the ledger alone; never part of the hash chain.
CREATE TABLE ledger_people (
    person TEXT NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (person, seq)
);
CREATE TABLE ledger_cases (
    case_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (case_id, seq)
);
CREATE TABLE ledger_links_position (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL
);
INSERT INTO ledger_links_position (id, seq) VALUES (1, 0);

-- Staff views of a case's pages: who looked at this family's record, when.
CREATE TABLE staff_access (
    id BIGSERIAL PRIMARY KEY,
    staff_id TEXT NOT NULL,
    case_id BIGINT NOT NULL,
    page TEXT NOT NULL,
    draft_id TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX staff_access_case ON staff_access (case_id, at);

-- Portal access paused by an IG officer or a manager (e.g. during an
-- investigation), and why; NULL when not paused.
ALTER TABLE case_people ADD COLUMN frozen_at BIGINT;
ALTER TABLE case_people ADD COLUMN frozen_reason TEXT;

-- Publishing: drafts written for named family members, the decisions on each
-- redaction-check finding, approvals, and what staff have read of what came
-- back. Only staff-bridge/src/publishing/ writes these tables. Timestamps are
-- seconds since the Unix epoch.

-- A draft is one version of one document for one audience. publication_id is
-- the id the portal knows; a new version of the same document reuses it
-- (supersession) and gets the next version number when it is published.
-- status: draft | submitted | returned | approved | published | withdrawn.
-- approved_hash is the SHA-256 of the Markdown the approver saw; publishing
-- refuses anything else.
CREATE TABLE drafts (
    id TEXT PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    source_document_id BIGINT,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    reader_age BIGINT,
    author_id TEXT NOT NULL,
    status TEXT NOT NULL,
    return_reason TEXT,
    publication_id TEXT NOT NULL,
    version BIGINT,
    publish_at BIGINT,
    submitted_at BIGINT,
    approved_by TEXT,
    approved_at BIGINT,
    approved_hash TEXT,
    published_at BIGINT,
    published_hash TEXT,
    withdrawn_by TEXT,
    withdrawn_at BIGINT,
    withdrawal_reason TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX drafts_case ON drafts (case_id, status);
CREATE INDEX drafts_status ON drafts (status, publish_at);
CREATE INDEX drafts_publication ON drafts (publication_id);
CREATE UNIQUE INDEX drafts_publication_version ON drafts (publication_id, version) WHERE version IS NOT NULL;

-- Who a draft is for: case_people.id.
CREATE TABLE draft_audience (
    draft_id TEXT NOT NULL REFERENCES drafts (id),
    case_person_id BIGINT NOT NULL,
    PRIMARY KEY (draft_id, case_person_id)
);

-- One decision on one finding. finding_key is a SHA-256 over the finding's
-- kind, its text, the sentence it is in and which occurrence it is, so a
-- decision survives re-saving while that sentence is unchanged and is asked
-- again when it changes. text_hash is the SHA-256 of the finding's text
-- alone; the text itself is not stored here.
CREATE TABLE redactions (
    draft_id TEXT NOT NULL REFERENCES drafts (id),
    finding_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    start_offset BIGINT NOT NULL,
    end_offset BIGINT NOT NULL,
    text_hash TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('redact', 'keep')),
    reason TEXT,
    decided_by TEXT NOT NULL,
    decided_at BIGINT NOT NULL,
    PRIMARY KEY (draft_id, finding_key)
);

-- What happened to each draft, in order: saved, submitted, returned,
-- approved, published, withdrawn.
CREATE TABLE draft_history (
    id BIGSERIAL PRIMARY KEY,
    draft_id TEXT NOT NULL REFERENCES drafts (id),
    action TEXT NOT NULL,
    actor TEXT,
    reason TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX draft_history_draft ON draft_history (draft_id, id);

-- How far each member of staff has read the family events of each case.
CREATE TABLE case_event_reads (
    staff_id TEXT NOT NULL,
    case_id BIGINT NOT NULL,
    seen_seq BIGINT NOT NULL,
    PRIMARY KEY (staff_id, case_id)
);

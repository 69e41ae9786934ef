-- Messages between family members and the workers of their case
-- (staff-bridge/src/messages/). One conversation per family member who uses
-- the portal, keyed by their portal id.
--
-- assigned_to: the worker it was handed over to; NULL means the case's
-- allocated workers. unanswered_since: the oldest family message since the
-- last worker's message (NULL when answered). done_at: marked as done; a new
-- family message clears it.
CREATE TABLE conversations (
    person_portal_id TEXT PRIMARY KEY,
    case_id BIGINT NOT NULL,
    assigned_to TEXT,
    unanswered_since BIGINT,
    done_at BIGINT,
    done_by TEXT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX conversations_case ON conversations (case_id);
CREATE INDEX conversations_unanswered ON conversations (unanswered_since);

-- Each message, as received from the portal or written here. body is the
-- text sealed to the bridge's key_file; text_sha256 is what the ledger
-- records. A worker's message: staff_id wrote it, decisions holds the
-- content check's findings and what was decided (sealed JSON), state is
-- sent, or awaiting_approval where approval is required (approved_by).
-- read_at: a family message first read by a worker (read_by); a worker's
-- message read by the family member. position is the order the messages
-- reached this conversation here.
CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    person_portal_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    case_id BIGINT,
    from_family BIGINT NOT NULL,
    staff_id TEXT,
    body TEXT NOT NULL,
    text_sha256 TEXT NOT NULL,
    decisions TEXT,
    state TEXT NOT NULL,
    approved_by TEXT,
    sent_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    read_at BIGINT,
    read_by TEXT
);
CREATE INDEX messages_conversation ON messages (person_portal_id, position);
CREATE INDEX messages_unread ON messages (from_family, read_at);

-- Files sent with a message, sealed (base64 of the sealed bytes).
CREATE TABLE message_attachments (
    id TEXT PRIMARY KEY,
    message_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX message_attachments_message ON message_attachments (message_id);

-- A staff member's choice of a daily email with unread counts (no content).
ALTER TABLE staff ADD COLUMN message_digest BIGINT NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN message_digest_at BIGINT;

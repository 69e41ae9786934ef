-- Messages between a family member and the workers of their case
-- (portal/src/messages/). Each family member has one conversation: its id is
-- the person's id, and no one else's session can name it.
--
-- body is the text sealed to the portal's key_file; from_family is 1 for what
-- the person wrote, 0 for a worker's message the bridge pushed (author is the
-- worker's name as the person sees it). read_at: for the person's own
-- message, when their worker first read it (pushed by the bridge); for a
-- worker's message, when the person first saw it. position is the order
-- the messages reached this conversation here (two sent in the same second
-- still show in the order they came).
CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    from_family BIGINT NOT NULL,
    author TEXT,
    body TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX messages_person ON messages (person_id, position);

-- Files sent with a message: type decided from the bytes, photos re-encoded
-- without their metadata, the bytes sealed (base64 of the sealed form).
CREATE TABLE message_attachments (
    id TEXT PRIMARY KEY,
    message_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX message_attachments_message ON message_attachments (message_id);

-- "You have a new message" emails: on unless the person turns them off; at
-- most one an hour (message_email_at is when the last one went).
ALTER TABLE people ADD COLUMN message_emails_off BIGINT NOT NULL DEFAULT 0;
ALTER TABLE people ADD COLUMN message_email_at BIGINT;

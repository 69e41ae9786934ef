-- What family members write to the service: views before a meeting, responses
-- to a plan, correction requests, feedback and "I don't feel safe". The
-- answers are sealed to the portal's key_file (content::seal); a row is a
-- draft until it is sent, and a sent one can be changed and sent again
-- (revision) where its kind allows.
--
-- slot keeps one row per person where the kind allows only one (views per
-- meeting, a response per plan version); otherwise it is the row's own id.
CREATE TABLE contributions (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    slot TEXT NOT NULL,
    publication_id TEXT,
    version BIGINT,
    audience TEXT NOT NULL,
    answers TEXT NOT NULL,
    state TEXT NOT NULL,
    revision BIGINT NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT,
    status_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    sent_at BIGINT,
    UNIQUE (person_id, slot)
);
CREATE INDEX contributions_publication ON contributions (publication_id, audience);

-- A "you said, we did" reply names the contribution it answers.
ALTER TABLE publication_versions ADD COLUMN in_reply_to TEXT;

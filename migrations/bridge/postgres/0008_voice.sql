-- What family members sent through the portal (views, plan responses,
-- correction requests, feedback, "I don't feel safe"), each revision as it
-- arrived. body is the answers as JSON, sealed to the bridge's key_file;
-- text_sha256 is what the ledger records instead of the text.
CREATE TABLE contributions (
    id TEXT NOT NULL,
    revision BIGINT NOT NULL,
    person_portal_id TEXT NOT NULL,
    case_id BIGINT,
    kind TEXT NOT NULL,
    publication_id TEXT,
    version BIGINT,
    audience TEXT NOT NULL,
    urgent BIGINT NOT NULL,
    body TEXT NOT NULL,
    text_sha256 TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (id, revision)
);
CREATE INDEX contributions_case ON contributions (case_id, received_at);
CREATE INDEX contributions_urgent ON contributions (urgent, received_at);

-- What staff recorded as done about a contribution (sealed words).
CREATE TABLE contribution_outcomes (
    id BIGSERIAL PRIMARY KEY,
    contribution_id TEXT NOT NULL,
    staff_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX contribution_outcomes_contribution ON contribution_outcomes (contribution_id);

-- A correction request's decision, as sent back to the requester.
CREATE TABLE contribution_decisions (
    contribution_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    reason TEXT,
    decided_by TEXT NOT NULL,
    decided_at BIGINT NOT NULL
);

-- A "you said, we did" draft and the contribution it answers.
CREATE TABLE draft_replies (
    draft_id TEXT PRIMARY KEY,
    contribution_id TEXT NOT NULL
);

-- The IG console's own use (staff-bridge/src/governance/console_use.rs):
-- every search, entry view, who-saw view, staff-access view and report run,
-- who ran it (a staff id, or "api" for the machine API's bearer token), which
-- page and what was asked (the filters as JSON: ids, references, dates; never
-- record content), and when. "Who looked at the ledger" has its answer here.
CREATE TABLE console_use (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    staff_id TEXT NOT NULL,
    page TEXT NOT NULL,
    asked TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX console_use_at ON console_use (at);
CREATE INDEX console_use_staff ON console_use (staff_id, at);

-- When the case system closed the case (YYYY-MM-DD, from the import's
-- optional closed_on): retention periods count from it.
ALTER TABLE cases ADD COLUMN closed_on TEXT;

-- When a family member's content was erased in one step
-- (staff-bridge/src/governance/erasure/person.rs); the ledger's
-- person_erased entry says who decided and why.
ALTER TABLE case_people ADD COLUMN erased_at BIGINT;

-- The disclosure ledger: append-only and hash-chained (docs/ledger.md has the
-- hash recipe). Only staff-bridge/src/ledger.rs writes here, and only by
-- INSERT; the database itself refuses everything else, so that no code path,
-- however mistaken, can rewrite what the council disclosed.
--
-- seq is the rowid: the entry number an officer names. It is given explicitly
-- (one more than the head) because it is part of the hash.
CREATE TABLE ledger (
    seq INTEGER PRIMARY KEY CHECK (seq >= 1),
    at BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind <> ''),
    actor TEXT,
    subject TEXT,
    -- Canonical JSON (sorted keys, no spaces): ids, hashes and short reasons,
    -- never record text.
    data TEXT NOT NULL,
    prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
    hash TEXT NOT NULL CHECK (length(hash) = 64)
);
CREATE INDEX ledger_by_subject ON ledger (subject, seq);
CREATE INDEX ledger_by_actor ON ledger (actor, seq);

-- The newest entry, kept by the database on every insert. It lets verify
-- notice entries cut off the end of the chain, which the chain alone cannot
-- show, and lets the database refuse an entry that does not extend the chain.
CREATE TABLE ledger_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO ledger_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- A new entry must be the next number and link to the current head: the
-- chain cannot fork or skip, whatever the writer.
CREATE TRIGGER ledger_insert_extends_head BEFORE INSERT ON ledger
WHEN NEW.seq IS NOT (SELECT seq + 1 FROM ledger_head WHERE id = 1)
  OR NEW.prev_hash IS NOT (SELECT hash FROM ledger_head WHERE id = 1)
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: a new entry must extend the head of the chain');
END;

CREATE TRIGGER ledger_insert_moves_head AFTER INSERT ON ledger
BEGIN
    UPDATE ledger_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1;
END;

CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: UPDATE refused');
END;

CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: DELETE refused');
END;

-- The head only ever moves forward by one, onto an entry that exists.
CREATE TRIGGER ledger_head_only_forward BEFORE UPDATE ON ledger_head
WHEN NEW.id IS NOT OLD.id
  OR NEW.seq IS NOT OLD.seq + 1
  OR NEW.hash IS NOT (SELECT hash FROM ledger WHERE seq = NEW.seq)
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: its head only moves forward');
END;

CREATE TRIGGER ledger_head_no_delete BEFORE DELETE ON ledger_head
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: DELETE refused');
END;

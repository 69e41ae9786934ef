-- The disclosure ledger: append-only and hash-chained (docs/ledger.md has the
-- hash recipe). Only staff-bridge/src/ledger.rs writes here, and only by
-- INSERT; the database itself refuses everything else, so that no code path,
-- however mistaken, can rewrite what the council disclosed.
--
-- seq is the entry number an officer names. It is given explicitly (one more
-- than the head, under an advisory lock) rather than by a sequence: it is part
-- of the hash, and a sequence would leave gaps on rollback.
CREATE TABLE ledger (
    seq BIGINT PRIMARY KEY CHECK (seq >= 1),
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

CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

-- A new entry must be the next number and link to the current head: the
-- chain cannot fork or skip, whatever the writer. Then the head moves to it.
CREATE FUNCTION ledger_extend_head() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    head ledger_head%ROWTYPE;
BEGIN
    SELECT * INTO head FROM ledger_head WHERE id = 1 FOR UPDATE;
    IF NOT FOUND OR NEW.seq IS DISTINCT FROM head.seq + 1 OR NEW.prev_hash IS DISTINCT FROM head.hash THEN
        RAISE EXCEPTION 'the ledger is append-only: a new entry must extend the head of the chain'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE FUNCTION ledger_move_head() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ledger_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1;
    RETURN NULL;
END;
$$;

-- The head only ever moves forward by one, onto an entry that exists.
CREATE FUNCTION ledger_head_only_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id IS DISTINCT FROM OLD.id
       OR NEW.seq IS DISTINCT FROM OLD.seq + 1
       OR NEW.hash IS DISTINCT FROM (SELECT hash FROM ledger WHERE seq = NEW.seq) THEN
        RAISE EXCEPTION 'the ledger is append-only: its head only moves forward'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER ledger_insert_extends_head BEFORE INSERT ON ledger
    FOR EACH ROW EXECUTE FUNCTION ledger_extend_head();
CREATE TRIGGER ledger_insert_moves_head AFTER INSERT ON ledger
    FOR EACH ROW EXECUTE FUNCTION ledger_move_head();
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

CREATE TRIGGER ledger_head_only_forward BEFORE UPDATE ON ledger_head
    FOR EACH ROW EXECUTE FUNCTION ledger_head_only_forward();
CREATE TRIGGER ledger_head_no_delete BEFORE DELETE ON ledger_head
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_head_no_truncate BEFORE TRUNCATE ON ledger_head
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

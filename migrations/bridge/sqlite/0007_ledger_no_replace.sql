-- The ledger refuses REPLACE too (issue 12, item 10). `INSERT OR REPLACE` and
-- `REPLACE` delete the row they collide with without firing DELETE triggers
-- (unless a connection turns on recursive_triggers, which the database cannot
-- insist on). On ledger_head no trigger of 0002 caught it, so a writer could
-- wind the head back to entry 0 and then replace entries from 1 on, each one
-- "extending" the wound-back head.
--
-- ledger_head holds its one row from 0002 on; nothing inserts into it again.
-- With the head only ever moving forward by one, a REPLACE on ledger always
-- collides with an entry at or below the head, and the insert trigger of 0002
-- refuses it (a new entry must be numbered one more than the head).
CREATE TRIGGER ledger_head_no_insert BEFORE INSERT ON ledger_head
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: its head is never inserted again');
END;

-- The ledger refuses REPLACE too (issue 12, item 10). PostgreSQL's form of it
-- is `INSERT ... ON CONFLICT DO UPDATE`, which fires the BEFORE UPDATE triggers
-- of 0002 and is refused by them already. To keep the two engines' rules
-- alike, and so that the head does not rest on the UPDATE trigger alone, every
-- insert into ledger_head is refused outright (it holds its one row from 0002
-- on), upsert or not: BEFORE INSERT fires before the conflict is looked for.
CREATE TRIGGER ledger_head_no_insert BEFORE INSERT ON ledger_head
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

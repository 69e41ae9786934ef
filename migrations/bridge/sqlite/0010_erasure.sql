-- When a draft's content was erased (its title and body overwritten); the
-- ledger keeps the hashes of what was published.
ALTER TABLE drafts ADD COLUMN erased_at BIGINT;

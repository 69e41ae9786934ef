-- Counts the saves of a draft's content. The editor sends back the revision
-- it showed; a save from an older revision is refused, so two people editing
-- one draft at once cannot overwrite each other's work unseen.
ALTER TABLE drafts ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;

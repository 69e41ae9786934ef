-- A person the case system no longer lists (or marks as no longer part of
-- the case) keeps their row, so staff can still see what was disclosed to
-- them, but their portal access ends: removed_at is when.
ALTER TABLE case_people ADD COLUMN removed_at BIGINT;
-- "Lost phone": email sign-in stays stopped on the portal until the person
-- is invited again or a staff member turns it back on.
ALTER TABLE case_people ADD COLUMN email_sign_in_stopped_at BIGINT;

-- Portal access paused by the council (an IG officer or a manager): no
-- sessions, sign-in shows a neutral "paused" page; passkeys and email stay,
-- so unpausing restores sign-in as it was.
ALTER TABLE people ADD COLUMN frozen_at BIGINT;

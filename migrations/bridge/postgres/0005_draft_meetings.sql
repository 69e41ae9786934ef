-- The meeting (case_meetings.id) a draft is about: a meeting invitation
-- names one, and publishing sends its time with the publication.
ALTER TABLE drafts ADD COLUMN meeting_id BIGINT;

-- A meeting invitation carries the meeting's time, so the reader's home page
-- can show their next meeting. Seconds since the Unix epoch; NULL for every
-- other kind of publication.
ALTER TABLE publication_versions ADD COLUMN meeting_at BIGINT;

-- How big is each segment now? Members per segment in the latest export.
CREATE OR REPLACE VIEW segment_sizes AS
SELECT segment, count(DISTINCT profile_id) AS members
FROM segment_membership_current
GROUP BY segment

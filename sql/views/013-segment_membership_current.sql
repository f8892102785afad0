-- Segment membership in the latest export: each profile in each segment, with when it entered.
CREATE OR REPLACE VIEW segment_membership_current AS
SELECT s.profile_id, s.segment, s.entered_at, s.export_id
FROM segment_membership s
JOIN (SELECT max(export_id) AS export_id FROM segment_membership) latest ON s.export_id = latest.export_id

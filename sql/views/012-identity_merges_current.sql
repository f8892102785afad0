-- The merges of the latest export: which profile was merged into which, by what rule and identifier, and when.
CREATE OR REPLACE VIEW identity_merges_current AS
SELECT
  m.profile_id, m.merged_profile_id, m.rule, m.identifier_type, m.identifier_value, m.matched_with_type, m.matched_with_value,
  m.message_id, m.match_id, m.match_rule, m.merged_at, m.export_id
FROM identity_merges m
JOIN (SELECT max(export_id) AS export_id FROM identity_merges) latest ON m.export_id = latest.export_id

-- The profiles of the latest export (max export_id): one row per live profile, with the fixed profile columns
-- (computed-trait columns are left to the profiles table, as they depend on the config).
CREATE OR REPLACE VIEW profiles_current AS
SELECT
  p.profile_id, p.created_at, p.updated_at, p.first_seen, p.last_seen, p.event_count, p.order_count, p.total_revenue,
  p.user_id, p.email, p.phone, p.first_name, p.last_name, p.city, p.country, p.postcode,
  p.identifier_count, p.merged_from_count, p.segment_count, p.channels, p.traits, p.enriched, p.consent,
  p.export_id
FROM profiles p
JOIN (SELECT max(export_id) AS export_id FROM profiles) latest ON p.export_id = latest.export_id

-- Users: one row per current profile (the latest export), in the warehouse users-table shape (id = profile_id).
CREATE OR REPLACE VIEW users AS
SELECT
  profile_id AS id, email, phone, first_name, last_name, city, country, created_at, first_seen, last_seen,
  event_count, order_count, total_revenue
FROM profiles_current
